# ruff: noqa: ARG005 - every handler has the same (controller, params, query, body) signature
"""The REST routes: path templates → controller methods (thin: parse, call, return)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventflow.registry._controller import RegistryController

RouteHandler = Callable[[RegistryController, list[str], dict[str, str], Any], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: tuple[str, ...]  # literal segments, "*" for a parameter
    handler: RouteHandler
    in_thread: bool = False  # runs in a worker thread: waits for the log, or parses/checks


def _r(method: str, path: str, handler: RouteHandler, *, in_thread: bool = False) -> Route:
    return Route(
        method, tuple(path.strip("/").split("/")) if path != "/" else (), handler, in_thread
    )


ROUTES: tuple[Route, ...] = (
    _r("GET", "/", lambda c, p, q, b: {}),
    _r("GET", "/subjects", lambda c, p, q, b: c.list_subjects(q)),
    _r("POST", "/subjects/*", lambda c, p, q, b: c.lookup(p[0], b, q), in_thread=True),
    _r("DELETE", "/subjects/*", lambda c, p, q, b: c.delete_subject(p[0], q), in_thread=True),
    _r("GET", "/subjects/*/versions", lambda c, p, q, b: c.list_versions(p[0], q)),
    _r("GET", "/subjects/*/metadata", lambda c, p, q, b: c.latest_with_metadata(p[0], q)),
    _r("POST", "/subjects/*/versions", lambda c, p, q, b: c.register(p[0], b, q), in_thread=True),
    _r("GET", "/subjects/*/versions/*", lambda c, p, q, b: c.get_version(p[0], p[1], q)),
    _r(
        "DELETE",
        "/subjects/*/versions/*",
        lambda c, p, q, b: c.delete_version(p[0], p[1], q),
        in_thread=True,
    ),
    _r(
        "GET",
        "/subjects/*/versions/*/schema",
        lambda c, p, q, b: c.get_version_schema(p[0], p[1], q),
    ),
    _r("GET", "/subjects/*/versions/*/referencedby", lambda c, p, q, b: c.referenced_by(*p)),
    _r("GET", "/schemas/types", lambda c, p, q, b: ["AVRO"]),
    _r("GET", "/schemas/ids/*", lambda c, p, q, b: c.schema_by_id(p[0])),
    _r("GET", "/schemas/ids/*/schema", lambda c, p, q, b: c.schema_text_by_id(p[0])),
    _r("GET", "/schemas/ids/*/subjects", lambda c, p, q, b: c.subjects_by_id(p[0], q)),
    _r("GET", "/schemas/ids/*/versions", lambda c, p, q, b: c.versions_by_id(p[0], q)),
    _r(
        "POST",
        "/compatibility/subjects/*/versions",
        lambda c, p, q, b: c.check_compatibility(p[0], None, b, q),
        in_thread=True,
    ),
    _r(
        "POST",
        "/compatibility/subjects/*/versions/*",
        lambda c, p, q, b: c.check_compatibility(p[0], p[1], b, q),
        in_thread=True,
    ),
    _r("GET", "/config", lambda c, p, q, b: c.get_config(None, q)),
    _r("PUT", "/config", lambda c, p, q, b: c.put_config(None, b), in_thread=True),
    _r("GET", "/config/*", lambda c, p, q, b: c.get_config(p[0], q)),
    _r("PUT", "/config/*", lambda c, p, q, b: c.put_config(p[0], b), in_thread=True),
    _r("DELETE", "/config/*", lambda c, p, q, b: c.delete_config(p[0]), in_thread=True),
    _r("GET", "/mode", lambda c, p, q, b: c.get_mode(None, q)),
    _r("PUT", "/mode", lambda c, p, q, b: c.put_mode(None, b, q), in_thread=True),
    _r("GET", "/mode/*", lambda c, p, q, b: c.get_mode(p[0], q)),
    _r("PUT", "/mode/*", lambda c, p, q, b: c.put_mode(p[0], b, q), in_thread=True),
    _r("DELETE", "/mode/*", lambda c, p, q, b: c.delete_mode(p[0]), in_thread=True),
    _r("GET", "/contexts", lambda c, p, q, b: ["."]),
)


def match(method: str, segments: list[str]) -> tuple[Route | None, list[str], bool]:
    """The route for ``method`` and path ``segments``; also whether the path exists at all."""
    path_known = False
    for route in ROUTES:
        if len(route.template) != len(segments):
            continue
        params: list[str] = []
        for literal, segment in zip(route.template, segments, strict=True):
            if literal == "*":
                params.append(segment)
            elif literal != segment:
                break
        else:
            path_known = True
            if route.method == method:
                return route, params, True
    return None, [], path_known
