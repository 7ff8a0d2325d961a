"""The HTTP ingest API: ``create_app`` (the app factory) and the ports it runs on."""

from eventflow.producers.http.adapters import build_components
from eventflow.producers.http.app import create_app
from eventflow.producers.http.components import ApiComponents

__all__ = ["ApiComponents", "build_components", "create_app"]
