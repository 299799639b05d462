"""When the fake provider answers with a transcript: a script of (time, text) on the run clock.

Later failover scenarios give the fake given transcripts at given times; the harness builds the
default script from a fixture call (each utterance's text at the moment it ends).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from voicectl.audio.script import Call

__all__ = ["STT_FINAL_LATENCY_S", "ScriptedTranscript", "TranscriptSchedule"]

#: How long after the caller stops a scripted final transcript arrives, as from a real
#: streaming STT (endpointing plus finalisation); after a 0.2 s VAD stop, as in production.
STT_FINAL_LATENCY_S = 0.5


@dataclass(frozen=True)
class ScriptedTranscript:
    """Send ``text`` as a final transcript at ``at_s`` seconds on the run clock."""

    at_s: float
    text: str


@dataclass(frozen=True)
class TranscriptSchedule:
    """Transcripts in time order, optionally repeating every ``repeat_every_s`` seconds."""

    items: tuple[ScriptedTranscript, ...]
    repeat_every_s: float | None = None

    def __post_init__(self) -> None:
        if list(self.items) != sorted(self.items, key=lambda item: item.at_s):
            raise ValueError("transcripts must be in time order")
        if self.repeat_every_s is not None:
            if self.repeat_every_s <= 0:
                raise ValueError("repeat_every_s must be > 0")
            if self.items and self.items[-1].at_s >= self.repeat_every_s:
                raise ValueError("every transcript must fall inside one repeat period")

    @classmethod
    def from_call(
        cls, call: Call, *, repeat: bool = True, latency_s: float = 0.0
    ) -> TranscriptSchedule:
        """Each utterance's text ``latency_s`` after its end (a real STT finalises after the
        speech stops), repeating with the call (the feed loops it)."""
        utterances = call.script.utterances
        items = tuple(ScriptedTranscript(u.end + latency_s, u.text) for u in utterances)
        return cls(items, call.audio.duration_s if repeat and items else None)

    def __iter__(self) -> Iterator[ScriptedTranscript]:
        """Every transcript in time order (endlessly, when repeating)."""
        if not self.items:
            return
        offset = 0.0
        while True:
            for item in self.items:
                yield ScriptedTranscript(offset + item.at_s, item.text)
            if self.repeat_every_s is None:
                return
            offset += self.repeat_every_s
