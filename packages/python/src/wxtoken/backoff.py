"""Delays between WatchToken reconnects: exponential growth from ``initial`` up to
``maximum`` seconds, each drawn at random from its upper half so that many clients of a
restarted server do not reconnect in step."""

from __future__ import annotations

import random


class ExponentialBackoff:
    def __init__(self, initial: float, maximum: float) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError("reconnect delays need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum

    def delay(self, attempt: int) -> float:
        """The delay before reconnect number ``attempt`` (0 for the first after a success)."""
        ceiling = min(self.maximum, self.initial * 2 ** min(attempt, 32))
        return random.uniform(ceiling / 2, ceiling)
