"""The write endpoints served straight from ASGI, in front of FastAPI: their only path.

``POST /v1/events`` and ``POST /v1/events:batch`` are most of the traffic. Routing them
through Starlette's request objects, FastAPI's dependency solving and three middleware
layers cost more CPU per request than checking and encoding the event. This middleware
answers them itself with :mod:`handlers`, the same body limit (413), problem bodies and
metrics as the rest of the API; other methods on those paths get 405. Every other request
goes on to FastAPI unchanged. The OpenAPI document describes the two operations
(:func:`eventflow.producers.http._routes.write_operations`).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from eventflow.producers.http import _handlers as handlers
from eventflow.producers.http._handlers import ApiState
from eventflow.producers.http._middleware import TOO_LARGE, read_body, send_too_large
from eventflow.producers.http._problems import PROBLEM_JSON, ApiProblem

_JSON = (b"content-type", b"application/json")


class FastIngest:
    """ASGI middleware answering the write endpoints without the framework."""

    def __init__(self, app: ASGIApp, *, state: ApiState, max_bytes: int) -> None:
        self.app = app
        self.state = state
        self.max_bytes = max_bytes
        self.routes = {"/v1/events": handlers.post_event, "/v1/events:batch": handlers.post_batch}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if scope["method"] != "POST":
            await _method_not_allowed(send)
            self.state.metrics.observe_request(
                scope["path"], scope["method"], 405, time.perf_counter() - started
            )
            return
        api_key = idempotency_key = declared = content_type = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                api_key = api_key if api_key is not None else value.decode("latin-1")
            elif name == b"idempotency-key":
                if idempotency_key is None:
                    idempotency_key = value.decode("latin-1")
            elif name == b"content-length" and declared is None:
                declared = int(value) if value.isdigit() else None
            elif name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
        status = 500
        try:
            body = await read_body(receive, self.max_bytes, declared)
            if body is None:  # the client went away
                return
            if body is TOO_LARGE:
                status = 413
                self.state.metrics.count_rejected("api.too_large")
                await send_too_large(send, self.max_bytes)
                return
            assert isinstance(body, bytes)
            try:
                handlers.check_content_type(content_type)
                status, payload = await handler(self.state, api_key, idempotency_key, body)
                headers = [_JSON]
            except ApiProblem as problem:
                status, payload, extra = handlers.problem_reply(self.state.metrics, problem)
                headers = [(k.lower().encode(), v.encode()) for k, v in extra.items()]
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
        finally:
            self.state.metrics.observe_request(
                scope["path"], "POST", status, time.perf_counter() - started
            )


async def _method_not_allowed(send: Send) -> None:
    body = (
        b'{"type":"urn:eventflow:problem:http.405","title":"Method Not Allowed",'
        b'"status":405,"detail":"Method Not Allowed","error":"http.405",'
        b'"message":"Method Not Allowed","fields":[]}'
    )
    problem_json = (b"content-type", PROBLEM_JSON.encode())
    headers = [problem_json, (b"allow", b"POST"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 405, "headers": headers})
    await send({"type": "http.response.body", "body": body})
