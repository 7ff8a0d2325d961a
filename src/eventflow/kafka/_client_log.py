"""librdkafka's voice in our logs: its log lines and its ``error_cb`` go to ``eventflow.kafka``.

librdkafka reports one broker problem twice: as a log line (``Connect to ... failed``) and as
an error callback (``_TRANSPORT``, ``_ALL_BROKERS_DOWN``). The callback is what operators act
on, so it is logged at WARNING (ERROR when the client says it is fatal); the log lines are
demoted one level (an ERROR line becomes WARNING, WARNING becomes INFO, the rest DEBUG) so a
broker outage is visible without flooding the log.

Services' producers and consumers pass :data:`CLIENT_LOG` as ``logger`` and
:func:`log_client_error` as ``error_cb``; admin probes that expect refusals keep their quiet
logger (``eventflow.kafka._client_config.QUIET_LOGGER``).
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError

KAFKA_LOG = logging.getLogger("eventflow.kafka")


class _Demoted:
    """The ``logger`` librdkafka is given: forwards to ``eventflow.kafka`` one level lower."""

    def log(self, level: int, msg: str, *args: Any) -> None:
        if level >= logging.CRITICAL:
            demoted = logging.ERROR
        elif level >= logging.ERROR:
            demoted = logging.WARNING
        elif level >= logging.WARNING:
            demoted = logging.INFO
        else:
            demoted = logging.DEBUG
        KAFKA_LOG.log(demoted, "librdkafka: " + msg, *args)


CLIENT_LOG: Any = _Demoted()


def log_client_error(err: KafkaError) -> None:
    """``error_cb``: a client-level error (broker down, authentication, fatal)."""
    level = logging.ERROR if err.fatal() else logging.WARNING
    KAFKA_LOG.log(level, "kafka client error %s: %s", err.name(), err.str())
