"""Planting-area and packing-house codes approved market by market, and the export guard."""
