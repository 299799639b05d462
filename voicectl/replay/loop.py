"""An event loop whose timers wake on time: pacing 20 ms frames needs sub-millisecond wake-ups.

asyncio's default loop on Linux waits in ``epoll``, whose timeout is whole milliseconds: Python
rounds every timer up to the next millisecond, so a frame due at 20.0 ms leaves at up to 21 ms
(measured send-time error median 0.80 ms). ``select()`` takes microseconds (median 0.31 ms on
the same machine). It scans every socket on each wake-up and handles at most 1024 descriptors,
which is plenty for replays and for load runs of a few hundred calls.
"""

from __future__ import annotations

import asyncio
import selectors

__all__ = ["precise_event_loop"]


def precise_event_loop() -> asyncio.AbstractEventLoop:
    """A selector event loop on ``select()`` (microsecond timer resolution)."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())
