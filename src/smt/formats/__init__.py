"""Inbound file layouts, each declared in one place (docs/formats/ describes them for people)."""
