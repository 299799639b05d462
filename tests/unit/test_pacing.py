"""Pacing schedule maths: deadlines come from the frame index, so drift cannot accumulate."""

from __future__ import annotations

import asyncio
import time

from voicectl.outcome.call import SendTimeStats
from voicectl.replay.pacing import PacingSchedule, sleep_until


def test_deadlines_are_exact_multiples_of_the_frame_after_ten_minutes() -> None:
    schedule = PacingSchedule(start=1000.0, frame_s=0.020)
    frames_in_ten_minutes = 30_000
    assert schedule.due(frames_in_ten_minutes) - schedule.start == 600.0
    # Summing 30 000 steps of 0.02 drifts; indexing does not.
    summed = 1000.0
    for _ in range(frames_in_ten_minutes):
        summed += 0.020
    assert (
        abs(schedule.due(frames_in_ten_minutes) - 1600.0) < abs(summed - 1600.0) or summed == 1600.0
    )
    assert schedule.due(frames_in_ten_minutes) == 1600.0


def test_a_late_frame_does_not_delay_the_next_deadline() -> None:
    schedule = PacingSchedule(start=0.0, frame_s=0.020)
    late_send = schedule.due(10) + 0.015
    assert schedule.due(11) == 0.22
    assert schedule.index_at(late_send) == 10


def test_index_at_inverts_due() -> None:
    schedule = PacingSchedule(start=5.0)
    for index in (0, 1, 49, 50, 12_345):
        assert schedule.index_at(schedule.due(index) + 1e-9) == index


def test_send_time_stats_summarise_in_milliseconds() -> None:
    stats = SendTimeStats()
    for error in [0.0001] * 98 + [0.002, 0.004]:
        stats.add(error)
    summary = stats.summary_ms()
    assert summary["frames"] == 100
    assert abs(summary["p50_ms"] - 0.1) < 1e-9
    assert summary["max_ms"] == 4.0
    assert SendTimeStats().summary_ms() == {"frames": 0}


def test_sleep_until_returns_at_or_after_the_deadline() -> None:
    async def run() -> float:
        deadline = time.monotonic() + 0.03
        await sleep_until(deadline)
        return time.monotonic() - deadline

    assert 0.0 <= asyncio.run(run()) < 0.05
