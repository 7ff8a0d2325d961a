"""Confluent Schema Registry error codes and the typed error both client and server use.

``RegistryError`` carries the HTTP status and Confluent's ``error_code`` (40401, 42201, ...).
The server raises it from the pure core and renders it as ``{"error_code", "message"}``; the
client raises it from any Confluent-compatible server's error body.
"""

from __future__ import annotations

from enum import IntEnum

from eventflow.errors import ErrorCode, EventFlowError


class Code(IntEnum):
    """Confluent's wire error codes (``io.confluent.kafka.schemaregistry.rest.exceptions``)."""

    UNAUTHORIZED = 401
    NOT_FOUND = 404
    BAD_REQUEST = 400
    INCOMPATIBLE = 409
    TOO_LARGE = 413
    SUBJECT_NOT_FOUND = 40401
    VERSION_NOT_FOUND = 40402
    SCHEMA_NOT_FOUND = 40403
    SUBJECT_SOFT_DELETED = 40404
    SUBJECT_NOT_SOFT_DELETED = 40405
    VERSION_SOFT_DELETED = 40406
    VERSION_NOT_SOFT_DELETED = 40407
    SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408
    SUBJECT_LEVEL_MODE_NOT_CONFIGURED = 40409
    INVALID_SCHEMA = 42201
    INVALID_VERSION = 42202
    INVALID_COMPATIBILITY_LEVEL = 42203
    INVALID_MODE = 42204
    OPERATION_NOT_PERMITTED = 42205
    REFERENCE_EXISTS = 42206
    ID_DOES_NOT_MATCH = 42207
    INVALID_SUBJECT = 42208
    SCHEMA_TOO_LARGE = 42209
    INVALID_RULESET = 42210
    STORE_ERROR = 50001
    STORE_TIMEOUT = 50002
    UNKNOWN = -1


def _http_status(error_code: int) -> int:
    if error_code >= 10000:
        return error_code // 100
    return error_code if error_code > 0 else 500


class RegistryError(EventFlowError):
    """A registry answered with (or the server decided on) a Confluent error."""

    code = ErrorCode.REGISTRY_FAILED

    def __init__(self, error_code: int, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.error_code = int(error_code)
        self.http_status = http_status if http_status is not None else _http_status(error_code)

    def body(self) -> dict[str, object]:
        return {"error_code": self.error_code, "message": str(self)}


class RegistryUnreachable(RegistryError):
    """No HTTP answer at all (connection refused, timeout, DNS)."""

    code = ErrorCode.REGISTRY_UNREACHABLE


# Constructors with Confluent's exact messages (the message text is part of parity).


def subject_not_found(subject: str) -> RegistryError:
    return RegistryError(Code.SUBJECT_NOT_FOUND, f"Subject '{subject}' not found.")


def version_not_found(version: object) -> RegistryError:
    return RegistryError(Code.VERSION_NOT_FOUND, f"Version {version} not found.")


def schema_not_found(detail: str = "Schema not found") -> RegistryError:
    return RegistryError(Code.SCHEMA_NOT_FOUND, detail)


def invalid_version(version: object) -> RegistryError:
    return RegistryError(
        Code.INVALID_VERSION,
        f"The specified version '{version}' is not a valid version id. Allowed values are "
        'between [1, 2^31-1] and the string "latest"',
    )


def invalid_schema(message: str) -> RegistryError:
    return RegistryError(Code.INVALID_SCHEMA, f"Invalid schema: {message}")


def not_permitted(message: str) -> RegistryError:
    return RegistryError(Code.OPERATION_NOT_PERMITTED, message)


def read_only(subject: str) -> RegistryError:
    return not_permitted(f"Subject {subject} is in read-only mode")


def subject_soft_deleted(subject: str) -> RegistryError:
    return RegistryError(
        Code.SUBJECT_SOFT_DELETED,
        f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently",
    )


def subject_not_soft_deleted(subject: str) -> RegistryError:
    return RegistryError(
        Code.SUBJECT_NOT_SOFT_DELETED,
        f"Subject '{subject}' was not deleted first before being permanently deleted",
    )


def version_soft_deleted(subject: str, version: int) -> RegistryError:
    return RegistryError(
        Code.VERSION_SOFT_DELETED,
        f"Subject '{subject}' Version {version} was soft deleted. Set permanent=true to "
        "delete permanently",
    )


def version_not_soft_deleted(subject: str, version: int) -> RegistryError:
    return RegistryError(
        Code.VERSION_NOT_SOFT_DELETED,
        f"Subject '{subject}' Version {version} was not deleted first before being "
        "permanently deleted",
    )


def reference_exists(subject: str, version: int) -> RegistryError:
    return RegistryError(
        Code.REFERENCE_EXISTS,
        f"One or more references exist to the schema {{subject={subject},version={version}}}.",
    )
