"""``python -m eventflow.registry``: the same as ``eventflow registry serve``."""

from eventflow.cli.registry import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m eventflow.registry")
