"""Typed event classes from the Avro contracts: render (pure), then write or check (I/O)."""

from eventflow.codegen._errors import CodegenError
from eventflow.codegen._generate import CodegenResult, default_target, run_codegen
from eventflow.codegen._render import render_package
from eventflow.codegen._type_table import EventInfo, SchemaFile

__all__ = [
    "CodegenError",
    "CodegenResult",
    "EventInfo",
    "SchemaFile",
    "default_target",
    "render_package",
    "run_codegen",
]
