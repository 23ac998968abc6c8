"""Adoption statistics: rollups kept up to date as scans are written, and indicators."""
