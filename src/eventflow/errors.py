"""The one exception root of EventFlow.

Every error raised on purpose by EventFlow derives from :class:`EventFlowError`
and carries an :class:`ErrorCode`, so callers can write ``except EventFlowError``
and tools can map a failure to an exit code or an HTTP status::

    EventFlowError
    ├── ConfigError            (also ValueError)  bad configuration or input file
    ├── EnvironmentProblem     (also RuntimeError) Java missing, port in use, download failed
    ├── BrokerError                                Kafka unreachable, admin or delivery failure
    └── ... subpackages add their own subclasses (contracts, registry, serde, ...)

Each message is one line that names the cause and the fix.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable machine-readable error codes (never renumbered, only added to)."""

    CONFIG_INVALID = "config.invalid"
    TOPICS_FILE_INVALID = "topics.file_invalid"
    JAVA_MISSING = "env.java_missing"
    JAVA_TOO_OLD = "env.java_too_old"
    MAVEN_MISSING = "env.maven_missing"
    DOWNLOAD_FAILED = "env.download_failed"
    PORT_IN_USE = "env.port_in_use"
    DATA_DIR_INVALID = "env.data_dir_invalid"
    BROKER_START_FAILED = "broker.start_failed"
    BROKER_UNREACHABLE = "broker.unreachable"
    ADMIN_FAILED = "broker.admin_failed"
    MANIFEST_INVALID = "contracts.manifest_invalid"
    SCHEMA_FILE_INVALID = "contracts.schema_file_invalid"
    SCHEMA_INVALID = "contracts.schema_invalid"
    GIT_FAILED = "contracts.git_failed"
    REGISTRY_FAILED = "registry.failed"
    REGISTRY_UNREACHABLE = "registry.unreachable"
    REGISTRY_STORE_FAILED = "registry.store_failed"
    SERDE_BAD_MAGIC_BYTE = "serde.bad_magic_byte"
    SERDE_UNKNOWN_SCHEMA_ID = "serde.unknown_schema_id"
    SERDE_TRUNCATED_PAYLOAD = "serde.truncated_payload"
    SERDE_SCHEMA_MISMATCH = "serde.schema_mismatch"
    SERDE_INVALID_VALUE = "serde.invalid_value"
    API_INVALID_EVENT = "api.invalid_event"
    API_UNAUTHORIZED = "api.unauthorized"
    API_FORBIDDEN = "api.forbidden"
    API_TOO_LARGE = "api.too_large"
    API_RATE_LIMITED = "api.rate_limited"
    API_IDEMPOTENCY_CONFLICT = "api.idempotency_conflict"
    API_UNAVAILABLE = "api.unavailable"
    API_KAFKA_REFUSED = "api.kafka_refused"
    API_UNSUPPORTED_MEDIA_TYPE = "api.unsupported_media_type"
    API_CONTRACT_NOT_REGISTERED = "api.contract_not_registered"
    API_KEYS_INVALID = "api.keys_invalid"
    CODEGEN_INVALID = "codegen.invalid"
    PIPELINE_RETRIABLE = "pipeline.retriable"
    PIPELINE_RULES_INVALID = "pipeline.rules_invalid"
    PIPELINE_ENRICHER_FAILED = "pipeline.enricher_failed"
    PIPELINE_STORAGE_FAILED = "pipeline.storage_failed"


class EventFlowError(Exception):
    """Root of every EventFlow error. ``code`` is stable; ``str(err)`` is for people."""

    code: ErrorCode = ErrorCode.CONFIG_INVALID

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(EventFlowError, ValueError):
    """A configuration value or an input file is invalid."""

    code = ErrorCode.CONFIG_INVALID


class EnvironmentProblem(EventFlowError, RuntimeError):
    """The machine lacks something EventFlow needs (Java, Maven, a free port, ...)."""

    code = ErrorCode.BROKER_START_FAILED


class BrokerError(EventFlowError, RuntimeError):
    """Kafka could not be reached, or an admin/produce operation failed."""

    code = ErrorCode.BROKER_UNREACHABLE
