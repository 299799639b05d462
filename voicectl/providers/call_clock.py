"""Which of the call's utterances an STT fake just heard, by the call's clock (sans-I/O).

An STT fake counts the utterances it hears on a connection, but a bot opens several: a backup
STT its ``ServiceSwitcher`` switches to mid-call, a primary that reconnects after a drop. Each
would start again at the call's first text. When voicectl places a real-time call it knows when
the call began and where its utterances are (the call's script: start/end seconds), so it tells
the fake set (:meth:`CallClock.begin`); a connection then names an utterance by the call's time:

* at the start of speech: the utterance that began last, no later than ``SLACK_S`` after now,
  and that ended at most ``tolerance_s`` ago;
* at the end of speech: the utterance whose end is closest before now (``SLACK_S`` either side
  of the sidecar's boundary), at most ``tolerance_s`` ago.

``tolerance_s`` is the fake's endpointing silence (the detector hears an end that long after
the last voiced frame) plus ``TRANSPORT_S`` for the bot's audio path to the fake. With no call
begun (``voicectl fakes`` serving a bot the user runs, ``load`` with concurrent calls,
``--fast`` where the caller's audio is not on the wall clock) or no utterance in reach, the
answer is ``None`` and the connection falls back to counting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

__all__ = ["SLACK_S", "TRANSPORT_S", "CallClock", "tolerance_for"]

#: Sidecar boundaries against the detector's: leading/trailing quiet inside a span.
SLACK_S = 0.25
#: The bot's audio path from the caller to the STT fake (carrier frames, Pipecat's input
#: transport, the STT service's send), beyond the fake's own endpointing silence. Measured on
#: the example bot's revoked-key run (order_status.wav, both Deepgram fakes): the fakes heard
#: each of the 5 utterances begin 0.04-0.11 s after the sidecar's start, of which 0.06 s is
#: the detector's minimum speech, so the audio path adds well under 0.1 s; 0.5 s leaves room
#: for a loaded machine while staying under the shortest gap between the bundled recordings'
#: utterances (2.57 s).
TRANSPORT_S = 0.5


class CallClock:
    """The current call's start (on ``clock``) and its utterances' call-time spans."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started: float | None = None
        self.spans: tuple[tuple[float, float], ...] = ()
        self.texts: tuple[str, ...] = ()

    def begin(
        self,
        spans: Sequence[tuple[float, float]],
        texts: Sequence[str] = (),
        started: float | None = None,
    ) -> None:
        """A call begins (now, or at ``started`` on the clock) with these utterance spans and
        (when known) their texts."""
        self.started = self.clock() if started is None else started
        self.spans = tuple((float(s), float(e)) for s, e in spans)
        self.texts = tuple(texts)

    def end(self) -> None:
        """No call is on: connections count utterances again."""
        self.started = None
        self.spans = ()
        self.texts = ()

    def call_s(self) -> float | None:
        """Seconds into the current call, or None when none is on."""
        return None if self.started is None else self.clock() - self.started

    def utterance_starting(self, tolerance_s: float) -> int | None:
        """Index of the utterance whose speech a detector hears begin now (see the module)."""
        now = self.call_s()
        if now is None:
            return None
        found = [
            i
            for i, (start, end) in enumerate(self.spans)
            if start - SLACK_S <= now <= end + tolerance_s
        ]
        return max(found, key=lambda i: self.spans[i][0]) if found else None

    def utterance_ended(self, tolerance_s: float) -> int | None:
        """Index of the utterance whose end a detector hears now (see the module)."""
        now = self.call_s()
        if now is None:
            return None
        found = [
            i for i, (_, end) in enumerate(self.spans) if end - SLACK_S <= now <= end + tolerance_s
        ]
        return max(found, key=lambda i: self.spans[i][1]) if found else None

    def text(self, index: int | None, fallback: Sequence[str]) -> str | None:
        """The text of utterance ``index``: the call's own, else ``fallback``'s (the fake set's
        texts), else None."""
        if index is None:
            return None
        for texts in (self.texts, fallback):
            if index < len(texts):
                return texts[index]
        return None


def tolerance_for(endpoint_ms: float) -> float:
    """How long after an utterance's end a fake with ``endpoint_ms`` silence hears it end."""
    return endpoint_ms / 1000.0 + TRANSPORT_S
