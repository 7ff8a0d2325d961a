"""``eventflow dev up | down | status | restart``: the local development stack.

``up`` starts a real Kafka (KRaft), applies topics.yaml, then the schema registry (log in the
``_schemas`` topic), registers the contracts, and starts the HTTP API and the validator,
enricher and writer as background processes. ``--kafka-only`` stops after the topics.

Exit codes of ``up``: 0 the stack runs; 1 the registry refused the working tree's contracts
(every refused subject is printed with file:line, rule, hint and who must upgrade first;
nothing was registered for them, no service was started, stopped or restarted); 2 invalid
input (topics file, manifest, schema file); 3 a component failed to start or answer.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

import click
from rich.markup import escape

from eventflow.cli._context import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    CliContext,
    EnvironmentFailure,
    InputFailure,
    run_guarded,
)
from eventflow.cli._render import console
from eventflow.cli._stack import local_broker
from eventflow.cli._topics import print_apply_result
from eventflow.config import Settings
from eventflow.devstack import (
    ManagedProcess,
    StackUrls,
    dev_api_key,
    keys_file_of,
    service_env,
    services,
    urls_of,
)
from eventflow.kafka import KafkaCluster, TopicAdmin, load_topics_file


@click.group()
def dev() -> None:
    """Run the local stack: Kafka (KRaft), the registry, the API and the pipeline services."""


@dataclass(frozen=True)
class _Stack:
    urls: StackUrls
    env: dict[str, str]
    processes: list[ManagedProcess]


def _stack(settings: Settings, bootstrap: str) -> _Stack:
    """The stack's processes; only `up` creates the dev key (`down`/`status` write nothing)."""
    urls = urls_of(settings, bootstrap)
    env = service_env(urls, keys_file_of(settings.dev.state_dir))
    return _Stack(urls, env, services(settings, urls, env))


