"""Adapters between workbook files and the engine: reading files into raw sheets."""
