"""The HTTP ingest API: FastAPI app factory ``eventflow.producers.http.app:create_app``."""
