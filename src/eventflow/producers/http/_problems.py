"""Errors the ingest API answers with: each carries its HTTP status and a stable code.

Every rejection is an :class:`~eventflow.errors.EventFlowError`; the routes answer it as an
RFC 9457 problem (``application/problem+json``): ``type`` (``urn:eventflow:problem:<code>``),
``title``, ``status``, ``detail``, plus ``error`` (the code), ``message`` (= detail) and
``fields`` (``[{"path", "message"}]``, empty when no single field is at fault).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventflow.errors import BrokerError, ConfigError, ErrorCode, EventFlowError


@dataclass(frozen=True)
class FieldProblem:
    """One failing field, named by its path in the request body (e.g. ``data.items[0].sku``)."""

    path: str
    message: str


PROBLEM_JSON = "application/problem+json"


class ApiProblem(EventFlowError):
    """Base of every rejection; ``status`` is the HTTP status to answer with."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        fields: Sequence[FieldProblem] = (),
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.fields = tuple(fields)
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, object]:
        code = str(self.code)
        return {
            "type": f"urn:eventflow:problem:{code}",
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            "error": code,
            "message": self.message,
            "fields": [{"path": f.path, "message": f.message} for f in self.fields],
        }


class InvalidEvent(ApiProblem, ConfigError):
    """The request body or the event's data does not match the contract (422)."""

    status = 422
    title = "Invalid event"
    code = ErrorCode.API_INVALID_EVENT


class Unauthorized(ApiProblem):
    status = 401
    title = "No or unknown API key"
    code = ErrorCode.API_UNAUTHORIZED


class Forbidden(ApiProblem):
    status = 403
    title = "Event type not allowed for this key"
    code = ErrorCode.API_FORBIDDEN


class TooLarge(ApiProblem):
    status = 413
    title = "Too large"
    code = ErrorCode.API_TOO_LARGE


class UnsupportedMediaType(ApiProblem):
    """The write endpoints take JSON only (415)."""

    status = 415
    title = "Unsupported media type"
    code = ErrorCode.API_UNSUPPORTED_MEDIA_TYPE


class RateLimited(ApiProblem):
    status = 429
    title = "Too many requests"
    code = ErrorCode.API_RATE_LIMITED


class IdempotencyConflict(ApiProblem):
    """The same idempotency key (or event id) came back with a different request (409)."""

    status = 409
    title = "Idempotency conflict"
    code = ErrorCode.API_IDEMPOTENCY_CONFLICT


class ContractNotRegistered(ApiProblem):
    """This API's contract for the event type is in no version of its subject (500).

    Permanent until an operator registers it (``eventflow schema register``): not the
    client's fault and not "retry later"; ``/readyz`` reports it as not ready meanwhile.
    """

    status = 500
    title = "Contract not registered"
    code = ErrorCode.API_CONTRACT_NOT_REGISTERED


class KafkaRefused(ApiProblem):
    """Kafka refuses the write for good (authorization, unknown topic, policy): a server-side
    problem no retry fixes (500, no Retry-After)."""

    status = 500
    title = "Kafka refuses the event"
    code = ErrorCode.API_KAFKA_REFUSED


class Unavailable(ApiProblem, BrokerError):
    """Kafka did not acknowledge the write in time: nothing was accepted (503)."""

    status = 503
    title = "Kafka unavailable; retry later"
    code = ErrorCode.API_UNAVAILABLE


class ApiKeysInvalid(ConfigError):
    """The configured API keys (env JSON or keys file) are malformed."""

    code = ErrorCode.API_KEYS_INVALID
