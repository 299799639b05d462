"""Drift-free pacing: frame *i* is due at ``start + i * frame_s``, never at "last send + frame_s"."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FrameClock", "PacingSchedule", "sleep_until"]


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


class FrameClock:
    """One loop timer for every paced sender of an event loop.

    Hundreds of concurrent calls each wait for their next frame. With ``asyncio.sleep`` every
    wait is its own timer handle in the loop's heap; here the waiting senders sit in one heap
    and a single timer is armed for the earliest, so a wake-up releases every frame already due
    in one pass. A sender is released at or after its deadline, never before (as with
    ``asyncio.sleep``); the loop's clock is ``time.monotonic``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> FrameClock:
        """The clock of ``loop`` (created on first use)."""
        clock = _CLOCKS.get(loop)
        if clock is None:
            clock = _CLOCKS[loop] = cls(loop)
        return clock

    @property
    def waiting(self) -> int:
        """Senders waiting now (cancelled waits are dropped at the next wake-up)."""
        return sum(not future.done() for _, _, future in self._waiting)

    async def sleep_until(self, deadline: float) -> None:
        """Return at or after ``deadline`` (``time.monotonic`` seconds)."""
        future: asyncio.Future[None] = self._loop.create_future()
        heapq.heappush(self._waiting, (deadline, next(self._order), future))
        if self._timer is None or deadline < self._timer.when():
            self._arm(deadline)
        await future

    def _arm(self, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(deadline, self._release)

    def _release(self) -> None:
        self._timer = None
        now = time.monotonic()
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            future = heapq.heappop(waiting)[2]
            if not future.done():
                future.set_result(None)
        if waiting:
            self._arm(waiting[0][0])


_CLOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FrameClock] = (
    weakref.WeakKeyDictionary()
)


async def sleep_until(deadline: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Sleep until ``deadline`` on ``clock`` (no busy wait; returns at once if it has passed).

    On the monotonic clock the wait goes through the loop's shared :class:`FrameClock`.
    """
    delay = deadline - clock()
    if delay <= 0:
        return
    if clock is time.monotonic:
        await FrameClock.of(asyncio.get_running_loop()).sleep_until(deadline)
    else:
        await asyncio.sleep(delay)
