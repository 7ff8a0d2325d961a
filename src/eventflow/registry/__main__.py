"""``python -m eventflow.registry``: the schema registry server without the CLI package.

Takes the options of ``eventflow registry serve`` (a unit test keeps the two lists equal),
except that Kafka storage needs ``--bootstrap`` or ``EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS``:
finding the local development broker is the CLI's business. Exit codes as the CLI's:
2 for invalid input or settings, 3 when the environment fails (Kafka, the log file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from eventflow.config import Settings
from eventflow.errors import ConfigError, EventFlowError
from eventflow.kafka import KafkaCluster
from eventflow.registry._server import serve_registry

_EXIT_INPUT = 2
_EXIT_ENVIRONMENT = 3


def parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(
        prog="python -m eventflow.registry",
        description="Serve Confluent's Schema Registry REST API v1 "
        "(storage: Kafka `_schemas` or a file).",
    )
    options.add_argument("--host", help="Listen address (default 127.0.0.1).")
    options.add_argument("--port", type=int, help="Listen port (default 8081).")
    options.add_argument(
        "--storage", choices=["kafka", "file"], help="Where the schema log lives (default kafka)."
    )
    options.add_argument("--topic", help="Kafka topic of the log (default _schemas).")
    options.add_argument("--file", type=Path, help="Log file for --storage file.")
    options.add_argument("--bootstrap", help="Kafka bootstrap servers (storage kafka).")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(parser().parse_args(argv))
    bootstrap = args.pop("bootstrap")
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "__".join(str(p) for p in first["loc"]).upper()
        sys.stderr.write(f"error: invalid setting EVENTFLOW_{where}: {first['msg']}\n")
        return _EXIT_INPUT
    chosen = {name: value for name, value in args.items() if value is not None}
    server = settings.registry_server.model_copy(update=chosen)
    if server.storage == "kafka":
        bootstrap = bootstrap or settings.kafka.bootstrap_servers
        if not bootstrap:
            sys.stderr.write(
                "error: --storage kafka needs --bootstrap or EVENTFLOW_KAFKA__BOOTSTRAP_SERVERS\n"
            )
            return _EXIT_INPUT
    cluster = KafkaCluster.from_settings(settings.kafka, bootstrap) if bootstrap else None
    where = str(server.file) if server.storage == "file" else f"{server.topic} on {bootstrap}"
    sys.stdout.write(
        f"schema registry on {server.scheme}://{server.host}:{server.port} (log: {where})\n"
    )
    sys.stdout.flush()
    try:
        serve_registry(server, cluster if server.storage == "kafka" else None)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return _EXIT_INPUT
    except EventFlowError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return _EXIT_ENVIRONMENT
    return 0


if __name__ == "__main__":
    sys.exit(main())
