"""HTTP routes: the FastAPI operations (reads, health, metrics) and the OpenAPI description
of the two write operations, which :mod:`fastpath` serves in front of FastAPI.

The write operations have no FastAPI route: :func:`write_operations` describes them (body,
headers, answers) for the OpenAPI document, and a unit test checks that every answer the
fast path gives is one this description lists, with a body of the listed schema.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from eventflow.producers.http._handlers import (
    API_KEY_HEADER,
    MAX_IDEMPOTENCY_KEY,
    ApiState,
    ReadinessProbe,
    authenticate,
)
from eventflow.producers.http._models import (
    Accepted,
    BatchIn,
    BatchResult,
    ContractInfo,
    EventIn,
    EventTypeInfo,
    Problem,
)
from eventflow.producers.http._problems import PROBLEM_JSON

__all__ = [
    "SECURITY_SCHEME",
    "WRITE_MODELS",
    "ApiState",
    "ReadinessProbe",
    "router",
    "write_operations",
]


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": API_KEY_HEADER,
    "description": "Your API key.",
}
_SECURITY: dict[str, Any] = {"security": [{"APIKeyHeader": []}]}
_IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried request return the first result instead of writing again.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        401: "No or unknown API key.",
        403: "The key may not send this event type.",
        409: "The idempotency key or event id was used for a different request.",
        413: "Body or batch too large, or the encoded event larger than Kafka takes.",
        415: "The body is not declared as JSON (Content-Type: application/json).",
        422: "Invalid request; every failing field is named by its path.",
        429: "Too many requests for this key; see Retry-After.",
        500: "Kafka refuses the event for good, or the contract is not registered.",
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


# The write operations: (path, operation id, request body model, 2xx answers, the statuses
# of _ERRORS the operation itself answers, summary). In a batch, 403 and 409 are answered per
# record inside the 207 (and so is a 500 for Kafka refusing a record for good).
_WRITES: tuple[tuple[str, str, str, dict[int, tuple[str, str]], set[int | str], str], ...] = (
    (
        "/v1/events",
        "post_event",
        "EventIn",
        {202: ("Accepted", "Accepted: written to Kafka.")},
        set(_ERRORS),
        "Post one event; answered after Kafka acknowledged it (acks=all).",
    ),
    (
        "/v1/events:batch",
        "post_batch",
        "BatchIn",
        {
            202: ("BatchResult", "Every record was accepted."),
            207: ("BatchResult", "Some records failed; each result has its own status."),
        },
        set(_ERRORS) - {403, 409, 500},
        "Post several events; results per record, 207 when some failed.",
    ),
)
WRITE_MODELS = (EventIn, BatchIn, Accepted, BatchResult, Problem)


def write_operations() -> dict[str, dict[str, Any]]:
    """The OpenAPI path items of ``POST /v1/events`` and ``POST /v1/events:batch``."""
    paths: dict[str, dict[str, Any]] = {}
    for path, operation_id, body, answers, errors, summary in _WRITES:
        responses = {
            str(status): {"description": text, "content": _json_schema(model)}
            for status, (model, text) in answers.items()
        }
        for status in sorted(errors, key=str):
            responses[str(status)] = {
                "description": _ERRORS[status]["description"],
                "content": {PROBLEM_JSON: _json_schema("Problem")["application/json"]},
            }
        paths[path] = {
            "post": {
                "summary": summary,
                "operationId": operation_id,
                **_write_operation(body),
                "responses": responses,
            }
        }
    return paths


def _json_schema(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


router = APIRouter()


@router.get(
    "/v1/event-types",
    response_model=list[EventTypeInfo],
    responses=_ERRORS,
    openapi_extra=_SECURITY,
)
async def event_types(request: Request) -> Response:
    """What this key may post, with a request body example generated from each schema, and
    the registered version (and schema id) of the contract this process serves for it."""
    state = _state(request)
    principal = authenticate(state, request.headers.get(API_KEY_HEADER))
    specs = [spec for spec in state.service.catalog if principal.may_send(spec.event_type)]
    contracts = await run_in_threadpool(lambda: [state.contract_info(spec) for spec in specs])
    infos = [
        EventTypeInfo(
            event_type=spec.event_type,
            record=spec.record_name,
            subject=spec.subject,
            partition_key=spec.partition_key,
            example=spec.example(),
            contract=ContractInfo(**contract) if contract is not None else None,
        ).model_dump()
        for spec, contract in zip(specs, contracts, strict=True)
    ]
    return _json(200, infos)


@router.get("/healthz", summary="The process is up.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz", summary="Kafka and the schema registry answer; every contract is registered."
)
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


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )
