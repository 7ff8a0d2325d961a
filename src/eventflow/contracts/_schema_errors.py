"""Errors raised by the contracts core."""

from __future__ import annotations

from eventflow.errors import ConfigError, ErrorCode

__all__ = ["SchemaParseError"]


class SchemaParseError(ConfigError):
    """A schema text is not valid JSON or not a valid Avro schema.

    The message reads ``source:line:col: what is wrong`` (line and column when known).
    """

    code = ErrorCode.SCHEMA_INVALID

    def __init__(self, source: str, line: int | None, column: int | None, what: str) -> None:
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {what}")
        self.source = source
        self.line = line
        self.column = column
        self.what = what
