"""Helpers shared by several tests (not product code)."""
