"""Confluent Schema Registry: REST client, compatible server, and its storage."""

from eventflow.registry._client import (
    RegisteredSchema,
    RegistryClient,
    SchemaReference,
    tls_context,
)
from eventflow.registry._errors import RegistryError, RegistryUnreachable
from eventflow.registry._server import serve_registry
from eventflow.registry._sync import SubjectSync, sync_workspace

__all__ = [
    "RegisteredSchema",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "SchemaReference",
    "SubjectSync",
    "serve_registry",
    "sync_workspace",
    "tls_context",
]
