"""The write endpoints without a web framework: headers and body in, status and JSON out.

:mod:`fastpath` serves them straight from ASGI (their only path); :mod:`routes` describes
them in the OpenAPI document. Rejections raise :class:`ApiProblem`; :func:`problem_reply`
renders them (also for the FastAPI routes' exception handler).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from eventflow.producers.http._auth import KeyRing, Principal
from eventflow.producers.http._catalog import EventTypeSpec
from eventflow.producers.http._metrics import ApiMetrics
from eventflow.producers.http._problems import (
    PROBLEM_JSON,
    ApiProblem,
    FieldProblem,
    InvalidEvent,
    RateLimited,
    TooLarge,
    Unavailable,
    UnsupportedMediaType,
)
from eventflow.producers.http._ratelimit import RateLimiter, retry_after_header
from eventflow.producers.http._service import AcceptedReply, IngestService

ReadinessProbe = Callable[[], bool]
MAX_IDEMPOTENCY_KEY = 200
API_KEY_HEADER = "X-API-Key"
Reply = tuple[int, bytes]


@dataclass
class ApiState:
    """Everything the endpoints use; built by the app factory and kept on ``app.state.api``."""

    service: IngestService
    keyring: KeyRing
    limiter: RateLimiter
    metrics: ApiMetrics
    probes: Sequence[tuple[str, ReadinessProbe]]
    max_batch: int
    monotonic: Callable[[], float] = time.monotonic
    # which registered version and schema id an event type is on (blocking; None: unknown)
    contract_info: Callable[[EventTypeSpec], Mapping[str, Any] | None] = lambda _spec: None


def authenticate(state: ApiState, presented: str | None) -> Principal:
    """401 without a known key; 429 (with Retry-After) above the key's request rate."""
    principal = state.keyring.authenticate(presented)
    if state.limiter.enabled:
        wait = state.limiter.acquire(principal.name, state.monotonic())
        if wait > 0:
            raise RateLimited(
                f"API key {principal.name!r} exceeded its request rate; retry later",
                retry_after_s=retry_after_header(wait),
            )
    return principal


def checked_key(key: str | None) -> str | None:
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidEvent(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            fields=[FieldProblem("Idempotency-Key", "length out of range")],
        )
    return key


def check_content_type(value: str | None) -> None:
    """415 unless the body is declared JSON (``application/json`` or ``application/*+json``)."""
    media = (value or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return
    shown = f"Content-Type {value!r}" if value else "no Content-Type"
    raise UnsupportedMediaType(
        f"the write endpoints take JSON: send Content-Type: application/json (got {shown})",
        fields=[FieldProblem("Content-Type", "must be application/json")],
    )


def json_body(body: bytes) -> Any:
    if not body.strip():
        raise InvalidEvent(
            "the request body is empty; send a JSON object",
            fields=[FieldProblem("body", "required")],
        )
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        where = _syntax_error_position(body, exc)
        raise InvalidEvent(
            f"the request body is not valid JSON: {where}", fields=[FieldProblem("body", where)]
        ) from exc


def _syntax_error_position(body: bytes, exc: orjson.JSONDecodeError) -> str:
    """The error at its real line and column (1-based; columns count characters)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as bad:
        before = body[: bad.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return f"invalid UTF-8 at line {line} column {column} (byte {bad.start})"
    return f"{exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})"


_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # digits kept, others blank
_LONG_RUN = b"0" * 19  # an integer of 19+ digits may lie beyond 64 bits


def exact_json(body: bytes) -> Any | None:
    """``body`` parsed with every integer exact, when it holds one orjson would have turned
    into a float (beyond 64 bits), else ``None``. Used only for rejected requests, so the
    answer names such a number as the client wrote it and an exact retry can succeed."""
    if _LONG_RUN not in body.translate(_DIGITS):
        return None
    try:
        return json.loads(body, parse_constant=_no_constant)
    except ValueError:
        return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def post_event(
    state: ApiState, api_key: str | None, idempotency_key: str | None, body: bytes
) -> Reply:
    """``POST /v1/events``: 202 with the event's position once Kafka acknowledged it."""
    principal = authenticate(state, api_key)
    raw = json_body(body)
    key = checked_key(idempotency_key)
    try:
        accepted = await state.service.ingest_one(principal, raw, idempotency_key=key)
    except InvalidEvent:
        exact = exact_json(body)  # a number beyond 64 bits: judge it as written
        if exact is None:
            raise
        accepted = await state.service.ingest_one(principal, exact, idempotency_key=key)
    return 202, orjson.dumps(accepted)


async def post_batch(
    state: ApiState, api_key: str | None, idempotency_key: str | None, body: bytes
) -> Reply:
    """``POST /v1/events:batch``: 202 when every record was accepted, else 207 per record."""
    principal = authenticate(state, api_key)
    raw = json_body(body)
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
    outcomes = await state.service.ingest_batch(
        principal, items, idempotency_key=checked_key(idempotency_key)
    )
    if any(isinstance(o, InvalidEvent) for o in outcomes):
        outcomes = _exact_problems(state, principal, body, outcomes)
    results = [_record_result(index, outcome) for index, outcome in enumerate(outcomes)]
    accepted = sum(1 for r in results if r["status"] == 202)
    if accepted == len(results):
        status = 202
    elif all(r["status"] == 503 for r in results):
        raise Unavailable(
            "Kafka did not acknowledge any event of the batch; nothing was accepted, retry later",
            retry_after_s=state.service.retry_after_s,
        )
    else:
        status = 207
    body_out = {"accepted": accepted, "rejected": len(results) - accepted, "results": results}
    return status, orjson.dumps(body_out)


def _exact_problems(
    state: ApiState, principal: Principal, body: bytes, outcomes: list[Any]
) -> list[Any]:
    """Rejected records re-checked with exact integers (when the body has one beyond 64 bits),
    so their problems show such numbers as written."""
    exact = exact_json(body)
    items = exact.get("events") if isinstance(exact, dict) else None
    if not isinstance(items, list) or len(items) != len(outcomes):
        return outcomes
    rechecked = list(outcomes)
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, InvalidEvent):
            try:
                state.service.prepare(principal, items[index], where=f"events[{index}]")
            except InvalidEvent as exact_problem:
                rechecked[index] = exact_problem
    return rechecked


def _record_result(index: int, outcome: AcceptedReply | ApiProblem) -> dict[str, Any]:
    """One ``RecordResult`` without its null fields."""
    if isinstance(outcome, ApiProblem):
        return {"index": index, "status": outcome.status, **outcome.body()}
    return {"index": index, "status": 202, **outcome}


def problem_reply(metrics: ApiMetrics, problem: ApiProblem) -> tuple[int, bytes, dict[str, str]]:
    """Status, problem body and headers (Content-Type included) of a rejection (counted by
    reason in the metrics)."""
    metrics.count_rejected(str(problem.code))
    headers = {"Content-Type": PROBLEM_JSON}
    if problem.retry_after_s:
        headers["Retry-After"] = str(problem.retry_after_s)
    return problem.status, orjson.dumps(problem.body()), headers
