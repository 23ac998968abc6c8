"""Administrative-unit data (admin_units.json) and the script that builds it."""
