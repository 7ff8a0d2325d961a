"""Typed configuration, read from ``EVENTFLOW_*`` environment variables.

Built once at an entry point (the CLI group, an app factory, a service ``main``)
and passed down; nothing else reads the environment.
Nested fields use ``__``: ``EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS=host:9092``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseModel):
    """Where Kafka is. ``None`` means: the local development broker."""

    bootstrap_servers: str | None = None
    client_id: str = "eventflow"


class RegistrySettings(BaseModel):
    """Where the Confluent-compatible schema registry is."""

    url: str | None = None
    basic_auth_user_info: str | None = None


class RegistryServerSettings(BaseModel):
    """``eventflow registry serve``: where it listens and where it keeps the schema log."""

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    storage: Literal["kafka", "file"] = "kafka"
    topic: str = "_schemas"
    file: Path = Path(".eventflow/registry/schemas.log")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    basic_auth_users: str | None = None  # "user:password[,user:password...]"
    # Confluent's avro.validate.defaults: check field defaults of NEW schemas (off, as there)
    validate_defaults: bool = False


class DevSettings(BaseModel):
    """The local development stack started by ``eventflow dev up``."""

    state_dir: Path = Path(".eventflow")
    kafka_port: int = Field(default=9092, ge=0, le=65535)
    kafka_controller_port: int = Field(default=0, ge=0, le=65535)
    kafka_heap: str = "512m"
    start_timeout_s: float = Field(default=90.0, gt=0)


class ApiKeySettings(BaseModel):
    """One API key of the HTTP ingest API; only the SHA-256 hex digest of the key is kept."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    event_types: list[str] = Field(default_factory=lambda: ["*"])


class ApiSettings(BaseModel):
    """The HTTP ingest API (``eventflow serve api``); see docs/http-api.md."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    topic: str = "events.raw.v1"
    keys: list[ApiKeySettings] = Field(default_factory=list)
    keys_file: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_batch: int = Field(default=500, ge=1, le=100_000)
    rate_per_second: float = Field(default=1000.0, ge=0)
    rate_burst: int = Field(default=2000, ge=1)
    idempotency_window_s: float = Field(default=86_400.0, gt=0)
    idempotency_max_entries: int = Field(default=1_000_000, ge=1)
    delivery_timeout_ms: int = Field(default=10_000, ge=1000)
    linger_ms: int = Field(default=5, ge=0)
    retry_after_s: int = Field(default=5, ge=1)


class PipelineSettings(BaseModel):
    """The pipeline services (``eventflow serve validator|enricher|writer``, replay, dlq,
    trace, demo); see docs/pipeline.md."""

    raw_topic: str = "events.raw.v1"
    validated_topic: str = "events.validated.v1"
    enriched_topic: str = "events.enriched.v1"
    dlq_topic: str = "events.dlq.v1"
    rules_dir: Path = Path("rules")
    enrichment_dir: Path = Path("rules/enrichment")
    database_url: str = "sqlite:///.eventflow/events.db"
    batch_size: int = Field(default=500, ge=1, le=100_000)
    poll_timeout_ms: int = Field(default=200, ge=1, le=60_000)
    backoff_initial_ms: int = Field(default=200, ge=1)
    backoff_max_ms: int = Field(default=10_000, ge=1)
    max_record_attempts: int = Field(default=5, ge=1, le=1000)
    enricher_timeout_ms: int = Field(default=500, ge=1)
    enricher_on_failure: Literal["degrade", "dead_letter"] = "degrade"
    enricher_workers: int = Field(default=4, ge=1, le=64)
    validator_metrics_port: int = Field(default=9101, ge=0, le=65535)
    enricher_metrics_port: int = Field(default=9102, ge=0, le=65535)
    writer_metrics_port: int = Field(default=9103, ge=0, le=65535)
    validator_group: str = "validator-service"
    enricher_group: str = "ai-enricher"
    writer_group: str = "persistence-writer"
    demo_api_url: str = "http://127.0.0.1:8080"
    demo_api_key: str | None = None


class Settings(BaseSettings):
    """All EventFlow settings."""

    model_config = SettingsConfigDict(
        env_prefix="EVENTFLOW_", env_nested_delimiter="__", extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    registry_server: RegistryServerSettings = RegistryServerSettings()
    dev: DevSettings = DevSettings()
    api: ApiSettings = ApiSettings()
    pipeline: PipelineSettings = PipelineSettings()
    topics_file: Path = Path("topics.yaml")
    schemas_dir: Path = Path("schemas/avro")

    def registry_url(self) -> str:
        """The registry clients talk to: EVENTFLOW_REGISTRY__URL, else the local one."""
        return self.registry.url or f"http://127.0.0.1:{self.registry_server.port}"
