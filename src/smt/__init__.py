"""Smart Meter Texas: an open implementation of the statewide smart-meter data hub."""

__version__ = "0.1.0"
