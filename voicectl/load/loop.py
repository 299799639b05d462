"""The event loop of a load run: microsecond timers, and I/O readiness that does not scan sockets.

``voicectl.replay.loop.precise_event_loop`` waits in ``select()`` for its microsecond timeout,
but ``select()`` hands the kernel every open socket on every wake-up, and a load run wakes
thousands of times a second: at 200 calls that is more CPU than sending the frames, and
``select()`` cannot watch descriptors above 1023 at all. Here readiness comes from ``epoll``
(cost independent of the number of sockets), and the wait is a ``select()`` on the one epoll
descriptor, which keeps the microsecond timeout that ``epoll_wait`` (whole milliseconds) lacks.
"""

from __future__ import annotations

import asyncio
import resource
import select
import selectors
from collections.abc import Callable, Mapping
from typing import Any

from voicectl.replay.loop import precise_event_loop

__all__ = ["PreciseEpollSelector", "ensure_descriptors", "load_event_loop"]

Wait = Callable[[list[int], list[int], list[int], float], Any]


class PreciseEpollSelector(selectors.BaseSelector):
    """An epoll selector whose waits take a microsecond timeout.

    ``epoll`` and ``wait`` are passed in so that a process whose ``select`` module was replaced
    (gevent, under Locust) can hand over the originals.
    """

    def __init__(self, epoll: selectors.BaseSelector, wait: Wait = select.select) -> None:
        self._epoll = epoll
        self._wait = wait
        self._fd = epoll.fileno()  # type: ignore[attr-defined]

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout > 0:
            # Returns when a registered socket is ready or the timeout has passed; epoll then
            # collects the events without waiting.
            self._wait([self._fd], [], [], timeout)
            timeout = 0
        return self._epoll.select(timeout)

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._epoll.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._epoll.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._epoll.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._epoll.get_map()

    def close(self) -> None:
        self._epoll.close()


def load_event_loop() -> asyncio.AbstractEventLoop:
    """A selector event loop on :class:`PreciseEpollSelector` (``select()`` where no epoll)."""
    epoll_selector = getattr(selectors, "EpollSelector", None)
    if epoll_selector is None:  # pragma: no cover - not Linux
        return precise_event_loop()
    return asyncio.SelectorEventLoop(PreciseEpollSelector(epoll_selector()))


def ensure_descriptors(needed: int) -> int:
    """Raise this process's soft open-file limit towards ``needed`` (up to the hard limit).

    Every call holds a socket; the common soft limit of 1024 would refuse a 1000-call run.
    Returns the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return needed if soft == resource.RLIM_INFINITY else int(soft)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)
