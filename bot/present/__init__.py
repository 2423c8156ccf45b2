"""Presentation: the catalog, rendering, charts, files, number and date formats."""
