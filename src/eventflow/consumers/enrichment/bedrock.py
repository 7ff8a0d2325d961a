"""The ``bedrock`` enricher: one Amazon Bedrock Converse call per text (``eventflow[aws]``).

Settings (``EVENTFLOW_BEDROCK__*``, see ``BedrockSettings``): the model id, the region, a
prompt template with ``{text}`` where the event's text goes, the answer's token budget, a
timeout, and how to read the answer: ``text`` (the answer is the ``answer`` attribute) or
``json`` (the answer must be one flat JSON object: strings and booleans become attributes,
numbers become scores). Token counts and Bedrock's latency are kept as scores.

The enricher service runs it like any plugin: in a worker thread with the step's deadline,
degrading or dead-lettering per the step's policy, behind a circuit breaker; so a slow or
failing Bedrock never stalls the stream. The boto3 client's own timeouts equal the setting
and it does not retry, so an abandoned call does not hold a worker for long either.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

from eventflow.config import BedrockSettings, Settings
from eventflow.consumers.enrichment._plugin import EnricherResult
from eventflow.errors import ConfigError, ErrorCode

MAX_ATTRIBUTE_CHARS = 2000


class BedrockAnswerInvalid(ValueError):
    """The model's answer does not have the configured shape (counts as a failed step)."""


class BedrockEnricher:
    """Amazon Bedrock's Converse API as an enricher."""

    name = "bedrock"

    def __init__(self, settings: BedrockSettings, *, client: Any = None) -> None:
        self._settings = settings
        self._client = client if client is not None else _client(settings)
        self.version = f"{settings.model_id}@boto3-{version('boto3')}"

    @classmethod
    def from_settings(cls, settings: Settings) -> BedrockEnricher:
        """The entry point's factory: built from the service's settings."""
        return cls(settings.bedrock)

    def enrich(self, text: str) -> EnricherResult:
        s = self._settings
        prompt = s.prompt_template.replace("{text}", text)
        response = self._client.converse(
            modelId=s.model_id,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": s.max_tokens, "temperature": 0.0},
        )
        answer = "".join(
            part.get("text", "") for part in response["output"]["message"]["content"]
        ).strip()
        usage = response.get("usage", {})
        scores = {
            "input_tokens": float(usage.get("inputTokens", 0)),
            "output_tokens": float(usage.get("outputTokens", 0)),
            "latency_ms": float(response.get("metrics", {}).get("latencyMs", 0)),
        }
        attributes = {"stop_reason": str(response.get("stopReason", ""))}
        if s.answer == "text":
            attributes["answer"] = answer[:MAX_ATTRIBUTE_CHARS]
        else:
            json_attributes, json_scores = _flat_json(answer)
            attributes.update(json_attributes)
            scores.update(json_scores)
        return EnricherResult(attributes, scores)


def _flat_json(answer: str) -> tuple[dict[str, str], dict[str, float]]:
    try:
        data = json.loads(answer)
    except ValueError as exc:
        raise BedrockAnswerInvalid(f"the answer is not JSON: {answer[:80]!r}") from exc
    if not isinstance(data, dict):
        raise BedrockAnswerInvalid(f"the answer is JSON but not an object: {answer[:80]!r}")
    attributes: dict[str, str] = {}
    scores: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            attributes[str(key)] = str(value).lower()
        elif isinstance(value, int | float):
            scores[str(key)] = float(value)
        elif isinstance(value, str):
            attributes[str(key)] = value[:MAX_ATTRIBUTE_CHARS]
        else:
            raise BedrockAnswerInvalid(
                f"the answer's field {key!r} is not flat (a {type(value).__name__})"
            )
    return attributes, scores


def _client(settings: BedrockSettings) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise ConfigError(
            "the bedrock enricher needs the AWS extra: pip install 'eventflow[aws]'",
            code=ErrorCode.PIPELINE_ENRICHER_FAILED,
        ) from exc
    timeout_s = settings.timeout_ms / 1000
    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"total_max_attempts": 1, "mode": "standard"},  # no retry: one call only
    )
    return boto3.client("bedrock-runtime", region_name=settings.region, config=config)
