"""Confluent Schema Registry: REST client, compatible server, and its storage."""

from eventflow.registry.client import RegisteredSchema, RegistryClient, SchemaReference
from eventflow.registry.errors import RegistryError, RegistryUnreachable

__all__ = [
    "RegisteredSchema",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "SchemaReference",
]
