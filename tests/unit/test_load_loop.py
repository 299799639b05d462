"""The shared frame clock and the load run's event loop: never early, in order, one timer."""

from __future__ import annotations

import asyncio
import resource
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from voicectl.load.loop import PreciseEpollSelector, ensure_descriptors, load_event_loop
from voicectl.replay.pacing import FrameClock, sleep_until

T = TypeVar("T")


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with asyncio.Runner(loop_factory=load_event_loop) as runner:
        return runner.run(scenario())


def test_waiters_are_released_at_or_after_their_deadline_in_deadline_order() -> None:
    async def scenario() -> list[tuple[int, float]]:
        clock = FrameClock.of(asyncio.get_running_loop())
        base = time.monotonic() + 0.02
        released: list[tuple[int, float]] = []

        async def wait(k: int, deadline: float) -> None:
            await clock.sleep_until(deadline)
            released.append((k, time.monotonic() - deadline))

        # Registered out of order; three share a deadline.
        deadlines = [base + 0.006, base, base + 0.003, base, base]
        await asyncio.gather(*(wait(k, d) for k, d in enumerate(deadlines)))
        return released

    released = run(scenario)
    assert [k for k, _ in released][-2:] == [2, 0]
    assert sorted(k for k, _ in released[:3]) == [1, 3, 4]
    assert all(late >= 0 for _, late in released)


def test_many_waiters_share_one_loop_timer() -> None:
    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        clock = FrameClock.of(loop)
        deadline = time.monotonic() + 0.05
        waiters = [asyncio.create_task(clock.sleep_until(deadline + k * 1e-4)) for k in range(200)]
        await asyncio.sleep(0.01)
        armed = len(loop._scheduled)  # type: ignore[attr-defined]
        waiting = clock.waiting
        await asyncio.gather(*waiters)
        return armed, waiting

    armed, waiting = run(scenario)
    assert waiting == 200
    assert armed <= 2  # the clock's timer (and at most one unrelated loop timer)


def test_a_cancelled_waiter_does_not_hold_up_the_others() -> None:
    async def scenario() -> bool:
        clock = FrameClock.of(asyncio.get_running_loop())
        now = time.monotonic()
        early = asyncio.create_task(clock.sleep_until(now + 0.01))
        later = asyncio.create_task(clock.sleep_until(now + 0.02))
        await asyncio.sleep(0)
        early.cancel()
        await asyncio.wait_for(later, 1.0)
        return early.cancelled() and clock.waiting == 0

    assert run(scenario)


def test_sleep_until_a_past_deadline_returns_without_waiting() -> None:
    async def scenario() -> float:
        started = time.monotonic()
        await sleep_until(started - 1.0)
        return time.monotonic() - started

    assert run(scenario) < 0.005


def test_the_load_loop_waits_a_sub_millisecond_timeout_and_sees_ready_sockets() -> None:
    import selectors

    selector = PreciseEpollSelector(selectors.EpollSelector())
    left, right = socket.socketpair()
    try:
        selector.register(left, selectors.EVENT_READ, "left")
        started = time.monotonic()
        assert selector.select(0.0005) == []
        assert time.monotonic() - started >= 0.0005
        right.send(b"x")
        ready = selector.select(1.0)
        assert [(key.data, events) for key, events in ready] == [("left", selectors.EVENT_READ)]
        assert selector.get_key(left).data == "left"
        selector.unregister(left)
        assert selector.get_map() == {}
    finally:
        selector.close()
        left.close()
        right.close()


def test_descriptor_limit_is_raised_only_as_far_as_allowed() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        assert ensure_descriptors(16) >= 16
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft  # enough already: unchanged
        limit = hard if hard != resource.RLIM_INFINITY else 1 << 20
        assert ensure_descriptors(limit + 1) <= limit
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
