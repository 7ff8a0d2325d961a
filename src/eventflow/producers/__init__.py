"""Producers that bring events into EventFlow (the HTTP ingest API lives in ``http``)."""

__all__: list[str] = []
