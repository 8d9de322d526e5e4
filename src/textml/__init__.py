"""textml: summarization and translation served by Ray Serve."""

__version__ = "0.1.0"
