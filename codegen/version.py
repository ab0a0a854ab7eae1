"""The one place the tool's version lives."""

__version__ = "0.1.0"
