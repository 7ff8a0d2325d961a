"""HTTP routes: parse the request, call the service, render the result. Nothing more."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from eventflow.producers.http.auth import KeyRing, Principal
from eventflow.producers.http.metrics import ApiMetrics
from eventflow.producers.http.models import (
    Accepted,
    BatchResult,
    EventTypeInfo,
    Problem,
)
from eventflow.producers.http.problems import (
    FieldProblem,
    InvalidEvent,
    RateLimited,
    TooLarge,
    Unavailable,
)
from eventflow.producers.http.ratelimit import RateLimiter, retry_after_header
from eventflow.producers.http.service import IngestService

ReadinessProbe = Callable[[], bool]
MAX_IDEMPOTENCY_KEY = 200


@dataclass
class ApiState:
    """Everything the routes use; built by the app factory and kept on ``app.state.api``."""

    service: IngestService
    keyring: KeyRing
    limiter: RateLimiter
    metrics: ApiMetrics
    probes: Sequence[tuple[str, ReadinessProbe]]
    max_batch: int
    monotonic: Callable[[], float] = time.monotonic


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


API_KEY_HEADER = "X-API-Key"
SECURITY_SCHEME = {"type": "apiKey", "in": "header", "name": API_KEY_HEADER,
                   "description": "Your API key."}  # fmt: skip
_SECURITY: dict[str, Any] = {"security": [{"APIKeyHeader": []}]}
_IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried request return the first result instead of writing again.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
}


def _authenticate(request: Request) -> Principal:
    """401 without a known key; 429 (with Retry-After) above the key's request rate.

    Read straight from the headers (no dependency injection: it is the hot path); the
    OpenAPI document declares the security scheme and the headers by hand.
    """
    state = _state(request)
    principal = state.keyring.authenticate(request.headers.get(API_KEY_HEADER))
    wait = state.limiter.acquire(principal.name, state.monotonic())
    if wait > 0:
        raise RateLimited(
            f"API key {principal.name!r} exceeded its request rate; retry later",
            retry_after_s=retry_after_header(wait),
        )
    return principal


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        401: "No or unknown API key.",
        403: "The key may not send this event type.",
        409: "The idempotency key or event id was used for a different request.",
        413: "Body or batch too large.",
        422: "Invalid request; every failing field is named by its path.",
        429: "Too many requests for this key; see Retry-After.",
        503: "Kafka did not acknowledge; nothing was accepted; see Retry-After.",
    }.items()
}


def _write_operation(model: str) -> dict[str, Any]:
    """OpenAPI extras of a POST route: the JSON body model, the headers, the API key."""
    return {
        **_SECURITY,
        "parameters": [_IDEMPOTENCY_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
        },
    }


router = APIRouter()


@router.post(
    "/v1/events",
    status_code=202,
    response_model=Accepted,
    responses=_ERRORS,
    openapi_extra=_write_operation("EventIn"),
    summary="Post one event; answered after Kafka acknowledged it (acks=all).",
)
async def post_event(request: Request) -> Response:
    principal = _authenticate(request)
    state = _state(request)
    raw = await _json_body(request)
    accepted = await state.service.ingest_one(principal, raw, idempotency_key=_checked_key(request))
    return _json(202, accepted.model_dump())


@router.post(
    "/v1/events:batch",
    status_code=202,
    response_model=BatchResult,
    responses={**_ERRORS, 207: {"model": BatchResult, "description": "Some records failed."}},
    openapi_extra=_write_operation("BatchIn"),
    summary="Post several events; results per record, 207 when some failed.",
)
async def post_batch(request: Request) -> Response:
    principal = _authenticate(request)
    state = _state(request)
    raw = await _json_body(request)
    if not isinstance(raw, dict) or set(raw) != {"events"}:
        raise InvalidEvent(
            "a batch is an object with exactly one field, `events`",
            fields=[FieldProblem("events", "required: a non-empty array of events")],
        )
    items = raw["events"]
    if not isinstance(items, list) or not items:
        raise InvalidEvent(
            "`events` must be a non-empty array",
            fields=[FieldProblem("events", "empty or not an array")],
        )
    if len(items) > state.max_batch:
        raise TooLarge(f"a batch holds at most {state.max_batch} events; got {len(items)}")
    result = await state.service.ingest_batch(
        principal, items, idempotency_key=_checked_key(request)
    )
    statuses = {r.status for r in result.results}
    if statuses == {202}:
        return _json(202, result.model_dump(exclude_none=True))
    if statuses == {503}:
        raise Unavailable(
            "Kafka did not acknowledge any event of the batch; nothing was accepted, retry later",
            retry_after_s=state.service.retry_after_s,
        )
    return _json(207, result.model_dump(exclude_none=True))


@router.get(
    "/v1/event-types",
    response_model=list[EventTypeInfo],
    responses=_ERRORS,
    openapi_extra=_SECURITY,
)
async def event_types(request: Request) -> Response:
    """What this key may post, with a request body example generated from each schema."""
    principal = _authenticate(request)
    state = _state(request)
    infos = [
        EventTypeInfo(
            event_type=spec.event_type, record=spec.record_name, subject=spec.subject,
            partition_key=spec.partition_key, example=spec.example(),
        ).model_dump()
        for spec in state.service.catalog
        if principal.may_send(spec.event_type)
    ]  # fmt: skip
    return _json(200, infos)


@router.get("/healthz", summary="The process is up.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Kafka and the schema registry answer.")
async def readyz(request: Request) -> Response:
    checks: dict[str, str] = {}
    for name, probe in _state(request).probes:
        ok = await run_in_threadpool(probe)
        checks[name] = "ok" if ok else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    headers = None if ready else {"Retry-After": "5"}
    return _json(200 if ready else 503, body, headers)


@router.get("/metrics", summary="Prometheus metrics of this process.")
async def metrics(request: Request) -> Response:
    return Response(
        _state(request).metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        raise InvalidEvent(
            "the request body is empty; send a JSON object",
            fields=[FieldProblem("body", "required")],
        )
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(
            f"the request body is not valid JSON: {exc}", fields=[FieldProblem("body", str(exc))]
        ) from exc


def _checked_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidEvent(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            fields=[FieldProblem("Idempotency-Key", "length out of range")],
        )
    return key


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers=headers)  # fmt: skip
