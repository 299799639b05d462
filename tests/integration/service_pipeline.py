"""Run one real Pipecat service (or a few processors) in a real PipelineWorker, and see its output.

``async with running([processors...]) as run:`` starts the worker; ``run.queue(frame)`` feeds it;
``run.frames`` holds ``(monotonic time, frame)`` for every frame that reached the end of the
pipeline; ``await run.wait_for(predicate, timeout)`` waits for one. Teardown is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import Frame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

__all__ = ["Collector", "RunningPipeline", "running"]

_TEARDOWN_S = 10.0


class Collector(FrameProcessor):
    """Records every downstream frame with the time it arrived, and passes it on."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[float, Frame]] = []
        self.arrived = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM:
            self.frames.append((time.monotonic(), frame))
            self.arrived.set()
        await self.push_frame(frame, direction)


@dataclass
class RunningPipeline:
    worker: PipelineWorker
    collector: Collector
    errors: list[str] = field(default_factory=list)

    @property
    def frames(self) -> list[tuple[float, Frame]]:
        return self.collector.frames

    async def queue(self, frame: Frame) -> None:
        await self.worker.queue_frame(frame)

    def of_type(self, cls: type[Any] | tuple[type[Any], ...]) -> list[Any]:
        return [f for _, f in self.frames if isinstance(f, cls)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.collector.arrived.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.1):
                        await self.collector.arrived.wait()
        return True


@contextlib.asynccontextmanager
async def running(
    processors: Sequence[FrameProcessor],
    *,
    sample_rate: int = 16000,
    tail: Sequence[FrameProcessor] = (),
    observers: Sequence[BaseObserver] = (),
) -> AsyncIterator[RunningPipeline]:
    """A worker running ``processors`` then a :class:`Collector` then ``tail``, watched by
    ``observers``."""
    collector = Collector()
    worker = PipelineWorker(
        Pipeline([*processors, collector, *tail]),
        params=PipelineParams(audio_in_sample_rate=sample_rate, audio_out_sample_rate=24000),
        idle_timeout_secs=None,
        cancel_on_idle_timeout=False,
        enable_rtvi=False,
        enable_turn_tracking=False,
        check_dangling_tasks=False,
        observers=list(observers),
    )
    run = RunningPipeline(worker, collector)
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def on_started(_: Any, __: Any) -> None:
        started.set()

    @worker.event_handler("on_pipeline_error")
    async def on_error(_: Any, frame: Any) -> None:
        run.errors.append(str(getattr(frame, "error", frame)))

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(10):
            await started.wait()
        yield run
    finally:
        try:
            async with asyncio.timeout(_TEARDOWN_S):
                await runner.cancel()
                await task
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
