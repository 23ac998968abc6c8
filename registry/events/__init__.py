"""Traceability events: EPCIS 2.0 capture and query, steps, tracing, export."""