def _register_contracts(settings: Settings, stack: _Stack) -> None:
    """``eventflow schema register`` into the stack's registry; on a refusal print every
    refused subject with its reasons, leave every service as it is, and exit 1."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "eventflow",
            "schema",
            "register",
            "--registry",
            stack.urls.registry,
        ],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode == 0:
        console.print(f"[green]schemas[/] from {settings.schemas_dir} registered:")
        for line in lines:
            console.print(f"  {line}", markup=False)
        return
    detail = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
    if result.returncode == EXIT_INPUT:
        raise InputFailure(f"the contracts in {settings.schemas_dir} are invalid: {detail}")
    if result.returncode != EXIT_FINDINGS:
        raise EnvironmentFailure(f"registering the contracts failed: {detail}")
    console.print(
        f"[red]the registry refused contracts[/] from {settings.schemas_dir} "
        "(nothing was registered for the subjects below):"
    )
    for line in lines:
        if not line.startswith(("unchanged", "created", "level set")):
            console.print(f"  {line}", markup=False, soft_wrap=True)
    console.print("services left as they were (none started, stopped or restarted):")
    for proc in stack.processes[1:]:
        ps = proc.status()
        state = f"running pid {ps.pid}" if ps.running else "stopped, not started"
        console.print(f"  {ps.name}: {state}")
    console.print(
        "Fix the schemas (`eventflow schema check` shows the same findings), then run "
        "`eventflow dev up` again.",
        soft_wrap=True,
    )
    raise SystemExit(EXIT_FINDINGS)


@dev.command()
@click.option("--kafka-only", is_flag=True, help="Start Kafka and apply topics; no services.")
@click.pass_obj
def up(obj: CliContext, kafka_only: bool) -> None:
    """Start the stack (first run downloads Kafka from Maven Central)."""
    settings = obj.settings
    specs = run_guarded(lambda: load_topics_file(settings.topics_file))
    broker = local_broker(settings)
    started = time.monotonic()
    with console.status("starting Kafka…"):
        bootstrap = run_guarded(broker.start)
    console.print(
        f"[green]Kafka[/] answering on [bold]{bootstrap}[/] "
        f"({time.monotonic() - started:.1f}s); log: {broker.log_file}"
    )
    print_apply_result(run_guarded(lambda: TopicAdmin(KafkaCluster(bootstrap)).apply(specs)))
    if kafka_only:
        console.print(
            f"\nNext: point clients at [bold]{bootstrap}[/]; stop with [bold]eventflow dev down[/]"
        )
        return
    key = dev_api_key(settings.dev.state_dir)
    stack = _stack(settings, bootstrap)
    urls = stack.urls
    registry, rest = stack.processes[0], stack.processes[1:]
    with console.status("starting the schema registry…"):
        run_guarded(lambda: registry.start(timeout_s=60))
    console.print(f"[green]registry[/] on [bold]{urls.registry}[/]")
    _register_contracts(settings, stack)
    for proc in rest:
        with console.status(f"starting {proc.name}…"):
            pid = run_guarded(lambda proc=proc: proc.start(timeout_s=90))  # type: ignore[misc]
        console.print(f"[green]{proc.name}[/] running (pid {pid}); log: {proc.log_file}")
    console.print(
        f"\nAPI: [bold]{urls.api}[/] (docs at {urls.api}/docs), key in "
        f"{settings.dev.state_dir / 'dev-api-key'}\n"
        f"Try: curl -H 'X-API-Key: {key}' {urls.api}/v1/event-types\n"
        "Then: [bold]eventflow demo[/] · [bold]eventflow dev status[/] · "
        "[bold]eventflow dev down[/]",
        soft_wrap=True,  # keep the curl line whole, so it can be copied
    )


@dev.command()
@click.pass_obj
def down(obj: CliContext) -> None:
    """Stop the stack (data stays; it is reused by the next `dev up`)."""
    settings = obj.settings
    broker = local_broker(settings)
    bootstrap = broker.bootstrap or "127.0.0.1:0"
    for proc in reversed(_stack(settings, bootstrap).processes):
        if proc.stop():
            console.print(f"{proc.name} stopped.")
    stopped = run_guarded(broker.stop)
    console.print("Kafka stopped." if stopped else "Kafka was not running.")


@dev.command()
@click.pass_obj
def status(obj: CliContext) -> None:
    """Show what runs, where, and whether it answers (exit 1 when Kafka is down)."""
    settings = obj.settings
    st = run_guarded(local_broker(settings).status)
    if not st.running:
        console.print(f"Kafka: [yellow]stopped[/] (state in {st.state_dir})")
        raise SystemExit(1)
    health = "[green]answering[/]" if st.answering else "[red]not answering[/]"
    console.print(f"Kafka: running pid {st.pid} on {st.bootstrap}, {health}; log {st.log_file}")
    for proc in _stack(settings, st.bootstrap or "127.0.0.1:0").processes:
        ps = proc.status()
        if ps.running:
            ready = "[green]ready[/]" if ps.ready else "[yellow]not ready[/]"
            if ps.detail:  # a stage that is retrying is not simply "ready"
                ready = f"[yellow]{escape(ps.detail)}[/]"
            console.print(f"{ps.name}: running pid {ps.pid}, {ready}; log {ps.log_file}")
        else:
            console.print(f"{ps.name}: [dim]stopped[/]")
    if not st.answering:
        raise SystemExit(1)


@dev.command()
@click.argument(
    "service", type=click.Choice(["registry", "api", "validator", "enricher", "writer"])
)
@click.pass_obj
def restart(obj: CliContext, service: str) -> None:
    """Restart one service of the running stack, e.g. the API after `eventflow schema register`
    (it reads its contracts at start). Waits until it is ready again."""
    settings = obj.settings
    kafka = run_guarded(local_broker(settings).status)
    if not kafka.running or kafka.bootstrap is None:
        raise EnvironmentFailure("Kafka is not running: start the stack with `eventflow dev up`")
    proc = next(p for p in _stack(settings, kafka.bootstrap).processes if p.name == service)
    was = proc.pid()
    proc.stop()
    with console.status(f"starting {service}…"):
        pid = run_guarded(lambda: proc.start(timeout_s=90))
    before = f"pid {was}" if was is not None else "it was not running"
    console.print(
        f"[green]{service}[/] restarted (pid {pid}; before: {before}); log: {proc.log_file}"
    )
