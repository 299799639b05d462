"""Caller faults, planned and observed: key presses, backchannels, silence, media gaps.

Plain data (no Pipecat, socket or web-server library): the runs in :mod:`voicectl.conversation`
fill the results, the judges in :mod:`voicectl.checks.caller_faults` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voicectl.outcome.call import CallOutcome, DtmfPress, TurnResult
from voicectl.outcome.conversation import DirectedCall
from voicectl.outcome.perception import PerceivedEvent

__all__ = [
    "BackchannelPlan",
    "BackchannelResult",
    "DtmfEntry",
    "DtmfResult",
    "MediaGapPlan",
    "MediaGapResult",
    "SentBackchannel",
    "SilencePlan",
    "SilenceResult",
]


@dataclass(frozen=True)
class BackchannelPlan:
    """Which acknowledgements the caller makes, how far into the bot's reply, and the barge-in."""

    kinds: tuple[str, ...] = ("mm-hmm", "oh")
    into_reply_s: tuple[float, ...] = (1.0, 2.2)
    barge_in_s: float = 3.6  # a real barge-in (the caller's next utterance) this far into the reply
    wait_for_reply_s: float = 10.0
    answer_wait_s: float = 6.0


@dataclass(frozen=True)
class SentBackchannel:
    """One acknowledgement on the caller's line, in call seconds."""

    kind: str
    start: float
    end: float
    bot_talking: bool  # bot audio was flowing when it began


@dataclass
class BackchannelResult:
    """What happened around the acknowledgements and the barge-in."""

    plan: BackchannelPlan
    call: DirectedCall
    first: TurnResult | None = None
    reply_started: float | None = None
    sent: list[SentBackchannel] = field(default_factory=list)
    barge: TurnResult | None = None
    barge_bot_talking: bool = False
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome


@dataclass(frozen=True)
class DtmfEntry:
    """Which keys the caller presses, how, and when."""

    digits: str
    inband: bool = False
    at_s: float = 1.0  # line silence before the first key
    tone_s: float = 0.1  # each key press (in-band: the tone's length)
    gap_s: float = 0.15  # between key presses
    settle_s: float = 2.0  # line silence after the last key, before hanging up


@dataclass
class DtmfResult:
    """The keys sent and, with an inside view, the keys the bot's pipeline received."""

    entry: DtmfEntry
    call: DirectedCall

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome

    @property
    def sent(self) -> list[DtmfPress]:
        return self.call.outcome.dtmf_sent

    @property
    def received(self) -> list[PerceivedEvent] | None:
        """DTMF frames the bot's pipeline produced, in order; None without an inside view."""
        perception = self.call.perception
        return None if perception is None else perception.of_kind("dtmf")

    def received_wall(self, event: PerceivedEvent) -> float:
        """Monotonic time the bot's pipeline produced ``event``."""
        assert self.call.perception is not None
        return self.call.perception.wall_origin + event.wall_t


@dataclass(frozen=True)
class MediaGapPlan:
    """Where the caller's media stops, for how long (None: for good), and how long to listen."""

    into_utterance_s: float = 1.0
    gap_s: float | None = 5.0
    listen_s: float = 12.0  # after the gap began, when media never resumes
    # After the media resumes, the caller waits for the bot's reply (or until this long after the
    # gap began) before speaking again, so the next utterance never races the turn's end.
    turn_wait_s: float = 8.0
    answer_wait_s: float = 8.0
    # When media never resumes: after the bot's answer (or the turn's end), how long the caller
    # keeps the silent line open for the bot's idle handling (a check-in or a hang-up).
    idle_wait_s: float = 8.0


@dataclass
class MediaGapResult:
    """The gap and what the bot did, in call seconds (and monotonic time of the gap's start)."""

    plan: MediaGapPlan
    call: DirectedCall
    cut: TurnResult | None = None  # the utterance the gap cut
    gap_start: float | None = None
    gap_start_wall: float | None = None
    after: TurnResult | None = None  # the caller's next utterance, once media resumed
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome

    def turn_end_after_gap_s(self) -> float | None:
        """Inside view: seconds from the gap's start to the bot ending the caller's turn."""
        perception = self.call.perception
        if perception is None or self.gap_start_wall is None:
            return None
        ends: list[PerceivedEvent] = perception.of_kind("turn_end")
        walls = [perception.wall_origin + e.wall_t - self.gap_start_wall for e in ends]
        after = [w for w in walls if w >= 0]
        return min(after, default=None)

    def reply_after_gap_s(self) -> float | None:
        """Carrier side: seconds from the gap's start to the first bot audio after it."""
        if self.gap_start is None:
            return None
        starts = [r.start - self.gap_start for r in self.outcome.runs if r.start >= self.gap_start]
        return min(starts, default=None)

    @property
    def reply_end(self) -> float | None:
        """Call second the bot's first voiced audio after the gap's start (its answer) ended."""
        if self.gap_start is None:
            return None
        gap = self.gap_start
        return min((r.end for r in self.outcome.runs if r.start >= gap and r.voiced), default=None)

    def idle_since(self) -> tuple[float, str] | None:
        """When the line went idle for the bot, in call seconds, and what that moment was: its
        answer's end, else (inside view) the turn's end, else the media's stop."""
        if self.gap_start is None:
            return None
        if self.reply_end is not None:
            return self.reply_end, "its answer ended"
        turn_end = self.turn_end_after_gap_s()
        if turn_end is not None:
            return self.gap_start + turn_end, "it ended the caller's turn"
        return self.gap_start, "the caller's media stopped"

    def spoke_again_at(self, since: float) -> float | None:
        """Start of the first voiced bot audio after ``since`` (digital silence is not speech)."""
        starts = [r.start for r in self.outcome.runs if r.start > since + 0.01 and r.voiced]
        return min(starts, default=None)

    @property
    def bot_ended_call_at(self) -> float | None:
        """Call second at which the bot closed the call, if it did."""
        return self.outcome.duration_s if self.outcome.closed_by_bot else None

    def user_idle_at(self) -> list[float] | None:
        """Inside view: call seconds Pipecat's ``on_user_turn_idle`` fired (None: no view)."""
        perception = self.call.perception
        if perception is None or self.gap_start is None or self.gap_start_wall is None:
            return None
        origin = perception.wall_origin - self.gap_start_wall + self.gap_start
        return [origin + e.wall_t for e in perception.of_kind("user_idle")]


@dataclass(frozen=True)
class SilencePlan:
    """How long the caller stays silent after the bot's reply ends."""

    listen_s: float = 12.0  # silence after the reply, before the caller hangs up
    wait_for_reply_s: float = 10.0


@dataclass
class SilenceResult:
    """The bot's reply and what it did in the silence that followed, in call seconds."""

    plan: SilencePlan
    call: DirectedCall
    question: TurnResult | None = None
    reply_end: float | None = None  # the bot's answer to the question ended
    note: str = ""

    @property
    def outcome(self) -> CallOutcome:
        return self.call.outcome

    @property
    def spoke_again_at(self) -> float | None:
        """Start of the first bot audio after the reply (a check-in, a prompt, a goodbye);
        digital silence (what Pipecat writes after an EndFrame) is not speaking."""
        if self.reply_end is None:
            return None
        starts = [
            run.start
            for run in self.outcome.runs
            if run.start > self.reply_end + 0.01 and run.voiced
        ]
        return min(starts, default=None)

    @property
    def bot_ended_call_at(self) -> float | None:
        """Call second at which the bot closed the call, if it did."""
        return self.outcome.duration_s if self.outcome.closed_by_bot else None
