"""Consumer and inspector side: decode barcode photos, interpret GS1 content, ask the resolver."""
