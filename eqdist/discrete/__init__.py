"""Discrete distributions, one family per file."""
