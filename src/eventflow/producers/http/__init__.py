"""The HTTP ingest API: ``create_app`` (the app factory) and the ports it runs on."""

from eventflow.producers.http._adapters import api_cluster, build_components
from eventflow.producers.http._app import create_app
from eventflow.producers.http._auth import hash_key, load_keys
from eventflow.producers.http._components import ApiComponents

__all__ = [
    "ApiComponents",
    "api_cluster",
    "build_components",
    "create_app",
    "hash_key",
    "load_keys",
]
