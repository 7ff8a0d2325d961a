"""``eventflow demo``: post valid and invalid events to a running stack and report where they
went (rows in the database, dead letters with the rule that failed)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventflow.consumers._operations import Decoder, list_dead_letters
from eventflow.errors import EnvironmentProblem
from eventflow.kafka import KafkaCluster, watermarks

BIOS = (
    "I love hiking in the mountains and reading great books on rainy days.",
    "Ich koche sehr gerne und fahre jeden Sonntag mit dem Fahrrad an den See.",
    "J'adore la musique classique et je joue du piano depuis mon enfance.",
    "Odio las mañanas frías, pero el café con amigos siempre me alegra el día.",
)


def demo_events(run: str, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` valid events (orders, users, payments in turn) and a few invalid ones, each
    breaking one business rule (the schema is fine, so the API accepts them)."""
    valid: list[dict[str, Any]] = []
    for n in range(count):
        kind = n % 3
        if kind == 0:
            valid.append(_order(f"{run}-o{n}", quantity=2, price="9.95", total="19.90"))
        elif kind == 1:
            valid.append(
                {
                    "event_type": "user.registered",
                    "data": {
                        "user_id": f"{run}-u{n}",
                        "email": f"user{n}@example.org",
                        "display_name": f"User {n}",
                        "locale": "en-GB",
                        "marketing_opt_in": n % 2 == 0,
                        "bio": BIOS[n % len(BIOS)],
                    },
                }
            )
        else:
            valid.append(
                {
                    "event_type": "payment.failed",
                    "data": {
                        "payment_id": f"{run}-p{n}",
                        "order_id": f"{run}-o{n - 2}",
                        "amount": "19.90",
                        "currency": "EUR",
                        "reason": "CARD_DECLINED",
                        "message": "The card was declined by the issuing bank, sorry.",
                    },
                }
            )
    invalid = [
        _order(f"{run}-bad-total", quantity=2, price="9.95", total="99.00"),
        _order(f"{run}-zero-quantity", quantity=0, price="9.95", total="0.00"),
        {
            "event_type": "user.registered",
            "data": {
                "user_id": f"{run}-bad-mail",
                "email": "not-an-email",
                "display_name": "Nobody",
                "locale": "en",
                "marketing_opt_in": False,
                "bio": None,
            },
        },
    ]
    return valid, invalid


def _order(order_id: str, *, quantity: int, price: str, total: str) -> dict[str, Any]:
    return {
        "event_type": "order.placed",
        "data": {
            "order_id": order_id,
            "customer_id": "c-demo",
            "line_items": [{"sku": "SKU-1", "quantity": quantity, "unit_price": price}],
            "total": total,
            "currency": "EUR",
            "shipping_address": {
                "recipient": "Ada Lovelace",
                "street": "1 Demo Street",
                "city": "London",
                "postal_code": "N1 1AA",
                "country": "GB",
            },
        },
    }


class HttpPoster(Protocol):
    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Any: ...


@dataclass
class DemoSummary:
    posted: int = 0
    accepted_valid: list[str] = field(default_factory=list)
    accepted_invalid: list[str] = field(default_factory=list)
    rejected_by_api: int = 0
    refusals: list[str] = field(default_factory=list)
    rows: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    enrichment_sample: str | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.rows == len(self.accepted_valid) and sum(self.dead_letters.values()) >= len(
            self.accepted_invalid
        )


def post_events(
    client: HttpPoster, api_url: str, api_key: str, events: list[dict[str, Any]], batch: int = 100
) -> tuple[list[str], list[str]]:
    """POST in batches; return (accepted event ids in order, why the others were refused)."""
    accepted: list[str] = []
    refused: list[str] = []
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        response = client.post(
            f"{api_url.rstrip('/')}/v1/events:batch",
            json={"events": chunk},
            headers={"X-API-Key": api_key},
        )
        if response.status_code not in (202, 207):
            raise EnvironmentProblem(
                f"the API at {api_url} answered {response.status_code}: {response.text[:300]}"
            )
        for result in response.json()["results"]:
            if result["status"] == 202:
                accepted.append(result["event_id"])
            else:
                refused.append(f"{result.get('error')}: {result.get('message')}")
    return accepted, refused


def run_demo(
    *,
    client: HttpPoster,
    api_url: str,
    api_key: str,
    cluster: KafkaCluster,
    dlq_topic: str,
    decoder: Decoder,
    count_rows: Callable[[list[str]], int],
    row_of: Callable[[str], dict[str, Any] | None],
    count: int = 30,
    timeout_s: float = 60.0,
    run: str | None = None,
    on_progress: Callable[[DemoSummary], None] | None = None,
) -> DemoSummary:
    started = time.monotonic()
    tag = run or f"demo-{int(time.time())}"
    valid, invalid = demo_events(tag, count)
    dlq_start = {p: high for p, (_low, high) in watermarks(cluster, dlq_topic).items()}
    summary = DemoSummary(posted=len(valid) + len(invalid))
    summary.accepted_valid, refused_valid = post_events(client, api_url, api_key, valid)
    summary.accepted_invalid, refused_invalid = post_events(client, api_url, api_key, invalid)
    summary.refusals = refused_valid + refused_invalid
    summary.rejected_by_api = len(summary.refusals)
    wanted = {i.encode(): i for i in summary.accepted_invalid}
    deadline = time.monotonic() + timeout_s
    while True:
        summary.rows = count_rows(summary.accepted_valid)
        found: Counter[str] = Counter()
        start = min(dlq_start.values()) if dlq_start else None
        for stored in list_dead_letters(cluster, dlq_topic, decoder, from_offset=start):
            value = stored.letter.original_value or b""
            if any(needle in value for needle in wanted):
                found[stored.letter.error_type] += 1
        summary.dead_letters = found
        summary.seconds = time.monotonic() - started
        if on_progress is not None:
            on_progress(summary)
        if summary.complete or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    summary.enrichment_sample = _sample(summary, row_of)
    return summary


def _sample(summary: DemoSummary, row_of: Callable[[str], dict[str, Any] | None]) -> str | None:
    for event_id in summary.accepted_valid[1:3]:
        row = row_of(event_id)
        if row is not None and row.get("enrichment"):
            return f"{event_id}: {row['enrichment']}"
    return None
