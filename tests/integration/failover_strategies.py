"""A circuit-breaker ServiceSwitcher strategy, as teams write them, for ``--strategy`` tests."""

from __future__ import annotations

import time
from typing import Any

from pipecat.frames.frames import ErrorFrame
from pipecat.pipeline.service_switcher import ServiceSwitcherStrategyFailover

__all__ = ["FailBackToPrimary", "TripAfterErrors"]


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


class FailBackToPrimary(ServiceSwitcherStrategyFailover):
    """Fail over as Pipecat does, and go back to the first service as soon as it is usable again.

    Pipecat 1.14 leaves failback to the application (``on_service_switched``); this is the
    smallest version of it, listening to the primary's ``on_usable_changed``.
    """

    def __init__(self, services: list[Any]) -> None:
        super().__init__(services)
        self._primary = services[0]
        self._primary.add_event_handler("on_usable_changed", self._on_primary_usable)

    async def _on_primary_usable(self, _service: Any, is_usable: bool) -> None:
        if is_usable and self.active_service is not self._primary:
            await self._set_active_if_available(self._primary)
