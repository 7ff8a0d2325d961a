"""The ``eventflow`` command line. Commands parse, call the library, and render."""

from eventflow.cli._root import main

__all__ = ["main"]
