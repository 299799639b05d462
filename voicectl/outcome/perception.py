"""What a bot's pipeline perceived during one call, stamped on the call's audio clock.

Plain data (no Pipecat): :class:`voicectl.bot.observer.PerceptionObserver` fills it from the
pipeline's frames, the judges in :mod:`voicectl.checks` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BotPerception", "PerceivedEvent"]


@dataclass(frozen=True)
class PerceivedEvent:
    """Something the bot perceived or did; ``audio_t`` is seconds of caller audio received so far."""

    kind: str
    audio_t: float
    wall_t: float
    detail: str = ""


@dataclass
class BotPerception:
    """Everything one call's bot perceived, in order."""

    events: list[PerceivedEvent] = field(default_factory=list)
    audio_in_s: float = 0.0
    processed_s: float = 0.0
    """Seconds of caller audio every audio-passing stage had passed on: how far the pipeline got."""
    input_rate: int = 0
    wall_origin: float = 0.0  # monotonic time that ``wall_t`` counts from

    def of_kind(self, kind: str) -> list[PerceivedEvent]:
        return [e for e in self.events if e.kind == kind]

    def predictions(self) -> list[tuple[float, float]]:
        """End-of-turn model predictions as (audio_t, probability of "complete")."""
        return [
            (e.audio_t, float(e.detail.rsplit("=", 1)[1])) for e in self.of_kind("turn_prediction")
        ]

    def speech_segments(self) -> list[tuple[float, float]]:
        """VAD speech segments as (start, end) on the audio clock."""
        segments: list[tuple[float, float]] = []
        start: float | None = None
        for event in self.events:
            if event.kind == "vad_start" and start is None:
                start = event.audio_t
            elif event.kind == "vad_stop" and start is not None:
                segments.append((start, event.audio_t))
                start = None
        if start is not None:
            segments.append((start, self.audio_in_s))
        return segments
