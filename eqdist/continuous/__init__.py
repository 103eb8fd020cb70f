"""Continuous distributions, one family per file."""
