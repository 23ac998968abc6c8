"""EPCIS XML (EPCIS 2.0 §9.2 and 1.2 XML bindings): reading documents into the JSON event
model the registry stores, and writing stored events back as XML."""
