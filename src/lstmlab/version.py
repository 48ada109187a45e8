"""The lstmlab version (a leaf module: it imports nothing, so anything may import it)."""

__version__ = "0.1.0"
