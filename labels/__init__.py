"""Rendering only: symbols, label layouts and sheets (PDF/SVG/PNG) from plain data."""
