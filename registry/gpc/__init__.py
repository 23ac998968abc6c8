"""GS1 Global Product Classification (GPC): the bricks a product is classified under."""
