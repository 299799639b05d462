"""The carrier stops reading its socket mid-reply, planned and observed.

Plain data (no Pipecat, socket or web-server library): :func:`voicectl.conversation.slow_reader.run_slow_reader`
fills it, the judges in :mod:`voicectl.checks.slow_reader` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voicectl.outcome.call import CallOutcome, TurnResult
from voicectl.outcome.conversation import DirectedCall

__all__ = ["LogLine", "SlowReaderPlan", "SlowReaderResult"]


@dataclass(frozen=True)
class LogLine:
    """A warning-or-worse line of the bot's log, at monotonic ``wall`` (None: not known)."""

    wall: float | None
    level: str
    text: str


@dataclass(frozen=True)
class SlowReaderPlan:
    """When the carrier stops reading, for how long (None: it never reads again), and bounds."""

    into_reply_s: float = 1.0  # stop reading this far into the bot's reply
    stall_s: float | None = 8.0
    hangup_after_s: float = 15.0  # never reading again: tear the socket down after this long
    recv_buffer_bytes: int = 4096
    wait_for_reply_s: float = 10.0
    drain_wait_s: float = 60.0  # after reading again, for the rest of the reply to play out
    answer_wait_s: float = 8.0
    pipeline_wait_s: float = 10.0  # after the hang-up, for the in-process bot's pipeline


@dataclass
class SlowReaderResult:
    """What the carrier saw, in call seconds, and what the bot showed of itself."""

    plan: SlowReaderPlan
    call: DirectedCall
    question: TurnResult | None = None
    reply_started: float | None = None
    stopped_at: float | None = None  # call second the carrier stopped reading
    stopped_wall: float | None = None
    mid_reply: bool = False  # bot audio was flowing when the carrier stopped reading
    unread: list[tuple[float, int]] = field(default_factory=list)  # (s into the stall, bytes)
    receive_buffer_bytes: int | None = None  # the kernel's SO_RCVBUF on the carrier's socket
    resumed_at: float | None = None
    backlog_s: float = 0.0  # seconds of bot audio that arrived in the first second of reading
    after: TurnResult | None = None  # the caller's next utterance, once the reply played out
    hung_up_wall: float | None = None
    log: list[LogLine] | None = None  # None: the bot's log is not visible (a bot at --url)
    pipeline_end_s: float | None = None  # hang-up -> the bot's pipeline finished
    leftover_tasks: list[str] | None = None  # None: not visible from here
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome

    @property
    def window_closed_s(self) -> float | None:
        """Seconds into the stall after which the unread bytes stopped growing (the carrier's
        receive window closed on the bot), if they reached half the receive buffer and then
        held for at least a second; None: the buffer never filled."""
        if not self.unread or self.receive_buffer_bytes is None:
            return None
        last_t, last_n = self.unread[-1]
        if last_n < self.receive_buffer_bytes // 2:
            return None
        since = next(t for t, n in self.unread if n == last_n)
        return since if last_t - since >= 1.0 else None

    def answer_latency_s(self) -> float | None:
        if self.after is None:
            return None
        end = self.after.utterance.end
        starts = [r.start - end for r in self.outcome.runs if r.start >= end]
        return min(starts, default=None)

    def log_during(self) -> list[LogLine] | None:
        """The bot's warning-or-worse lines from the carrier stopping reading onwards."""
        if self.log is None:
            return None
        start = self.stopped_wall
        return [
            line for line in self.log if start is None or line.wall is None or line.wall >= start
        ]
