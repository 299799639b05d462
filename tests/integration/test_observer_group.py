"""``ObserverGroup``: its members hear, through one worker queue, what each would hear alone."""

from __future__ import annotations

from pipecat.frames.frames import TextFrame
from pipecat.observers.base_observer import BaseObserver, FrameProcessed, FramePushed
from service_pipeline import Collector, running

from voicectl.bot.observer import ObserverGroup


class _Recorder(BaseObserver):
    def __init__(self, *, every_push: bool) -> None:
        super().__init__(observe_every_push=every_push)
        self.pushes: list[tuple[str, str, bool]] = []
        self.processed: list[tuple[str, str]] = []
        self.started = 0

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, TextFrame):
            self.pushes.append((data.frame.text, data.source.name, data.first_push))

    async def on_process_frame(self, data: FrameProcessed) -> None:
        if isinstance(data.frame, TextFrame):
            self.processed.append((data.frame.text, data.processor.name))

    async def on_pipeline_started(self) -> None:
        self.started += 1


async def _watch(observers: list[BaseObserver]) -> None:
    async with running([Collector(), Collector()], observers=observers) as run:
        for text in ("one", "two", "three"):
            await run.queue(TextFrame(text))
        await run.wait_for(lambda: len(run.of_type(TextFrame)) == 3, timeout=10)


def _shape(recorder: _Recorder) -> tuple[list[tuple[str, bool]], list[str]]:
    """What a recorder heard, without the processors' per-instance names."""
    return [(t, first) for t, _, first in recorder.pushes], [t for t, _ in recorder.processed]


async def test_grouped_observers_hear_what_each_hears_alone() -> None:
    every, first = _Recorder(every_push=True), _Recorder(every_push=False)
    await _watch([every, first])
    grouped_every, grouped_first = _Recorder(every_push=True), _Recorder(every_push=False)
    group = ObserverGroup([grouped_every, grouped_first])
    await _watch([group])

    assert group.observe_every_push
    assert _shape(grouped_every) == _shape(every)
    assert _shape(grouped_first) == _shape(first)
    # Every hop for the one, first pushes only for the other, as Pipecat tells them alone.
    assert len(every.pushes) > len(first.pushes) == 3
    assert all(first_push for _, _, first_push in grouped_first.pushes)
    assert grouped_every.started == grouped_first.started == every.started == 1


async def test_a_group_of_first_push_observers_asks_for_first_pushes_only() -> None:
    group = ObserverGroup([_Recorder(every_push=False), _Recorder(every_push=False)])
    assert not group.observe_every_push
