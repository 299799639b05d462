"""Watch a bot's pipeline from outside and stamp what it perceived on the call's audio clock."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    MetricsFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.metrics.metrics import TurnMetricsData
from pipecat.observers.base_observer import (
    BaseObserver,
    FrameProcessed,
    FramePushed,
    ProcessorSetUp,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.utils.asyncio.task_manager import BaseTaskManager

from voicectl.outcome.perception import BotPerception, PerceivedEvent

__all__ = ["ObserverGroup", "PerceptionObserver"]

_KINDS: dict[type[Frame], str] = {
    VADUserStartedSpeakingFrame: "vad_start",
    VADUserStoppedSpeakingFrame: "vad_stop",
    UserStartedSpeakingFrame: "turn_start",
    UserStoppedSpeakingFrame: "turn_end",
    BotStartedSpeakingFrame: "bot_start",
    BotStoppedSpeakingFrame: "bot_stop",
    InterruptionFrame: "interruption",
}


class PerceptionObserver(BaseObserver):
    """Record VAD, turn, bot-speech, interruption, DTMF and error frames once, at their origin.

    Each event is stamped with the caller audio its processor had handled when it happened
    (``audio_t``): every processor's pushes of ``InputAudioRawFrame`` are counted separately,
    so a VAD decision made while the pipeline is still catching up with audio that arrived in a
    burst (``--fast``) is stamped where the VAD was, not where the transport was. That makes
    real-time and fast runs, and runs at different pipeline rates, directly comparable.
    """

    def __init__(self, perception: BotPerception | None = None) -> None:
        super().__init__(observe_every_push=True)
        self.perception = perception or BotPerception()
        self._t0 = time.monotonic()
        self.perception.wall_origin = self._t0
        self._audio_by_source: dict[int, float] = {}

    def audio_pushed_by(self, processor: object) -> float:
        """Seconds of caller audio ``processor`` has passed on (its own position in the call)."""
        return self._audio_by_source.get(id(processor), 0.0)

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        perception = self.perception
        source = id(data.source)
        if isinstance(frame, InputAudioRawFrame):
            seconds = len(frame.audio) / (2 * frame.num_channels * frame.sample_rate)
            self._audio_by_source[source] = self._audio_by_source.get(source, 0.0) + seconds
            perception.processed_s = min(self._audio_by_source.values())
            if data.first_push:
                perception.input_rate = frame.sample_rate
                perception.audio_in_s += seconds
            return
        if not data.first_push:
            return
        kind = _KINDS.get(type(frame))
        detail = ""
        if kind is None and isinstance(frame, ErrorFrame):
            kind, detail = "error", frame.error
        if kind is None and isinstance(frame, InputDTMFFrame):
            kind, detail = "dtmf", str(frame.button.value)
        if kind is None and isinstance(frame, TranscriptionFrame):
            kind, detail = "transcript", frame.text
        if kind is None and isinstance(frame, MetricsFrame):
            turn = next((d for d in frame.data if isinstance(d, TurnMetricsData)), None)
            if turn is None:
                return
            kind = "turn_prediction"
            detail = f"{'complete' if turn.is_complete else 'incomplete'} p={turn.probability:.3f}"
        if kind is None:
            return
        # Broadcast frames travel both ways; count each once.
        if (
            kind not in ("error", "turn_prediction")
            and data.direction is not FrameDirection.DOWNSTREAM
        ):
            return
        audio_t = self._audio_by_source.get(source)
        if kind == "turn_prediction":
            # The model judged the speech that ended at the last VAD stop; stamp it there, not
            # where the audio had got to by the time inference finished.
            stops = perception.of_kind("vad_stop")
            audio_t = stops[-1].audio_t if stops else audio_t
        if audio_t is None:  # e.g. the output transport: as far as the whole pipeline has got
            audio_t = min(self._audio_by_source.values(), default=perception.audio_in_s)
        perception.events.append(PerceivedEvent(kind, audio_t, time.monotonic() - self._t0, detail))

    def watch_user_idle(self, processor: Any) -> None:
        """Record ``user_idle`` when ``processor``'s ``on_user_turn_idle`` fires (Pipecat's
        user idle timeout: an event, not a frame)."""

        async def on_user_turn_idle(_processor: object) -> None:
            audio_t = min(self._audio_by_source.values(), default=self.perception.audio_in_s)
            self.perception.events.append(
                PerceivedEvent("user_idle", audio_t, time.monotonic() - self._t0)
            )

        processor.add_event_handler("on_user_turn_idle", on_user_turn_idle)


class ObserverGroup(BaseObserver):
    """Several observers behind one of the pipeline worker's observer queues.

    Pipecat's ``WorkerObserver`` gives every observer its own queue and task and hands each of
    them every frame every processor handles and pushes: for a call's ~3 000 caller frames
    through a full bot's eight stages, each extra observer costs ~50 000 queue hand-offs. The
    group takes one queue and calls its members in order, each told exactly what the worker
    would tell it alone (a member that watches first pushes only hears first pushes only).
    """

    def __init__(self, observers: Sequence[BaseObserver]) -> None:
        self.members = list(observers)
        super().__init__(observe_every_push=any(o.observe_every_push for o in self.members))

    async def setup(self, task_manager: BaseTaskManager) -> None:
        await super().setup(task_manager)
        for observer in self.members:
            await observer.setup(task_manager)

    async def cleanup(self) -> None:
        await super().cleanup()
        for observer in self.members:
            try:
                await observer.cleanup()
            except Exception as exc:  # best effort, as Pipecat's worker does
                logger.error(f"Error cleaning up {observer}: {exc}")

    async def on_pipeline_started(self) -> None:
        for observer in self.members:
            await observer.on_pipeline_started()

    async def on_processor_setup(self, data: ProcessorSetUp) -> None:
        for observer in self.members:
            await observer.on_processor_setup(data)

    async def on_process_frame(self, data: FrameProcessed) -> None:
        for observer in self.members:
            await observer.on_process_frame(data)

    async def on_push_frame(self, data: FramePushed) -> None:
        for observer in self.members:
            if data.first_push or observer.observe_every_push:
                await observer.on_push_frame(data)
