"""A circuit-breaker ServiceSwitcher strategy, as teams write them, for ``--strategy`` tests."""

from __future__ import annotations

import time
from typing import Any

from pipecat.frames.frames import ErrorFrame
from pipecat.pipeline.service_switcher import ServiceSwitcherStrategyFailover

__all__ = ["TripAfterErrors"]


class TripAfterErrors(ServiceSwitcherStrategyFailover):
    """Trip (mark the active service unusable and fail over) after 3 errors within 5 s.

    Pipecat's own failover strategy only switches when a service declares itself unusable; a
    service that keeps raising stays "usable" forever. This breaker counts errors instead.
    """

    def __init__(self, services: list[Any], *, threshold: int = 3, window_s: float = 5.0) -> None:
        super().__init__(services)
        self._threshold = threshold
        self._window_s = window_s
        self._errors: list[float] = []

    async def handle_error(self, error: ErrorFrame) -> Any:
        now = time.monotonic()
        self._errors = [t for t in self._errors if now - t <= self._window_s] + [now]
        failed = error.processor or self.active_service
        if (
            len(self._errors) >= self._threshold
            and failed is self.active_service
            and failed.is_usable
        ):
            self._errors.clear()
            await failed.set_usable(False)
        return await super().handle_error(error)
