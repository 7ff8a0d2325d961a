from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventflow.consumers._enricher import EnricherService
from eventflow.consumers._outcome import Forward, InputEvent, Reject
from eventflow.consumers.enrichment import (
    EnricherNotFound,
    EnricherResult,
    discover,
    load_enrichers,
)
from eventflow.consumers.enrichment._config import (
    EnrichmentConfigError,
    EnrichmentStep,
    load_enrichment,
    parse_enrichment,
)
from eventflow.consumers.enrichment.builtin import LanguageEnricher, SentimentEnricher
from tests.unit.consumers.fakes import record

NOW = datetime(2026, 11, 27, tzinfo=UTC)
ENRICHMENT_DIR = Path(__file__).resolve().parents[3] / "rules" / "enrichment"


def user(bio):
    return InputEvent(
        record(0),
        7,
        {
            "envelope": {"event_id": "e", "event_type": "user.registered"},
            "payload": {"user_id": "u", "bio": bio},
            "validation": {"valid": True},
            "enrichment": None,
        },
    )


class Slow:
    name, version = "slow", "1"

    def __init__(self) -> None:
        self.release = threading.Event()

    def enrich(self, text):
        self.release.wait(5)
        return EnricherResult({"x": "y"})


class Broken:
    name, version = "broken", "1"
    calls = 0

    def enrich(self, text):
        Broken.calls += 1
        raise RuntimeError("model file corrupt")


def service(steps, enrichers, **kw):
    return EnricherService({"user.registered": tuple(steps)}, enrichers, clock=lambda: NOW, **kw)


def test_real_offline_models_detect_language_and_sentiment():
    svc = service(
        [EnrichmentStep("language", "payload.bio"), EnrichmentStep("sentiment", "payload.bio")],
        {"language": LanguageEnricher(), "sentiment": SentimentEnricher()},
    )
    out = svc.handle(
        user(
            "Ich liebe dieses wunderbare Produkt, es ist einfach großartig und "
            "funktioniert jeden Tag perfekt."
        )
    )
    assert isinstance(out, Forward)
    lang, senti = out.value["enrichment"]["outputs"]
    assert senti["enricher"] == "sentiment"
    assert out.value["enrichment"]["enriched_at"] == NOW
    assert lang["enricher"] == "language" and lang["attributes"] == {"language": "de"}
    assert lang["scores"]["language_probability"] > 0.9
    assert lang["version"].startswith("langdetect-") and lang["target_field"] == "payload.bio"
    happy = svc.handle(user("I love this, it is wonderful and great!"))
    assert isinstance(happy, Forward)
    s = happy.value["enrichment"]["outputs"][1]
    assert s["attributes"] == {"sentiment": "positive"} and s["scores"]["sentiment_compound"] > 0.5
    sad = svc.handle(user("This is terrible, I hate it and it is awful."))
    assert isinstance(sad, Forward)
    assert sad.value["enrichment"]["outputs"][1]["attributes"] == {"sentiment": "negative"}
    assert out.value["validation"] == {"valid": True}, "other stages' fields are kept"


def test_missing_or_empty_text_produces_no_output_but_enrichment_is_filled():
    svc = service([EnrichmentStep("sentiment", "payload.bio")], {"sentiment": SentimentEnricher()})
    for bio in (None, "  "):
        out = svc.handle(user(bio))
        assert isinstance(out, Forward)
        assert out.value["enrichment"] == {"enriched_at": NOW, "outputs": []}


def test_slow_enricher_times_out_and_degrades_without_stalling():
    slow = Slow()
    svc = service([EnrichmentStep("slow", "payload.bio", timeout_ms=50)], {"slow": slow})
    out = svc.handle(user("text"))
    slow.release.set()
    assert isinstance(out, Forward)
    [o] = out.value["enrichment"]["outputs"]
    assert o["attributes"]["status"] == "timeout" and "50 ms" in o["attributes"]["error"]


