"""The ``bedrock`` enricher, offline: a real boto3 ``bedrock-runtime`` client whose Converse
calls are answered by botocore's Stubber (request shapes checked against the API model), and
the enricher service's timeout / degrade / dead-letter behaviour around it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from pydantic import ValidationError

from eventflow.config import BedrockSettings, Settings
from eventflow.consumers._enricher import EnricherService
from eventflow.consumers._outcome import Forward, InputEvent, Reject
from eventflow.consumers.enrichment._config import EnrichmentStep
from eventflow.consumers.enrichment._plugin import load_enrichers
from eventflow.consumers.enrichment.bedrock import BedrockAnswerInvalid, BedrockEnricher
from eventflow.kafka._consumer import ConsumedRecord

TEMPLATE = 'Sentiment of: {text}. Answer JSON {"label": ..., "confidence": ...}'


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEEVENTFLOW002")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _client() -> Any:
    return boto3.client(
        "bedrock-runtime", region_name="eu-central-1", config=Config(retries={"max_attempts": 1})
    )


def _answer(text: str, *, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 31, "outputTokens": 9, "totalTokens": 40},
        "metrics": {"latencyMs": 412},
    }


def _expected(settings: BedrockSettings, text: str) -> dict[str, Any]:
    return {
        "modelId": settings.model_id,
        "messages": [
            {
                "role": "user",
                "content": [{"text": settings.prompt_template.replace("{text}", text)}],
            }
        ],
        "inferenceConfig": {"maxTokens": settings.max_tokens, "temperature": 0.0},
    }


def test_json_answer_becomes_attributes_and_scores(aws):
    settings = BedrockSettings(model_id="amazon.nova-micro-v1:0", prompt_template=TEMPLATE)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "converse",
            _answer('{"label": "positive", "confidence": 0.93, "sarcastic": false}'),
            _expected(settings, "I love it"),
        )
        result = BedrockEnricher(settings, client=client).enrich("I love it")
        stub.assert_no_pending_responses()
    assert result.attributes == {
        "stop_reason": "end_turn",
        "label": "positive",
        "sarcastic": "false",
    }
    assert result.scores == {
        "input_tokens": 31.0,
        "output_tokens": 9.0,
        "latency_ms": 412.0,
        "confidence": 0.93,
    }


def test_text_answer_is_kept_as_the_answer_attribute(aws):
    settings = BedrockSettings(prompt_template="Summarise: {text}", answer="text", max_tokens=50)
    client = _client()
    with Stubber(client) as stub:
        answer = _answer(" A short summary. ", stop="max_tokens")
        stub.add_response("converse", answer, _expected(settings, "long text"))
        result = BedrockEnricher(settings, client=client).enrich("long text")
    assert result.attributes == {"stop_reason": "max_tokens", "answer": "A short summary."}


@pytest.mark.parametrize("answer", ["not json", "[1, 2]", '{"nested": {"a": 1}}'])
def test_an_answer_of_the_wrong_shape_fails_the_step(aws, answer):
    settings = BedrockSettings(prompt_template=TEMPLATE)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response("converse", _answer(answer), _expected(settings, "x"))
        with pytest.raises(BedrockAnswerInvalid):
            BedrockEnricher(settings, client=client).enrich("x")


def _service(enricher: Any, *, on_failure: str, timeout_ms: int = 300) -> EnricherService:
    plan = {"user.registered": (EnrichmentStep("bedrock", "payload.bio"),)}
    return EnricherService(
        plan,
        {"bedrock": enricher},
        on_failure=on_failure,
        timeout_ms=timeout_ms,
        workers=2,
        clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
    )


def _event(bio: str = "Ich koche gern") -> InputEvent:
    value = {
        "envelope": {"event_id": "e-1", "event_type": "user.registered"},
        "payload": {"bio": bio},
        "enrichment": None,
    }
    record = ConsumedRecord("events.validated.v1", 0, 7, b"k", b"", (), 0)
    return InputEvent(record=record, schema_id=1, value=value)


def test_bedrock_throttling_degrades_the_event_and_the_stream_goes_on(aws):
    client = _client()
    service = _service(BedrockEnricher(BedrockSettings(), client=client), on_failure="degrade")
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ThrottlingException", "Rate exceeded", 429)
        outcome = service.handle(_event())
    assert isinstance(outcome, Forward)
    [output] = outcome.value["enrichment"]["outputs"]
    assert output["enricher"] == "bedrock"
    assert output["attributes"]["status"] == "failed"
    assert "ThrottlingException" in output["attributes"]["error"]
    service.close()


def test_bedrock_failure_dead_letters_when_the_policy_says_so(aws):
    client = _client()
    service = _service(BedrockEnricher(BedrockSettings(), client=client), on_failure="dead_letter")
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ValidationException", "model not enabled", 400)
        outcome = service.handle(_event())
    assert isinstance(outcome, Reject)
    assert outcome.error_type == "enricher:bedrock:failed"
    service.close()


class _HangingClient:
    """A Bedrock that never answers (until the test ends)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def converse(self, **_request: Any) -> dict[str, Any]:
        self.release.wait(30)
        return _answer('{"label": "late"}')


def test_a_hanging_bedrock_never_stalls_the_stream(aws):
    hanging = _HangingClient()
    enricher = BedrockEnricher(BedrockSettings(), client=hanging)
    service = _service(enricher, on_failure="degrade", timeout_ms=200)
    started = time.monotonic()
    outcomes = [service.handle(_event(f"text {i}")) for i in range(3)]
    elapsed = time.monotonic() - started
    hanging.release.set()
    service.close()
    assert elapsed < 3 * 0.2 + 1.0  # each event waits at most its deadline
    assert all(isinstance(o, Forward) for o in outcomes)
    statuses = [
        o.value["enrichment"]["outputs"][0]["attributes"]["status"]
        for o in outcomes
        if isinstance(o, Forward)
    ]
    assert statuses == ["timeout", "timeout", "timeout"]


def test_the_entry_point_builds_it_from_the_services_settings(aws, monkeypatch):
    monkeypatch.setenv("EVENTFLOW_BEDROCK__MODEL_ID", "anthropic.claude-3-haiku-20240307-v1:0")
    monkeypatch.setenv("EVENTFLOW_BEDROCK__REGION", "us-west-2")
    monkeypatch.setenv("EVENTFLOW_BEDROCK__TIMEOUT_MS", "1500")
    settings = Settings()
    [enricher] = load_enrichers({"bedrock"}, settings=settings).values()
    assert isinstance(enricher, BedrockEnricher)
    assert enricher.version.startswith("anthropic.claude-3-haiku-20240307-v1:0@boto3-")
    client = enricher._client
    assert client.meta.region_name == "us-west-2"
    assert client.meta.config.read_timeout == 1.5
    assert client.meta.config.retries["total_max_attempts"] == 1  # no retries


def test_a_template_without_the_text_is_refused():
    with pytest.raises(ValidationError, match=r"prompt_template must contain \{text\}"):
        BedrockSettings(prompt_template="Classify this.")
