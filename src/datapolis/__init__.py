"""Datapolis: an open-source data platform for territories."""

__version__ = "0.1.0"
