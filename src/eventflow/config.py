"""Typed configuration, read from ``EVENTFLOW_*`` environment variables.

Built once at an entry point (the CLI group, an app factory, a service ``main``)
and passed down; nothing else reads the environment.
Nested fields use ``__``: ``EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS=host:9092``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]
# Errors of the settings below never echo what was given (it may hold a secret).
_SECRET_SAFE = ConfigDict(extra="forbid", hide_input_in_errors=True)


class KafkaTlsSettings(BaseModel):
    """TLS to the brokers (security protocol SSL or SASL_SSL); files are PEM."""

    model_config = _SECRET_SAFE

    ca_file: Path | None = None  # CAs trusted for the brokers' certificates; None: system store
    cert_file: Path | None = None  # client certificate, for mutual TLS
    key_file: Path | None = None
    key_password: SecretStr | None = None
    verify_hostname: bool = True  # the broker certificate must name the host connected to

    @model_validator(mode="after")
    def _pairs(self) -> KafkaTlsSettings:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("tls.cert_file and tls.key_file go together (mutual TLS needs both)")
        if self.key_password is not None and self.key_file is None:
            raise ValueError("tls.key_password is set but tls.key_file is not")
        return self


class KafkaOidcSettings(BaseModel):
    """SASL/OAUTHBEARER with OIDC client credentials, fetched and refreshed by librdkafka."""

    model_config = _SECRET_SAFE

    token_endpoint_url: str
    client_id: str
    client_secret: SecretStr
    scope: str | None = None
    extensions: dict[str, str] = Field(default_factory=dict)  # Confluent Cloud: logicalCluster…


class KafkaMskIamSettings(BaseModel):
    """SASL/OAUTHBEARER with Amazon MSK IAM: a signed token from the AWS credentials chain,
    an assumed role, or a named profile."""

    model_config = _SECRET_SAFE

    region: str = Field(min_length=1)
    role_arn: str | None = None
    role_session_name: str = "eventflow"
    profile: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> KafkaMskIamSettings:
        if self.role_arn and self.profile:
            raise ValueError("sasl.aws_msk_iam: set role_arn or profile, not both")
        return self


class KafkaSaslSettings(BaseModel):
    """SASL authentication (security protocol SASL_PLAINTEXT or SASL_SSL)."""

    model_config = _SECRET_SAFE

    mechanism: SaslMechanism | None = None
    username: str | None = None  # PLAIN, SCRAM (Confluent Cloud: the API key)
    password: SecretStr | None = None  # PLAIN, SCRAM (Confluent Cloud: the API secret)
    oidc: KafkaOidcSettings | None = None  # OAUTHBEARER through an OIDC token endpoint
    aws_msk_iam: KafkaMskIamSettings | None = None  # OAUTHBEARER with Amazon MSK IAM

    @model_validator(mode="after")
    def _complete(self) -> KafkaSaslSettings:
        if self.mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
            if not self.username or self.password is None:
                raise ValueError(
                    f"sasl.mechanism {self.mechanism} needs sasl.username and sasl.password"
                )
            if self.oidc or self.aws_msk_iam:
                raise ValueError(
                    f"sasl.oidc / sasl.aws_msk_iam go with OAUTHBEARER, not {self.mechanism}"
                )
        if self.mechanism == "OAUTHBEARER":
            if (self.oidc is None) == (self.aws_msk_iam is None):
                raise ValueError(
                    "sasl.mechanism OAUTHBEARER needs exactly one of sasl.oidc and sasl.aws_msk_iam"
                )
            if self.username or self.password is not None:
                raise ValueError(
                    "sasl.username / sasl.password go with PLAIN or SCRAM, not OAUTHBEARER"
                )
        if self.mechanism is None and (
            self.username or self.password or self.oidc or self.aws_msk_iam
        ):
            raise ValueError("SASL credentials are set but sasl.mechanism is not")
        return self


class KafkaSettings(BaseModel):
    """Where Kafka is (``None``: the local development broker) and how to connect to it;
    see docs/production.md. ``properties``/``properties_file``: any other librdkafka
    property, checked by ``eventflow.kafka._client_config``."""

    model_config = _SECRET_SAFE

    bootstrap_servers: str | None = None
    client_id: str = "eventflow"
    security_protocol: SecurityProtocol = "PLAINTEXT"
    tls: KafkaTlsSettings = KafkaTlsSettings()
    sasl: KafkaSaslSettings = KafkaSaslSettings()
    properties: dict[str, SecretStr] = Field(default_factory=dict)
    properties_file: Path | None = None

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSettings:
        protocol = self.security_protocol
        uses_sasl = protocol.startswith("SASL_")
        if uses_sasl and self.sasl.mechanism is None:
            raise ValueError(f"security_protocol {protocol} needs sasl.mechanism")
        if not uses_sasl and self.sasl.mechanism is not None:
            raise ValueError(
                f"sasl.mechanism is set but security_protocol {protocol} has no SASL (use SASL_SSL)"
            )
        if not protocol.endswith("SSL") and self.tls != KafkaTlsSettings():
            raise ValueError(
                f"tls.* is set but security_protocol {protocol} has no TLS (use SSL or SASL_SSL)"
            )
        if self.sasl.aws_msk_iam is not None and protocol != "SASL_SSL":
            raise ValueError("Amazon MSK IAM needs security_protocol SASL_SSL")
        return self


class RegistrySettings(BaseModel):
    """Where the Confluent-compatible schema registry is and how to authenticate (TLS with an
    optional client certificate; basic auth or a bearer token); see docs/production.md."""

    model_config = _SECRET_SAFE

    url: str | None = None
    basic_auth_user_info: SecretStr | None = None  # user:password (Confluent Cloud: key:secret)
    bearer_token: SecretStr | None = None  # "Authorization: Bearer ..." (an OAuth access token)
    ca_file: Path | None = None  # CAs trusted for the registry's certificate; None: system store
    cert_file: Path | None = None  # client certificate, for mutual TLS
    key_file: Path | None = None
    key_password: SecretStr | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RegistrySettings:
        if self.basic_auth_user_info is not None and self.bearer_token is not None:
            raise ValueError("set registry.basic_auth_user_info or registry.bearer_token, not both")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("registry.cert_file and registry.key_file go together")
        return self


class RegistryServerSettings(BaseModel):
    """``eventflow registry serve``: where it listens and where it keeps the schema log."""

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    storage: Literal["kafka", "file"] = "kafka"
    topic: str = "_schemas"
    file: Path = Path(".eventflow/registry/schemas.log")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    basic_auth_users: SecretStr | None = None  # "user:password[,user:password...]"
    # Confluent's avro.validate.defaults: check field defaults of NEW schemas (off, as there)
    validate_defaults: bool = False
    tls_cert_file: Path | None = None  # serve HTTPS with this certificate (PEM) …
    tls_key_file: Path | None = None  # … and its key
    tls_key_password: SecretStr | None = None
    tls_client_ca_file: Path | None = None  # then require client certificates signed by these

    @model_validator(mode="after")
    def _tls_complete(self) -> RegistryServerSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("registry_server.tls_cert_file and tls_key_file go together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("registry_server.tls_client_ca_file needs tls_cert_file (HTTPS)")
        return self

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert_file is not None else "http"


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


Compression = Literal["none", "lz4", "zstd", "snappy", "gzip"]


class PipelineProducerSettings(BaseModel):
    """How the pipeline services batch their outputs (librdkafka producer properties; always
    ``acks=all`` and idempotent). ``EVENTFLOW_PIPELINE__PRODUCER__LINGER_MS`` … ; the values and
    why they were chosen: docs/pipeline.md, "Producer and consumer settings"."""

    model_config = ConfigDict(extra="forbid")

    linger_ms: float = Field(default=5, ge=0, le=900_000)  # linger.ms
    batch_num_messages: int = Field(default=10_000, ge=1, le=1_000_000)  # batch.num.messages
    batch_bytes: int = Field(default=1_000_000, ge=1, le=2_147_483_647)  # batch.size
    compression: Compression = "none"  # compression.type


class PipelineConsumerSettings(BaseModel):
    """How the pipeline services fetch their input (librdkafka consumer properties):
    ``EVENTFLOW_PIPELINE__CONSUMER__FETCH_MIN_BYTES`` … ; see docs/pipeline.md."""

    model_config = ConfigDict(extra="forbid")

    fetch_min_bytes: int = Field(default=1, ge=1, le=100_000_000)  # fetch.min.bytes
    fetch_wait_max_ms: int = Field(default=100, ge=0, le=300_000)  # fetch.wait.max.ms
    queued_min_messages: int = Field(default=20_000, ge=1, le=10_000_000)  # queued.min.messages
    max_partition_fetch_bytes: int = Field(  # max.partition.fetch.bytes
        default=1_048_576, ge=1, le=1_000_000_000
    )


class PipelineSettings(BaseModel):
    """The pipeline services (``eventflow serve validator|enricher|writer``, replay, dlq,
    trace, demo); see docs/pipeline.md."""

    raw_topic: str = "events.raw.v1"
    validated_topic: str = "events.validated.v1"
    enriched_topic: str = "events.enriched.v1"
    dlq_topic: str = "events.dlq.v1"
    enrichment_dir: Path = Path("rules/enrichment")
    database_url: str = "sqlite:///.eventflow/events.db"
    batch_size: int = Field(default=500, ge=1, le=100_000)
    poll_timeout_ms: int = Field(default=200, ge=1, le=60_000)
    backoff_initial_ms: int = Field(default=200, ge=1)
    backoff_max_ms: int = Field(default=10_000, ge=1)
    max_record_attempts: int = Field(default=5, ge=1, le=1000)
    # batches whose outputs may await the broker's acknowledgement while the next is handled
    # (1: each batch waits for its own before the next is polled); see ADR 0006
    max_batches_in_flight: int = Field(default=4, ge=1, le=64)
    commit_interval_ms: int = Field(default=100, ge=0, le=60_000)  # coalesce async commits
    producer: PipelineProducerSettings = PipelineProducerSettings()
    consumer: PipelineConsumerSettings = PipelineConsumerSettings()
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


class BedrockSettings(BaseModel):
    """The ``bedrock`` enricher (``eventflow[aws]``): Amazon Bedrock's Converse API. Which
    events and fields it enriches, and its deadline and failure policy per step, are set in
    ``rules/enrichment/`` like every enricher's."""

    model_config = ConfigDict(extra="forbid")

    model_id: str = Field(default="amazon.nova-micro-v1:0", min_length=1)
    region: str | None = None  # None: the AWS default region of the environment
    prompt_template: str = (
        "Classify the sentiment of the text as positive, neutral or negative. Answer with "
        'JSON only: {"label": "<label>", "confidence": <0..1>}. Text: {text}'
    )
    max_tokens: int = Field(default=200, ge=1, le=8192)
    timeout_ms: int = Field(default=2000, ge=100, le=60_000)  # the AWS client's own timeouts
    answer: Literal["text", "json"] = "json"

    @model_validator(mode="after")
    def _template_takes_the_text(self) -> BedrockSettings:
        if "{text}" not in self.prompt_template:
            raise ValueError("bedrock.prompt_template must contain {text} (where the text goes)")
        return self


class Settings(BaseSettings):
    """All EventFlow settings."""

    model_config = SettingsConfigDict(
        env_prefix="EVENTFLOW_",
        env_nested_delimiter="__",
        extra="ignore",
        hide_input_in_errors=True,
    )

    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    registry_server: RegistryServerSettings = RegistryServerSettings()
    dev: DevSettings = DevSettings()
    api: ApiSettings = ApiSettings()
    pipeline: PipelineSettings = PipelineSettings()
    bedrock: BedrockSettings = BedrockSettings()
    topics_file: Path = Path("topics.yaml")
    schemas_dir: Path = Path("schemas/avro")

    def registry_url(self) -> str:
        """The registry clients talk to: EVENTFLOW_REGISTRY__URL, else the local one."""
        return self.registry.url or f"http://127.0.0.1:{self.registry_server.port}"
