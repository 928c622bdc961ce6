"""The main window's docks: Problems, Summary, Code and Training (with its parts)."""
