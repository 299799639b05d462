"""One carrier call as measured from the caller's side: turns, bot audio, clears, closes.

Plain data (no socket or WebSocket library): :func:`voicectl.replay.client.place_call` fills it,
the judges in :mod:`voicectl.checks` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from voicectl.audio.script import Utterance
from voicectl.carriers.conformance import ProtocolLedger

__all__ = [
    "BotAudioRun",
    "CallOutcome",
    "ClearEvent",
    "DtmfPress",
    "HangUp",
    "LineStats",
    "SendTimeStats",
    "TurnResult",
]


class HangUp(StrEnum):
    """How the caller ends a call."""

    STOP = "stop"  # the carrier's stop message, then close 1000
    DROP = "drop"  # the line goes dead: the TCP stream ends, no stop, no close frame
    CLOSE = "close"  # a close frame with a code, no stop
    RESET = "reset"  # the socket torn down at once (a TCP reset with the bot's bytes unread)


@dataclass
class SendTimeStats:
    """Send-time error of paced frames (actual send time minus due time), in seconds."""

    errors: list[float] = field(default_factory=list)

    def add(self, error_s: float) -> None:
        self.errors.append(error_s)

    def summary_ms(self) -> dict[str, float]:
        if not self.errors:
            return {"frames": 0}
        values = np.asarray(self.errors) * 1000.0
        return {
            "frames": int(values.size),
            "p50_ms": float(np.percentile(values, 50)),
            "p99_ms": float(np.percentile(values, 99)),
            "max_ms": float(values.max()),
            "mean_ms": float(values.mean()),
        }


@dataclass
class LineStats:
    """What the line did to one call."""

    frames: int = 0
    lost: int = 0
    concealed: int = 0
    dropped: int = 0
    reordered: int = 0  # frames that arrived after a frame the caller spoke later
    late_max_s: float = 0.0
    bursts: int = 0  # runs of consecutive lost frames
    longest_burst: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "frames": self.frames,
            "lost": self.lost,
            "concealed": self.concealed,
            "dropped": self.dropped,
            "reordered": self.reordered,
            "late_max_ms": round(self.late_max_s * 1000, 1),
            "loss_bursts": self.bursts,
            "longest_burst_frames": self.longest_burst,
        }


@dataclass
class TurnResult:
    """One scripted caller utterance and the bot's answer to it."""

    index: int
    utterance: Utterance
    answered_at: float | None = None  # call seconds of the first bot audio after the utterance
    latency_s: float | None = (
        None  # wall seconds from the utterance's last frame sent to that audio
    )

    @property
    def answered(self) -> bool:
        return self.latency_s is not None


@dataclass
class BotAudioRun:
    """A stretch of continuous bot audio, in call seconds."""

    start: float
    end: float
    messages: int = 0
    cleared: bool = False
    # Any sample above -60 dBFS; False for digital silence (Pipecat's output transport writes
    # 2 s of it after an EndFrame, audio_out_end_silence_secs, before it closes the call).
    voiced: bool = True


@dataclass(frozen=True)
class ClearEvent:
    """A ``clear`` from the bot; only clears that arrive while bot audio flows are barge-ins."""

    t: float
    during_bot_audio: bool


@dataclass(frozen=True)
class DtmfPress:
    """One key the caller pressed: a carrier ``dtmf`` event, or in-band tones in the audio."""

    t: float  # call seconds the event left (in-band: the tone's first sample)
    digit: str
    wall: float  # monotonic time it left, to line it up with what the bot perceived
    inband: bool = False
    duration_s: float = 0.0  # in-band tone length


@dataclass
class CallOutcome:
    """Everything measured on one call."""

    carrier: str
    url: str
    fast: bool
    duration_s: float = 0.0
    wall_s: float = 0.0
    turns: list[TurnResult] = field(default_factory=list)
    runs: list[BotAudioRun] = field(default_factory=list)
    clears: list[ClearEvent] = field(default_factory=list)
    dtmf_sent: list[DtmfPress] = field(default_factory=list)
    media_gaps: list[tuple[float, float | None]] = field(default_factory=list)  # (from, to)
    marks_echoed: int = 0
    media_received: int = 0
    malformed: list[str] = field(default_factory=list)
    underruns: list[tuple[float, float]] = field(default_factory=list)  # (at, gap seconds)
    pacing: SendTimeStats = field(default_factory=SendTimeStats)
    close_code: int | None = None
    close_reason: str = ""
    closed_by_bot: bool = False
    ended_by: HangUp = HangUp.STOP  # how the caller ended the call
    ended_at: float | None = None  # call seconds at which the caller ended it
    close_handshake_s: float | None = None  # caller's close/drop -> bot's side closed
    bot_close_code: int | None = None  # the code in the bot's answering close frame
    messages_after_end: int = 0  # messages the bot sent after the caller ended the call
    media_after_end: int = 0
    error: str | None = None
    unreachable: bool = False  # the call never connected: nothing about the bot was tested
    protocol: ProtocolLedger | None = None  # the bot's messages as the carrier would judge them
    caller_audio: npt.NDArray[np.int16] | None = None
    bot_audio: npt.NDArray[np.int16] | None = None
    wire_rate: int = 8000
    line: LineStats | None = None  # what a --line did to the caller's frames
    started_monotonic: float | None = None  # time.monotonic() at call second 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def barge_in_clears(self) -> list[ClearEvent]:
        return [c for c in self.clears if c.during_bot_audio]
