"""Drift-free pacing: frame *i* is due at ``start + i * frame_s``, never at "last send + frame_s"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PacingSchedule", "SendTimeStats", "sleep_until"]


@dataclass(frozen=True)
class PacingSchedule:
    """When each frame of a call is due on the monotonic clock.

    Deadlines are computed from the frame index, so a late wake-up delays one frame and never
    the ones after it: the schedule cannot accumulate drift however long the call.
    """

    start: float
    frame_s: float = 0.020

    def due(self, index: int) -> float:
        return self.start + index * self.frame_s

    def index_at(self, now: float) -> int:
        """Index of the last frame due at or before ``now``."""
        return int((now - self.start) // self.frame_s)


async def sleep_until(deadline: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Sleep until ``deadline`` on ``clock`` (asyncio's own timer; no busy wait)."""
    delay = deadline - clock()
    if delay > 0:
        await asyncio.sleep(delay)


@dataclass
class SendTimeStats:
    """Send-time error of paced frames (actual send time minus due time), in seconds."""

    errors: list[float] = field(default_factory=list)

    def add(self, error_s: float) -> None:
        self.errors.append(error_s)

    def summary_ms(self) -> dict[str, float]:
        if not self.errors:
            return {"frames": 0}
        values = np.asarray(self.errors) * 1000.0
        return {
            "frames": int(values.size),
            "p50_ms": float(np.percentile(values, 50)),
            "p99_ms": float(np.percentile(values, 99)),
            "max_ms": float(values.max()),
            "mean_ms": float(values.mean()),
        }
