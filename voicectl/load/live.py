"""The live view of a load run: a progress bar and a table of the figures so far (rich).

Redrawn once a second from the event loop. A redraw is a few milliseconds of work in the
loop that paces the frames, so the view reads only cheap, incremental figures: calls started,
in progress and finished, turns answered so far, and the send-time error of the last second.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from voicectl.load.aggregate import call_failure
from voicectl.load.runner import LoadRun

__all__ = ["live_view"]

_REFRESH_S = 1.0
_RECENT_FRAMES = 50  # one second of frames per call


class _LoadView:
    def __init__(self, run: LoadRun, plain: bool) -> None:
        self.run = run
        self.plain = plain
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        shape = run.plan.shape
        planned = shape.planned_calls()
        self.by_calls = planned is not None
        total = float(planned) if planned is not None else float(shape.duration_s or 1.0)
        self.task = self.progress.add_task("calls", total=total)
        # Finished calls never change: fold them in once.
        self.seen = 0
        self.done_latencies: list[float] = []
        self.done_utterances = 0
        self.failed = 0
        self.closes: dict[int, int] = {}

    def _fold_finished(self) -> None:
        records = self.run.records
        for record in records[self.seen :]:
            outcome = record.outcome
            self.done_latencies += [t.latency_s for t in outcome.turns if t.latency_s is not None]
            self.done_utterances += len(outcome.turns)
            self.failed += call_failure(outcome) is not None
            if outcome.closed_by_bot and outcome.close_code is not None:
                self.closes[outcome.close_code] = self.closes.get(outcome.close_code, 0) + 1
        self.seen = len(records)

    def render(self) -> Group:
        run = self.run
        shape = run.plan.shape
        elapsed = run.elapsed()
        finished = len(run.records)
        if self.by_calls:
            self.progress.update(
                self.task, completed=finished, description=f"{finished} calls done"
            )
        else:
            left = (shape.duration_s or 0.0) - elapsed
            what = f"{left:.0f} s of new calls left" if left > 0 else "finishing calls in progress"
            self.progress.update(
                self.task, completed=min(elapsed, shape.duration_s or 0.0), description=what
            )
        return Group(self.progress, self._table())

    def _table(self) -> Table:
        run = self.run
        self._fold_finished()
        latencies = list(self.done_latencies)
        utterances = self.done_utterances
        recent: list[np.ndarray] = []
        for active in list(run.active.values()):
            outcome = active.call.outcome
            sent = active.call.sent_s
            turns = [t for t in outcome.turns if t.utterance.end <= sent]
            latencies += [t.latency_s for t in turns if t.latency_s is not None]
            utterances += len(turns)
            errors = outcome.pacing.errors
            if errors:
                recent.append(np.asarray(errors[-_RECENT_FRAMES:]))
        if latencies:
            p50, p95 = np.percentile(latencies, [50, 95]) * 1000
            first_audio = f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        else:
            first_audio = "-"
        if recent:
            send = f"p99 {np.percentile(np.concatenate(recent), 99) * 1000:.2f} ms (last second)"
        else:
            send = "-"
        closes = ", ".join(f"{code} x{n}" for code, n in sorted(self.closes.items())) or "none"
        table = Table(box=None, pad_edge=False, show_header=False)
        table.add_column(style="" if self.plain else "cyan")
        table.add_column()
        for name, value in (
            ("calls", f"{len(run.active)} in progress, {run.started} started, "
             f"{len(run.records)} done, {self.failed} failed"),
            ("answered", f"{len(latencies)}/{utterances} utterances"),
            ("first audio", first_audio),
            ("send-time error", send),
            ("bot-side closes", closes),
        ):  # fmt: skip
            table.add_row(name, value)
        return table


@contextlib.asynccontextmanager
async def live_view(run: LoadRun, console: Console | None) -> AsyncIterator[Any]:
    """Show the run's progress on ``console`` while the block runs (nothing when ``None``)."""
    if console is None:
        yield None
        return
    view = _LoadView(run, plain=console.no_color)
    with Live(view.render(), console=console, auto_refresh=False, transient=True) as live:

        async def redraw() -> None:
            while True:
                await asyncio.sleep(_REFRESH_S)
                live.update(view.render(), refresh=True)

        task = asyncio.create_task(redraw())
        try:
            yield live
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
