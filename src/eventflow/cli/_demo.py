"""``eventflow demo``: exercise a running stack end to end and print a summary."""

from __future__ import annotations

import click

from eventflow.cli._context import (
    EXIT_FINDINGS,
    CliContext,
    EnvironmentFailure,
    InputFailure,
    run_guarded,
)
from eventflow.cli._pipeline_common import bootstrap_option, registry_codec, registry_option
from eventflow.cli._render import console
from eventflow.cli._stack import resolve_cluster


@click.command()
@click.option(
    "--api-url", default=None, help="HTTP API (default: EVENTFLOW_PIPELINE__DEMO_API_URL)."
)
@click.option(
    "--api-key",
    default=None,
    help="API key to post with (default: EVENTFLOW_PIPELINE__DEMO_API_KEY).",
)
@click.option(
    "--count",
    type=click.IntRange(1, 100_000),
    default=30,
    show_default=True,
    help="Valid events to post (a few invalid ones are added).",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for the pipeline.",
)
@bootstrap_option
@registry_option
@click.pass_obj
def demo(
    obj: CliContext,
    *,
    api_url: str | None,
    api_key: str | None,
    count: int,
    timeout_s: float,
    bootstrap: str | None,
    registry_url: str | None,
) -> None:
    """Post valid and invalid events, wait, and show rows written and dead letters."""
    import httpx

    from eventflow.consumers import DemoSummary, open_store, run_demo

    settings = obj.settings
    p = settings.pipeline
    url = api_url or p.demo_api_url
    key = api_key or p.demo_api_key
    if not key:
        raise InputFailure("no API key: pass --api-key or set EVENTFLOW_PIPELINE__DEMO_API_KEY")
    target = resolve_cluster(settings, bootstrap)
    codec = registry_codec(settings, registry_url)
    store = run_guarded(lambda: open_store(p.database_url))

    def progress(s: DemoSummary) -> None:
        console.print(
            f"  {s.seconds:5.1f}s  rows {s.rows}/{len(s.accepted_valid)}  dead letters "
            f"{sum(s.dead_letters.values())}/{len(s.accepted_invalid)}"
        )

    console.print(f"posting {count} valid and 3 invalid events to {url} …")
    try:
        with httpx.Client(timeout=30.0) as client:
            summary = run_guarded(
                lambda: run_demo(
                    client=client,
                    api_url=url,
                    api_key=key,
                    cluster=target,
                    dlq_topic=p.dlq_topic,
                    decoder=codec,
                    count_rows=store.count,
                    row_of=store.get,
                    count=count,
                    timeout_s=timeout_s,
                    on_progress=progress,
                )
            )
    except httpx.HTTPError as exc:
        raise EnvironmentFailure(
            f"the API at {url} is not reachable ({exc}); start it with "
            "`eventflow serve api` or `eventflow dev up`"
        ) from exc
    finally:
        store.close()

    def say(text: str, *, markup: bool = True) -> None:
        console.print(text, soft_wrap=True, markup=markup)

    say("\n[bold]EventFlow demo summary[/]")
    say(f"  posted            {summary.posted} ({summary.rejected_by_api} refused by the API)")
    if summary.refusals:
        say(f"  first refusal     {summary.refusals[0]}", markup=False)
    say(
        f"  accepted          {len(summary.accepted_valid)} valid, "
        f"{len(summary.accepted_invalid)} breaking a business rule"
    )
    say(f"  rows in database  {summary.rows} of {len(summary.accepted_valid)} ({p.database_url})")
    say(
        f"  dead-lettered     {sum(summary.dead_letters.values())}: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(summary.dead_letters.items()))
    )
    if summary.enrichment_sample:
        say(f"  enrichment        {summary.enrichment_sample[:200]}", markup=False)
    say(f"  took              {summary.seconds:.1f}s")
    say("  next: eventflow dlq list · eventflow trace EVENT_ID")
    if not summary.complete:
        say(
            "[yellow]the pipeline did not finish in time: are the validator, enricher "
            "and writer running (eventflow dev status)?[/]"
        )
        raise SystemExit(EXIT_FINDINGS)
