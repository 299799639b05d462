"""Conversation faults, planned and observed: barge-in, carrier hang-up or close, heartbeats.

Plain data (no Pipecat, socket or web-server library): the runs in :mod:`voicectl.conversation`
fill the results, the judges in :mod:`voicectl.checks` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voicectl.errors import InputError
from voicectl.faults.base import check_close_code, check_close_reason
from voicectl.outcome.call import CallOutcome, HangUp, TurnResult
from voicectl.outcome.function_calls import FunctionCallLog
from voicectl.outcome.perception import BotPerception

__all__ = [
    "HEARTBEAT_MONITOR_S",
    "BargeIn",
    "BargeInResult",
    "CallEnding",
    "CallEndingResult",
    "DirectedCall",
    "HeartbeatPlan",
    "HeartbeatResult",
    "ServedCall",
]


@dataclass
class ServedCall:
    """One call the in-process reference bot served, read once the bot's server had stopped."""

    index: int
    replies: int = 0
    tool_calls_interrupted: int = 0
    error: str | None = None
    started_at: float = 0.0  # monotonic
    client_gone_at: float | None = None  # when the transport saw the caller disconnect
    ended_at: float | None = None  # when the call's pipeline had finished
    leftover_tasks: list[str] = field(default_factory=list)
    finished: bool = False  # the pipeline had finished when this was read
    full_bot: bool = False  # the full bot (function calls, hang-up) served it


@dataclass
class DirectedCall:
    """A directed call and, for the in-process reference bot, what its pipeline perceived."""

    outcome: CallOutcome
    perception: BotPerception | None = None  # None: no inside view (a bot at --url)
    bot_calls: list[ServedCall] = field(default_factory=list)
    unseen: str = ""  # why there is no inside view, when one was sought (--bot-cmd)


@dataclass(frozen=True)
class BargeIn:
    """When the caller talks over the bot."""

    during_reply_s: float | None = 1.0  # this far into the bot's reply...
    at_s: float | None = None  # ...or this many seconds after the first utterance ends
    # ...or this long after the in-process bot ended the caller's turn (inside its function call)
    after_turn_end_s: float | None = None
    # ...or this long after the in-process bot's function call was OBSERVED in progress
    # (FunctionCallInProgressFrame, through Pipecat's FunctionCallObserver)
    into_tool_call_s: float | None = None
    wait_for_reply_s: float = 10.0  # how long to wait for the bot's first reply
    answer_wait_s: float = 8.0  # how long to wait for the answer to the barge-in
    tool_call_wait_s: float = 15.0  # how long to wait for a function call to go in progress


@dataclass
class BargeInResult:
    """What happened around the barge-in, in call seconds."""

    outcome: CallOutcome
    first: TurnResult | None = None
    barge: TurnResult | None = None
    reply_started: float | None = None  # the reply the caller talks over
    onset: float | None = None  # caller speech onset of the barge-in
    bot_audio_at_onset: bool = False
    answer_started: float | None = None  # first run of bot audio starting after the barge-in ends
    note: str = ""
    bot_calls: list[ServedCall] = field(default_factory=list)
    # --during tool-call: the call in progress at the caller's onset, and when it was seen
    during_tool_call: bool = False
    tool_call_id: str | None = None
    tool_call_name: str | None = None
    tool_call_seen_at: float | None = None  # call seconds
    hung_up_by: str | None = None  # tool_call_id of the bot's end_call that ended the call
    function_calls: FunctionCallLog | None = None  # every function-call moment, seen inside
    # the reference bot's assistant aggregator still counted a call in progress at the end
    aggregator_in_progress_at_end: bool | None = None
    # the flows bot: its first node, and the node its FlowManager was in when the call ended
    flow_start_node: str | None = None
    flow_node_at_end: str | None = None


@dataclass(frozen=True)
class CallEnding:
    """How and when the carrier ends the call: ``drop`` (the socket goes, no ``stop``, no close
    frame) or ``close`` (a close frame with ``code`` and ``reason``), mid-utterance at ``at_s``.

    Checked once, here: a code or reason a close frame cannot carry is an :class:`InputError`
    naming ``--code`` or ``--reason``; ``code`` means nothing for a drop."""

    how: HangUp = HangUp.DROP
    at_s: float = 5.0
    code: int = 1000
    reason: str = ""
    close_wait_s: float = 5.0

    def __post_init__(self) -> None:
        if self.how not in (HangUp.DROP, HangUp.CLOSE):
            raise ValueError(f"the carrier ends a call by drop or close, not {self.how!r}")
        if self.how is HangUp.CLOSE:
            try:
                check_close_code(self.code)
            except InputError as exc:
                raise InputError(f"--code: {exc}") from None
            try:
                check_close_reason(self.reason)
            except InputError as exc:
                raise InputError(f"--reason: {exc}") from None

    def describe(self) -> str:
        """``dropped the line`` or ``closed with 1011``."""
        return "dropped the line" if self.how is HangUp.DROP else f"closed with {self.code}"


@dataclass
class CallEndingResult:
    outcome: CallOutcome
    ending: CallEnding
    ended_at_wall: float | None = None  # monotonic time the caller ended the call
    bot_calls: list[ServedCall] = field(default_factory=list)
    unseen: str = ""  # why the bot's pipeline end could not be seen from inside (--bot-cmd)

    @property
    def pipeline_end_s(self) -> float | None:
        """In-process bot: seconds from the caller ending the call to the pipeline finishing."""
        if not self.bot_calls or self.ended_at_wall is None:
            return None
        ended = self.bot_calls[0].ended_at
        return None if ended is None else ended - self.ended_at_wall


HEARTBEAT_MONITOR_S = 10.0  # Pipecat 1.14's heartbeats_monitor_secs default


@dataclass(frozen=True)
class HeartbeatPlan:
    """The reference bot's reply length, an optional stall, and whether heartbeats are on
    (``reply_s`` is None for a bot that is not the reference bot: its replies are its own)."""

    reply_s: float | None = 20.0
    stall_s: float = 0.0  # block the pipeline this long at the caller's turn (0: healthy)
    heartbeats: bool = True


@dataclass
class HeartbeatResult:
    """When the call's ``on_heartbeat_timeout`` fired, in seconds from the call's start."""

    plan: HeartbeatPlan
    outcome: CallOutcome
    timeouts: list[float] = field(default_factory=list)
    stalled_at: float | None = None  # seconds from the call's start
    reply: tuple[float, float] | None = None  # the bot's reply, call seconds
    unseen: str = ""  # why the bot's heartbeat timeouts could not be seen (then: not judged)
