"""``eventflow dlq list | show | replay``: inspect dead letters and send them back after a fix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from eventflow.cli._context import EXIT_FINDINGS, CliContext, run_guarded
from eventflow.cli._pipeline_common import (
    bootstrap_option,
    progress_bar,
    registry_codec,
    registry_option,
)
from eventflow.cli._render import console
from eventflow.cli._stack import resolve_cluster
from eventflow.kafka import KafkaCluster

if TYPE_CHECKING:
    from eventflow.config import Settings
    from eventflow.consumers import Decoder, ReplayMarker, StoredDeadLetter
    from eventflow.events import DeadLetter


def _filters(f: Any) -> Any:
    f = click.option(
        "--error-type",
        default=None,
        help="Only this error type (prefix match, e.g. rule: or rule:order_).",
    )(f)
    f = click.option(
        "--service",
        default=None,
        help="Only dead letters of this service (e.g. validator-service).",
    )(f)
    f = click.option(
        "--from-offset", type=int, default=None, help="Ignore dead letters before this DLQ offset."
    )(f)
    return f


def format_letter_line(
    partition: int, offset: int, letter: Any, replayed: ReplayMarker | None = None
) -> str:
    origin = f"{letter.origin_topic}/{letter.origin_partition}/{letter.origin_offset}"
    when = letter.failed_at.strftime("%Y-%m-%d %H:%M:%S")
    mark = f"  [replayed {replayed.replayed_at[:19]} as {replayed.sent_to}]" if replayed else ""
    return (
        f"{partition}:{offset:<6} {when}  {letter.failing_service:<20} "
        f"{letter.error_type:<32} {origin}  attempt {letter.attempt}  "
        f"{letter.error_message[:80]}{mark}"
    )


def stored_json(stored: StoredDeadLetter) -> dict[str, Any]:
    """One listed dead letter as JSON, with its replay marker (``replayed``, null if none)."""
    marker = stored.replayed
    replayed = None if marker is None else {"at": marker.replayed_at, "sent_to": marker.sent_to}
    return {**letter_json(stored.partition, stored.offset, stored.letter), "replayed": replayed}


def letter_json(partition: int, offset: int, letter: Any) -> dict[str, Any]:
    value = letter.to_avro_dict()
    value["failed_at"] = letter.failed_at.isoformat()
    for key in ("original_key", "original_value"):
        raw = value[key]
        value[key] = raw.hex() if raw is not None else None
    value["original_headers"] = [
        {"key": h["key"], "value": h["value"].hex() if h["value"] is not None else None}
        for h in value["original_headers"]
    ]
    return {"dlq_partition": partition, "dlq_offset": offset, **value}


@click.group()
def dlq() -> None:
    """Dead letters on events.dlq.v1: list, show, replay to the origin topic."""


@dlq.command("list")
@_filters
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@bootstrap_option
@registry_option
@click.pass_obj
def list_(
    obj: CliContext,
    *,
    error_type: str | None,
    service: str | None,
    from_offset: int | None,
    fmt: str,
    bootstrap: str | None,
    registry_url: str | None,
) -> None:
    """List dead letters, oldest first, with the replay that sent each back (if any).

    --format json prints JSON Lines: one object per dead letter and line."""
    settings = obj.settings
    target = resolve_cluster(settings, bootstrap)
    codec = registry_codec(settings, registry_url)
    topic = settings.pipeline.dlq_topic
    found = _read_matching(
        target, topic, codec, error_type=error_type, service=service, from_offset=from_offset
    )
    if fmt == "json":
        for d in found:
            click.echo(json.dumps(stored_json(d)))
        return
    for d in found:
        console.print(format_letter_line(d.partition, d.offset, d.letter, d.replayed), markup=False)
    console.print(f"{len(found)} dead letter(s)")


def _read_matching(
    target: KafkaCluster,
    topic: str,
    codec: Decoder,
    *,
    error_type: str | None,
    service: str | None,
    from_offset: int | None,
) -> list[StoredDeadLetter]:
    """Every dead letter on ``topic`` matching the filters, with a progress bar."""
    from eventflow.consumers import list_dead_letters, topic_size

    total = run_guarded(lambda: topic_size(target, topic))
    with progress_bar(f"reading {topic}", total) as bar:
        return run_guarded(
            lambda: list(
                list_dead_letters(
                    target,
                    topic,
                    codec,
                    error_type=error_type,
                    service=service,
                    from_offset=from_offset,
                    progress=lambda n: bar.advance(bar.task_ids[0], n),
                )
            )
        )


@dlq.command()
@click.argument("offset", type=int)
@click.option("--partition", type=int, default=0, show_default=True)
@bootstrap_option
@registry_option
@click.pass_obj
def show(
    obj: CliContext, *, offset: int, partition: int, bootstrap: str | None, registry_url: str | None
) -> None:
    """Show one dead letter in full (JSON), including its stack trace."""
    from eventflow.consumers import show_dead_letter

    settings = obj.settings
    target = resolve_cluster(settings, bootstrap)
    codec = registry_codec(settings, registry_url)
    topic = settings.pipeline.dlq_topic
    found = run_guarded(lambda: show_dead_letter(target, topic, codec, offset, partition))
    if found is None:
        console.print(f"no dead letter at {topic}[{partition}]@{offset}")
        raise SystemExit(EXIT_FINDINGS)
    click.echo(json.dumps(letter_json(found.partition, found.offset, found.letter), indent=2))


@dlq.command("replay")
@_filters
@click.option("--dry-run", is_flag=True, help="Only list what would be replayed.")
@click.option(
    "--force",
    is_flag=True,
    help="Send letters that the current rules would refuse, and letters already replayed.",
)
@bootstrap_option
@registry_option
@click.pass_obj
def replay_(
    obj: CliContext,
    *,
    error_type: str | None,
    service: str | None,
    from_offset: int | None,
    dry_run: bool,
    force: bool,
    bootstrap: str | None,
    registry_url: str | None,
) -> None:
    """Send matching dead letters back to their origin topic (after fixing the cause).

    The original key, value and headers go back unchanged, plus an attempt counter. First
    each letter is checked against the current rules: when some would fail again, the
    command says how many per error type and sends nothing unless --force. Letters an
    earlier replay sent back (marked on the dead-letter topic) are skipped unless --force.
    """
    from eventflow.consumers import fetch_from_origin, replay_dead_letters
    from eventflow.kafka import DurableProducer

    settings = obj.settings
    target = resolve_cluster(settings, bootstrap)
    codec = registry_codec(settings, registry_url)
    topic = settings.pipeline.dlq_topic
    found = _read_matching(
        target, topic, codec, error_type=error_type, service=service, from_offset=from_offset
    )
    done_before = [d for d in found if d.replayed is not None]
    if done_before and not force:
        found = [d for d in found if d.replayed is None]
        console.print(
            f"{len(done_before)} dead letter(s) already replayed: skipped "
            "(--force sends them again)"
        )
    for d in found:
        console.print(format_letter_line(d.partition, d.offset, d.letter, d.replayed), markup=False)
    again = _failing_again(settings, registry_url, codec, found, target) if found else {}
    for kind, count in sorted(again.items()):
        console.print(f"{count} would fail again: {kind}", markup=False)
    if again and not force and not dry_run:
        console.print(
            f"{sum(again.values())} of {len(found)} dead letter(s) would fail again "
            "under the current rules; nothing sent (fix the cause, or --force)"
        )
        raise SystemExit(EXIT_FINDINGS)
    if dry_run or not found:
        console.print(
            f"{len(found)} dead letter(s) would be replayed" if dry_run else "nothing to replay"
        )
        return
    producer = DurableProducer(target, client_id=f"{settings.kafka.client_id}-dlq-replay")
    try:
        with progress_bar("replaying", len(found)) as bar:
            sent = run_guarded(
                lambda: replay_dead_letters(
                    found,
                    producer,
                    dlq_topic=topic,
                    fetch_original=fetch_from_origin(target),
                    progress=lambda n: bar.advance(bar.task_ids[0], n),
                )
            )
    finally:
        producer.close()
    console.print(f"[green]replayed {sent} dead letter(s)[/] to their origin topics")


def _failing_again(
    settings: Settings,
    registry_url: str | None,
    codec: Decoder,
    found: list[StoredDeadLetter],
    target: KafkaCluster,
) -> dict[str, int]:
    """Per error type, how many of ``found`` the current rules would dead-letter again."""
    from eventflow.consumers import (
        failing_again,
        fetch_from_origin,
        registry_url_of,
        validator_for,
    )
    from eventflow.registry import RegistryClient
    from eventflow.workspace import load_workspace

    fetch = fetch_from_origin(target)
    url = registry_url or registry_url_of(settings)
    registry = RegistryClient.from_settings(url, settings.registry)
    validator = run_guarded(
        lambda: validator_for(settings, registry, load_workspace(settings.schemas_dir).contracts)
    )

    def original_of(letter: DeadLetter) -> bytes | None:
        return fetch(letter) if letter.original_value_by_reference else letter.original_value

    letters = [d.letter for d in found]
    try:
        return dict(failing_again(letters, codec, validator, original_of=original_of))
    finally:
        registry.close()
