"""Consignments: one export shipment of lots, recorded as an EPCIS shipping event."""
