"""Producers that bring events into EventFlow (the HTTP ingest API lives in ``http``)."""
