"""What a replay runs (its plan) and what it brings back (each call's run)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicectl.audio.script import Call
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.checks.replay import REALTIME_ANSWER_BOUND_S
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.perception import BotPerception
from voicectl.replay.call_options import CallOptions
from voicectl.replay.line import LineSpec

if TYPE_CHECKING:
    from voicectl.sut.inside import WorkerView
    from voicectl.sut.session import BotRun, BotUnderTest

__all__ = ["CallRun", "Progress", "ReplayPlan", "ReplayResult"]


@dataclass(frozen=True)
class ReplayPlan:
    """What to replay, against what, how."""

    calls: Sequence[Call]
    rates: Sequence[int] = (8000, 16000)
    url: str | None = None
    carrier: str = "twilio"
    fast: bool = True
    answer_bound_s: float = REALTIME_ANSWER_BOUND_S
    record_dir: Path | None = None
    bot_config: ReferenceBotConfig = field(default_factory=ReferenceBotConfig)
    tail_s: float = 3.0
    stt: str | None = None  # reference bot: a built-in STT target behind a fake provider
    line: LineSpec | None = None  # a bad caller line between the caller and the bot
    bot: BotUnderTest | None = None  # the user's bot as a process (--bot-cmd)
    #: --bot-cmd: run beside each call from its start, cancelled at its end (chaos incidents).
    during_call: Callable[[BotRun, float], Coroutine[Any, Any, None]] | None = None
    answers_judged: bool = True  # replay.bot_answered (chaos runs judge caller impact instead)

    def call_options(self, call: Call, **changes: Any) -> CallOptions:
        """How the caller places ``call`` under this plan (``changes`` override fields)."""
        options = CallOptions(
            url=self.url or "",
            carrier=self.carrier,
            fast=self.fast,
            tail_s=self.tail_s,
            record=self.record_dir is not None,
            seed=call.name,
            line=self.line,
        )
        return replace(options, **changes)


@dataclass
class CallRun:
    """One call at one rate: what the client measured and (reference bot only) what the bot perceived."""

    call: Call
    rate: int | None
    outcome: CallOutcome
    perception: BotPerception | None = None
    inside: WorkerView | None = None  # --bot-cmd: what the bot's own Pipecat reported

    @property
    def label(self) -> str:
        return f"{self.call.name} @ {self.rate} Hz" if self.rate else self.call.name


@dataclass
class ReplayResult:
    runs: list[CallRun] = field(default_factory=list)
    bot_runs: list[BotRun] = field(default_factory=list)  # --bot-cmd: each start, stopped


Progress = Callable[[str], None]
