"""Codegen errors: a schema the generator cannot express as Python classes."""

from __future__ import annotations

from eventflow.errors import ConfigError, ErrorCode


class CodegenError(ConfigError):
    """A schema cannot become Python classes (bad identifier, clash between types, ...).

    The message names the schema file; nothing is written when this is raised.
    """

    code = ErrorCode.CODEGEN_INVALID
