"""Pure ASGI middleware: request body size limit (413) and request metrics.

:func:`read_body` and :func:`send_too_large` are shared with :mod:`fastpath`, which serves
the write endpoints in front of these.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventflow.producers.http._metrics import ApiMetrics
from eventflow.producers.http._problems import PROBLEM_JSON, FieldProblem, TooLarge

TOO_LARGE = object()  # read_body: the body exceeded the limit


async def read_body(receive: Receive, max_bytes: int, declared: int | None) -> bytes | object:
    """The whole request body; :data:`TOO_LARGE` past ``max_bytes``; ``None`` on disconnect."""
    if declared is not None and declared > max_bytes:
        return TOO_LARGE
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):  # the usual case: one message
        return body if len(body) <= max_bytes else TOO_LARGE
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_too_large(send: Send, max_bytes: int) -> None:
    problem = TooLarge(
        f"the request body exceeds {max_bytes} bytes",
        fields=[FieldProblem("body", f"larger than {max_bytes} bytes")],
    )
    payload = orjson.dumps(problem.body())
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Answer 413 before the app runs when a request body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.max_bytes, content_length(scope))
        if body is None:
            return
        if body is TOO_LARGE:
            await send_too_large(send, self.max_bytes)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RequestMetrics:
    """Count requests by route template and status; observe their latency."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if status == 413:
                    self.metrics.count_rejected("api.too_large")
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.metrics.observe_request(
                _route_template(scope),
                scope.get("method", ""),
                status,
                time.perf_counter() - started,
            )


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
