"""The API's voice during a Kafka outage: one line when it starts, one when it ends.

Every request refused with 503 during an outage would otherwise log (or stay silent, which is
worse): :class:`OutageLog` logs the first refusal at ERROR with its cause, counts the rest,
and logs at INFO, on the first success afterwards, how long it lasted and how many requests
were refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("eventflow.producers.http")


class OutageLog:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: float | None = None
        self.refused = 0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def refused_one(self, cause: str) -> None:
        """A request was refused because Kafka is unavailable."""
        if self._since is None:
            self._since = self._clock()
            self.refused = 0
            log.error("Kafka is unavailable; answering 503 until it is back: %s", cause)
        self.refused += 1

    def delivered(self) -> None:
        """Kafka acknowledged an event: ends an ongoing outage."""
        if self._since is not None:
            lasted = self._clock() - self._since
            self._since = None
            log.info(
                "Kafka is available again after %.1fs; %d request(s) were refused with "
                "503 meanwhile",
                lasted,
                self.refused,
            )