def test_failing_enricher_dead_letters_when_configured():
    svc = service(
        [EnrichmentStep("broken", "payload.bio", on_failure="dead_letter")], {"broken": Broken()}
    )
    out = svc.handle(user("text"))
    assert isinstance(out, Reject)
    assert out.error_type == "enricher:broken:failed"
    assert "model file corrupt" in out.message


def test_circuit_opens_after_consecutive_failures_then_closes_after_cooldown():
    clock = [0.0]
    Broken.calls = 0
    svc = service(
        [EnrichmentStep("broken", "payload.bio")],
        {"broken": Broken()},
        breaker_threshold=3,
        breaker_cooldown_s=10,
        monotonic=lambda: clock[0],
    )
    statuses = []
    for _ in range(5):
        out = svc.handle(user("text"))
        assert isinstance(out, Forward)
        statuses.append(out.value["enrichment"]["outputs"][0]["attributes"]["status"])
    assert statuses == ["failed", "failed", "failed", "circuit_open", "circuit_open"]
    assert Broken.calls == 3
    clock[0] = 11.0
    svc.handle(user("text"))
    assert Broken.calls == 4


def test_entry_points_discover_the_builtin_enrichers():
    found = discover()
    assert {"language", "sentiment"} <= set(found)
    loaded = load_enrichers({"sentiment"})
    assert loaded["sentiment"].enrich("great").attributes["sentiment"] == "positive"
    with pytest.raises(EnricherNotFound, match=r"enricher 'nope' is not installed.*language"):
        load_enrichers({"nope"})
    with pytest.raises(EnricherNotFound, match="does not provide"):
        load_enrichers({"odd"}, {"odd": object})  # type: ignore[dict-item]


def test_a_step_naming_an_unloaded_enricher_is_refused():
    with pytest.raises(ValueError, match="no enricher instance for ghost"):
        service([EnrichmentStep("ghost", "payload.bio")], {})


def test_shipped_enrichment_files_parse():
    plan = load_enrichment(ENRICHMENT_DIR)
    assert [s.enricher for s in plan["user.registered"]] == ["language", "sentiment"]
    assert load_enrichment(ENRICHMENT_DIR / "missing") == {}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("event_type: t\nenrichers: [\n", "e.yaml:3: not valid YAML"),
        ("[]\n", "e.yaml:1: expected a mapping"),
        ("event_type: t\nsteps: []\n", "unknown key `steps`"),
        ("enrichers: []\n", "`event_type` is missing"),
        ("event_type: t\nenrichers: 3\n", "`enrichers` must be a list"),
        (
            "event_type: t\nenrichers:\n  - {field: payload.bio}\n",
            "e.yaml:3: enrichers[0]: `enricher` is missing",
        ),
        (
            "event_type: t\nenrichers:\n  - {enricher: x, field: 'a b'}\n",
            "`field` must be a dotted path",
        ),
        (
            "event_type: t\nenrichers:\n  - {enricher: x, field: a.b, on_failure: panic}\n",
            "degrade or dead_letter",
        ),
        (
            "event_type: t\nenrichers:\n  - {enricher: x, field: a.b, timeout_ms: 0}\n",
            "`timeout_ms` must be",
        ),
        (
            "event_type: t\nenrichers:\n  - {enricher: x, field: a.b, colour: red}\n",
            "unknown key `colour`",
        ),
    ],
)
def test_bad_enrichment_files_fail_clearly(text, error):
    with pytest.raises(EnrichmentConfigError) as info:
        parse_enrichment(text, source="e.yaml")
    assert error in str(info.value)


def test_file_name_must_match_event_type(tmp_path):
    (tmp_path / "a.b.yaml").write_text("event_type: c.d\nenrichers: []\n")
    with pytest.raises(EnrichmentConfigError, match=r"declares event_type 'c\.d'"):
        load_enrichment(tmp_path)
