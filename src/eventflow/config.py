"""Typed configuration, read from ``EVENTFLOW_*`` environment variables.

Built once at an entry point (the CLI group, an app factory, a service ``main``)
and passed down; nothing else reads the environment.
Nested fields use ``__``: ``EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS=host:9092``.
"""

from __future__ import annotations

from pathlib import Path

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


class DevSettings(BaseModel):
    """The local development stack started by ``eventflow dev up``."""

    state_dir: Path = Path(".eventflow")
    kafka_port: int = Field(default=9092, ge=0, le=65535)
    kafka_controller_port: int = Field(default=0, ge=0, le=65535)
    kafka_heap: str = "512m"
    start_timeout_s: float = Field(default=90.0, gt=0)
    registry_port: int = Field(default=8081, ge=0, le=65535)


class Settings(BaseSettings):
    """All EventFlow settings."""

    model_config = SettingsConfigDict(
        env_prefix="EVENTFLOW_", env_nested_delimiter="__", extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    dev: DevSettings = DevSettings()
    topics_file: Path = Path("topics.yaml")
    schemas_dir: Path = Path("schemas/avro")
