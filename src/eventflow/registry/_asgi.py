"""The registry's HTTP front: a small ASGI app (auth, size limit, JSON, Confluent errors).

A plain ASGI callable instead of a framework keeps the hot path (``GET /schemas/ids/{id}``)
to one route match and one dict lookup; see ``bench/registry_server.py``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote

import anyio.to_thread
import orjson

from eventflow.errors import EventFlowError
from eventflow.registry._controller import RegistryController
from eventflow.registry._errors import Code, RegistryError
from eventflow.registry._requests import Query
from eventflow.registry._routes import match

_CONTENT_TYPE = b"application/vnd.schemaregistry.v1+json"
LOG = logging.getLogger("eventflow.registry.http")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class RegistryApp:
    """ASGI application serving Confluent's REST API v1 from a controller."""

    def __init__(
        self,
        controller: RegistryController,
        *,
        users: Mapping[str, str] | None = None,
        max_body_bytes: int = 2 * 1024 * 1024,
    ) -> None:
        self.controller = controller
        self._users = dict(users or {})
        self._max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            status, payload = await self._handle(scope, receive)
        except RegistryError as exc:
            status, payload = exc.http_status, exc.body()
        except EventFlowError as exc:
            status, payload = 500, {"error_code": Code.STORE_ERROR, "message": str(exc)}
        except Exception as exc:
            LOG.exception("unexpected error")
            status, payload = 500, {"error_code": 500, "message": f"Internal error: {exc}"}
        await _respond(send, status, payload)

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, Any]:
        if self._users and not self._authorised(scope):
            raise RegistryError(Code.UNAUTHORIZED, "Unauthorized", http_status=401)
        raw = scope.get("raw_path") or scope["path"].encode()
        segments = [unquote(s.decode("latin-1")) for s in raw.split(b"?", 1)[0].split(b"/") if s]
        route, params, known = match(scope["method"], segments)
        if route is None:
            if known:
                raise RegistryError(405, "HTTP 405 Method Not Allowed")
            raise RegistryError(Code.NOT_FOUND, "HTTP 404 Not Found")
        query = Query(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        body = await self._body(scope, receive) if scope["method"] in ("POST", "PUT") else None
        if route.in_thread:
            return 200, await anyio.to_thread.run_sync(
                route.handler, self.controller, params, query, body
            )
        return 200, route.handler(self.controller, params, query, body)

    def _authorised(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:6].lower() == b"basic ":
                try:
                    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    return False
                expected = self._users.get(user)
                return expected is not None and hmac.compare_digest(expected, password)
        return False

    async def _body(self, scope: Scope, receive: Receive) -> Any:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self._max_body:
                raise _too_large(self._max_body)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body:
                raise _too_large(self._max_body)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        if not data.strip():
            raise RegistryError(Code.BAD_REQUEST, "Request body is empty")
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise RegistryError(Code.BAD_REQUEST, f"Malformed JSON body: {exc}") from exc


def _too_large(limit: int) -> RegistryError:
    return RegistryError(Code.TOO_LARGE, f"Request body larger than {limit} bytes", http_status=413)


async def _respond(send: Send, status: int, payload: Any) -> None:
    body = orjson.dumps(payload)
    headers = [
        (b"content-type", _CONTENT_TYPE),
        (b"content-length", str(len(body)).encode()),
        (b"server", b"eventflow-registry"),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'Basic realm="eventflow-registry"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
