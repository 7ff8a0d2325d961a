"""Property test of both write endpoints on the real stack: arbitrary JSON anywhere never gets a 5xx.

The event types and their valid example bodies come from the served catalog
(``GET /v1/event-types``), checked against the manifest. Each example starts from an
accepted body and replaces one value at any depth (envelope fields, nested records, arrays,
maps, unions), adds an unknown key to one object, drops one key, or replaces the whole body,
with arbitrary JSON (huge ints, 1e308, big and non-ASCII strings, nested lists/objects).
The result goes to ``POST /v1/events`` and, next to a valid event, to ``POST /v1/events:batch``.

Every answer must be a 2xx or a 4xx (a healthy stack gives no 503 either); every 4xx, and every
refused batch item, is an RFC 9457 problem with a ``fields`` list, and a 422 of a body that is
JSON names at least one field (docs/http-api.md). The examples are the same every run;
``EVENTFLOW_PROPERTY_EXPLORE=1`` draws new ones, ``EVENTFLOW_PROPERTY_EXAMPLES`` sets how many.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from eventflow.workspace import load_workspace
from tests.integration.test_http_ingest import (
    ADMIN_KEY,
    SCHEMAS,
    real_app,
    registered_registry,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.integration

SETTINGS = settings(
    max_examples=int(os.environ.get("EVENTFLOW_PROPERTY_EXAMPLES", "250")),
    deadline=None,
    database=None,
    # the suite runs the same examples every time; EVENTFLOW_PROPERTY_EXPLORE=1 draws new ones
    derandomize=not os.environ.get("EVENTFLOW_PROPERTY_EXPLORE"),
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
HEADERS = {"X-API-Key": ADMIN_KEY, "Content-Type": "application/json"}
ENVELOPE_FIELDS = ("event_id", "occurred_at", "correlation_id", "causation_id")
SAMPLE_ENVELOPE = (None, "2026-03-01T12:00:00+01:00", "fuzz-corr", "fuzz-cause")
Path = tuple[str | int, ...]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**1100), max_value=2**1100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e308, -1e308, 5e-324, 0.0, -0.0, 2.0**63, 1e30])
    | st.text()  # hypothesis leaves out lone surrogates (JSON cannot carry them as UTF-8)
    | st.sampled_from(["1e30", "NaN", "-Infinity", "9" * 400, "2026-13-45T25:61:00Z", ""])
    | st.builds(
        lambda size, char: char * size,
        st.sampled_from([5_000, 400_000]),
        st.text(min_size=1, max_size=1),
    )
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@dataclass(frozen=True)
class Catalog:
    examples: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def client(kafka_bootstrap: str, registered_registry: str) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(real_app(kafka_bootstrap, registered_registry)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def catalog(client: TestClient) -> Catalog:
    served = client.get("/v1/event-types", headers={"X-API-Key": ADMIN_KEY})
    assert served.status_code == 200
    examples = {info["event_type"]: info["example"] for info in served.json()}
    manifest = {e.event_type for e in load_workspace(SCHEMAS).manifest.event_types}
    assert set(examples) == manifest
    for event_type, example in examples.items():  # every starting point is accepted as is
        for envelope in ({}, {f: v for f, v in zip(ENVELOPE_FIELDS, SAMPLE_ENVELOPE, strict=True)}):
            accepted = client.post("/v1/events", json={**example, **envelope}, headers=HEADERS)
            assert accepted.status_code == 202, (event_type, accepted.text)
    return Catalog(examples)


def value_paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every position in a JSON value, containers included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from value_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from value_paths(item, (*prefix, index))


def replaced(body: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(body, dict):
        return {**body, head: replaced(body.get(head), rest, new)}
    copy = list(body)
    copy[head] = replaced(copy[head], rest, new)  # type: ignore[index]
    return copy


def dropped(body: Any, path: Path) -> Any:
    """``body`` without the object key at ``path``."""
    parent = _at(body, path[:-1])
    return replaced(body, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})


@st.composite
def perturbed_bodies(draw: st.DrawFn, examples: dict[str, dict[str, Any]]) -> tuple[str, Any]:
    event_type = draw(st.sampled_from(sorted(examples)))
    start: dict[str, Any] = {
        **examples[event_type],
        **dict(zip(ENVELOPE_FIELDS, SAMPLE_ENVELOPE, strict=True)),
    }
    paths = list(value_paths(start))
    kind = draw(st.sampled_from(["replace", "replace", "replace", "add", "drop", "whole"]))
    if kind == "whole":
        return kind, draw(JSON_VALUES)
    if kind == "replace":
        path = draw(st.sampled_from([p for p in paths if p]))
        note(f"replace {path}")
        return kind, replaced(start, path, draw(JSON_VALUES))
    if kind == "drop":
        path = draw(st.sampled_from([p for p in paths if p and not isinstance(p[-1], int)]))
        note(f"drop {path}")
        return kind, dropped(start, path)
    objects = [p for p in paths if isinstance(_at(start, p), dict)]
    path = draw(st.sampled_from(objects))
    key = draw(st.text(max_size=10))
    note(f"add {key!r} under {path}")
    return kind, replaced(start, (*path, key), draw(JSON_VALUES))


def _at(body: Any, path: Path) -> Any:
    for step in path:
        body = body[step]
    return body


def check_problem(problem: Any, status: int, where: str) -> None:
    assert isinstance(problem, dict), where
    assert problem.get("status") == status, (where, problem)
    assert isinstance(problem.get("error"), str), (where, problem)
    assert isinstance(problem.get("type"), str) and problem["type"].startswith(
        "urn:eventflow:problem:"
    )
    fields = problem.get("fields")
    assert isinstance(fields, list), (where, problem)
    for field in fields:
        assert isinstance(field.get("path"), str) and field["path"], (where, problem)
        assert isinstance(field.get("message"), str) and field["message"], (where, problem)
    if status == 422:
        assert fields, f"{where}: a 422 for a JSON body names no field: {problem}"


def check_response(response: Any, where: str) -> None:
    status = response.status_code
    assert 200 <= status < 500, f"{where} -> {status}: {response.text[:500]}"
    if status >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), where
        check_problem(response.json(), status, where)


def test_arbitrary_json_anywhere_gets_2xx_or_a_problem_naming_the_field(
    client: TestClient, catalog: Catalog
) -> None:
    valid = next(iter(catalog.examples.values()))
    statuses: dict[str, set[int]] = {"single": set(), "batch": set(), "item": set()}

    @SETTINGS
    @given(case=perturbed_bodies(catalog.examples))
    def check(case: tuple[str, Any]) -> None:
        kind, body = case
        text = json.dumps(body, allow_nan=False)
        single = client.post("/v1/events", content=text, headers=HEADERS)
        statuses["single"].add(single.status_code)
        check_response(single, f"POST /v1/events ({kind})")

        batch_text = json.dumps({"events": [valid, body]}, allow_nan=False)
        batch = client.post("/v1/events:batch", content=batch_text, headers=HEADERS)
        statuses["batch"].add(batch.status_code)
        check_response(batch, f"POST /v1/events:batch ({kind})")
        if batch.status_code in {202, 207}:
            results = batch.json()["results"]
            assert [r["index"] for r in results] == [0, 1]
            assert results[0]["status"] == 202, results
            item = results[1]
            statuses["item"].add(item["status"])
            assert 200 <= item["status"] < 500, item
            if item["status"] >= 400:
                check_problem(item, item["status"], f"batch item ({kind})")
            if single.status_code in {202, 422, 403}:  # same event, same verdict
                assert item["status"] == single.status_code or 409 in {
                    item["status"],
                    single.status_code,
                }, (single.text, item)

        envelope = client.post(
            "/v1/events:batch", content=json.dumps({"events": body}), headers=HEADERS
        )
        check_response(envelope, "POST /v1/events:batch (events replaced)")

    check()
    # the examples reached both verdicts on both endpoints (the property was not vacuous)
    assert {202, 422} <= statuses["single"], statuses
    assert {207} <= statuses["batch"] and {202, 422} <= statuses["item"], statuses
