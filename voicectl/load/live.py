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
    def __init__(self, run: LoadRun) -> None:
        self.run = run
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
        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in (
            "elapsed s",
            "in progress",
            "started",
            "done",
            "failed",
            "answered",
            "first audio p50 / p95 ms",
            "send error p99 ms (last s)",
            "bot closes",
        ):
            table.add_column(column, justify="right")
        if latencies:
            p50, p95 = np.percentile(latencies, [50, 95]) * 1000
            first_audio = f"{p50:.0f} / {p95:.0f}"
        else:
            first_audio = "-"
        send = f"{np.percentile(np.concatenate(recent), 99) * 1000:.2f}" if recent else "-"
        table.add_row(
            f"{run.elapsed():.0f}",
            str(len(run.active)),
            str(run.started),
            str(len(run.records)),
            str(self.failed),
            f"{len(latencies)}/{utterances}",
            first_audio,
            send,
            ", ".join(f"{code} x{n}" for code, n in sorted(self.closes.items())) or "-",
        )
        return table


@contextlib.asynccontextmanager
async def live_view(run: LoadRun, console: Console | None) -> AsyncIterator[Any]:
    """Show the run's progress on ``console`` while the block runs (nothing when ``None``)."""
    if console is None:
        yield None
        return
    view = _LoadView(run)
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
