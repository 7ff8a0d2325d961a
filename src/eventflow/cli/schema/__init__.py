"""``eventflow schema …``: compatibility, checks, lint, diff, registration of the contracts."""

from eventflow.cli.schema._root import schema

__all__ = ["schema"]
