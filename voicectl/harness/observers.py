"""Watching the target from outside its pipeline: errors, usability and what it produced."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from pipecat.frames.frames import ErrorFrame, TranscriptionFrame, TTSAudioRawFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.error_observer import ErrorEvent, ErrorObserver

from voicectl.outcome.journal import ChaosJournal, ErrorRecord

__all__ = ["JournalErrorObserver", "OutputTap", "watch_usable"]


class JournalErrorObserver(ErrorObserver):
    """Pipecat's ``ErrorObserver`` writing each error (where it was raised) into the journal.

    ``ErrorEvent`` has no ``fatal`` flag (deprecated since 1.8, but it still cancels the
    pipeline), so it is read from the frame here and matched to the event in order.
    """

    def __init__(self, journal: ChaosJournal, wall_to_run: Callable[[float], float]) -> None:
        super().__init__()
        self._journal = journal
        self._wall_to_run = wall_to_run
        self._fatal: deque[bool] = deque()
        self.add_event_handler("on_error", self._record)

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, ErrorFrame):
            self._fatal.append(bool(data.frame.fatal))
        await super().on_push_frame(data)

    async def _record(self, observer: ErrorObserver, event: ErrorEvent) -> None:
        fatal = self._fatal.popleft() if self._fatal else False
        self._journal.add_error(
            ErrorRecord(
                t=self._wall_to_run(event.timestamp),
                message=event.message,
                category=str(event.category.value),
                processor=event.processor,
                usable=event.processor_usable,
                exception_type=event.exception_type,
                fatal=fatal,
            )
        )


class OutputTap(BaseObserver):
    """Records the transcripts and TTS audio the target pushes (once per frame, at its origin)."""

    def __init__(self, journal: ChaosJournal, clock: Callable[[], float]) -> None:
        super().__init__(observe_every_push=False)
        self._journal = journal
        self._clock = clock
        self._last_audio = -1.0

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if isinstance(frame, TranscriptionFrame):
            self._journal.add_output(self._clock(), "transcript", frame.text)
        elif isinstance(frame, TTSAudioRawFrame):
            # Audio comes in many small frames: journal the start of each burst.
            now = self._clock()
            if now - self._last_audio > 0.02:
                self._journal.add_output(now, "audio", f"{len(frame.audio)} bytes")
            self._last_audio = now


def watch_usable(processor: Any, journal: ChaosJournal, clock: Callable[[], float]) -> None:
    """Journal every ``on_usable_changed`` of ``processor``."""

    async def on_usable_changed(_: Any, usable: bool) -> None:
        journal.add_usable(clock(), bool(usable))

    processor.add_event_handler("on_usable_changed", on_usable_changed)
