"""NetCanvas backend: code generation, compilation, exporters, training and the CLI.

Imports graph and torch, never Qt: it must run on servers and GPU boxes with no display.
"""
