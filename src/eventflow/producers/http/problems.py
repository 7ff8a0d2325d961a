"""Errors the ingest API answers with: each carries its HTTP status and a stable code.

Every rejection is an :class:`~eventflow.errors.EventFlowError`; the routes turn it into the
JSON body ``{"error": code, "message": ..., "fields": [{"path", "message"}]}``.
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


class ApiProblem(EventFlowError):
    """Base of every rejection; ``status`` is the HTTP status to answer with."""

    status: int = 400

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
        out: dict[str, object] = {"error": str(self.code), "message": self.message}
        if self.fields:
            out["fields"] = [{"path": f.path, "message": f.message} for f in self.fields]
        return out


class InvalidEvent(ApiProblem, ConfigError):
    """The request body or the event's data does not match the contract (422)."""

    status = 422
    code = ErrorCode.API_INVALID_EVENT


class Unauthorized(ApiProblem):
    status = 401
    code = ErrorCode.API_UNAUTHORIZED


class Forbidden(ApiProblem):
    status = 403
    code = ErrorCode.API_FORBIDDEN


class TooLarge(ApiProblem):
    status = 413
    code = ErrorCode.API_TOO_LARGE


class RateLimited(ApiProblem):
    status = 429
    code = ErrorCode.API_RATE_LIMITED


class IdempotencyConflict(ApiProblem):
    """The same idempotency key (or event id) came back with a different request (409)."""

    status = 409
    code = ErrorCode.API_IDEMPOTENCY_CONFLICT


class ContractNotRegistered(ApiProblem):
    """This API's contract for the event type is in no version of its subject (500).

    Permanent until an operator registers it (``eventflow schema register``): not the
    client's fault and not "retry later"; ``/readyz`` reports it as not ready meanwhile.
    """

    status = 500
    code = ErrorCode.API_CONTRACT_NOT_REGISTERED


class Unavailable(ApiProblem, BrokerError):
    """Kafka did not acknowledge the write in time: nothing was accepted (503)."""

    status = 503
    code = ErrorCode.API_UNAVAILABLE


class ApiKeysInvalid(ConfigError):
    """The configured API keys (env JSON or keys file) are malformed."""

    code = ErrorCode.API_KEYS_INVALID
