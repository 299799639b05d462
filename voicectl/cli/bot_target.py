"""Which bot a command's call goes to: the in-process reference bot, ``--url``, or ``--bot-cmd``.

Shared by the commands that place one directed call (``chaos dtmf``, ``backchannel``,
``silence``, ``media-gap``, ``heartbeat``): one check of the options, one way to start the
user's bot around the call, one way to read its inside view afterwards.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicectl.cli.applicability import reject_reference_bot_options
from voicectl.errors import InputError
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.conversation import DirectedCall

if TYPE_CHECKING:
    from voicectl.report import Report
    from voicectl.sut.inside import WorkerView
    from voicectl.sut.session import BotRun

__all__ = [
    "NO_INSIDE_AT_URL",
    "BotTarget",
    "bot_target",
    "check_bot_choice",
    "describe_bot",
    "inside_rows",
]

#: Why the inside view is missing for a bot reached by ``--url``.
NO_INSIDE_AT_URL = (
    "a bot at --url gives no inside view (run it with --bot-cmd to see inside a Pipecat bot)"
)


def check_bot_choice(
    url: str | None,
    bot: Any,
    reference_only: Mapping[str, bool] | None = None,
    carrier: str | None = None,
) -> None:
    """``--url`` is a ws:// URL; ``--bot-cmd`` excludes ``--url``; options that shape the
    reference bot are usage errors with either, and so is ``--carrier raw`` without them: the
    reference bot speaks the telephony carriers only (:class:`InputError`)."""
    if carrier == "raw" and url is None and bot is None:
        raise InputError(
            "--carrier raw: the reference bot speaks twilio, telnyx, plivo and exotel, not raw "
            "audio; give --url or --bot-cmd for a raw-audio bot"
        )
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise InputError(f"--url must be a ws:// or wss:// URL, got {url!r}")
    if bot is not None and url is not None:
        raise InputError("--url and --bot-cmd both name the bot: give one")
    given = reference_only or {}
    reject_reference_bot_options(url, given)
    if bot is not None:
        for option, was_given in given.items():
            if was_given:
                raise InputError(
                    f"{option} applies to the reference bot, not to your bot (--bot-cmd)"
                )


def describe_bot(bot: Any, url: str | None, reference: Any) -> str | None:
    """The report's ``args.bot``: the bot command, nothing for ``--url``, or the reference bot
    (nothing when ``reference`` is ``None``)."""
    if bot is not None:
        return str(bot.describe())
    return None if url or reference is None else str(reference.describe())


@dataclass
class BotTarget:
    """Where the call goes: ``url`` (``None``: the in-process reference bot) and, for
    ``--bot-cmd``, the running bot whose own Pipecat reports from inside."""

    url: str | None
    run: BotRun | None = None
    since: float = 0.0  # monotonic time the bot was ready for this call

    async def inside(
        self, outcome: CallOutcome, wait_s: float = 5.0
    ) -> tuple[WorkerView | None, str]:
        """After the call: the bot's pipeline worker for it, or ``None`` and why not.

        A bot that refused the call or died is a harness error (exit 3), as in ``replay``.
        """
        run = self.run
        if run is None:
            return None, "" if self.url is None else NO_INSIDE_AT_URL
        if outcome.error and "rejected the WebSocket handshake" in outcome.error:
            raise run.refused(outcome.error)
        died = run.died()
        if died is not None:
            raise died
        if not run.inside.hooked:
            await run.probe.wait_for(lambda v: v.hooked, run.bot.hook_timeout_s)
            failure = None if run.inside.hooked else run.hook_failure()
            if failure is not None:
                raise failure
        if not run.inside.hooked:
            from voicectl.sut.session import NOT_HOOKED

            return None, NOT_HOOKED
        worker = await run.worker_for_call([], self.since, wait_s)
        if worker is None:
            return None, "the bot's Pipecat reported no pipeline worker for the call"
        return worker, ""

    async def inside_judged(
        self, report: Report, outcome: CallOutcome, wait_s: float = 5.0
    ) -> tuple[WorkerView | None, str]:
        """:meth:`inside`, and the ``--fault``s judged over it (:meth:`judge_faults`)."""
        worker, why = await self.inside(outcome, wait_s)
        self.judge_faults(report, outcome, worker, why)
        return worker, why

    async def see_inside(
        self, directed: DirectedCall, report: Report, wait_s: float = 5.0
    ) -> WorkerView | None:
        """Give a call to ``--url`` or ``--bot-cmd`` the bot's perception from its inside view,
        or the reason it has none (the reference bot's call already has its own); with
        ``--fault``, judge the caller impact of the faults the fakes fired during the call."""
        if self.url is None:
            return None
        worker, why = await self.inside_judged(report, directed.outcome, wait_s)
        if worker is None:
            directed.unseen = why
        else:
            directed.perception = worker.perception()
        return worker

    def judge_faults(
        self,
        report: Report,
        outcome: CallOutcome,
        worker: WorkerView | None,
        why_unseen: str,
    ) -> None:
        """``caller.silence_bounded``, ``call.ended_cleanly`` (and failover.* with a failover
        ServiceSwitcher inside) after the ``--fault``s that fired during the call, as replay does,
        over what the caller said in it."""
        run = self.run
        if run is None or run.fakes is None or not run.bot.faults:
            return
        from voicectl.sut.judge import faults_fired, judge_call_after_faults

        checks = judge_call_after_faults(
            "call",
            None,
            outcome,
            worker,
            faults_fired(run.fakes),
            hooked=run.inside.hooked,
            why_unseen=why_unseen,
            silence_bound_s=run.bot.silence_bound_s,
            said=[turn.utterance for turn in outcome.turns],
        )
        for check in checks:
            report.add_check(check)


@contextlib.asynccontextmanager
async def bot_target(
    bot: Any, report: Report, url: str | None, utterances: Sequence[str] = ()
) -> AsyncIterator[BotTarget]:
    """The target for one call: ``--bot-cmd`` started (its fakes transcribing ``utterances``)
    and stopped on the way out, else ``url`` or the reference bot."""
    if bot is None:
        yield BotTarget(url)
        return
    from voicectl.sut.session import serve_bot

    async with serve_bot(bot, report, utterances=utterances) as run:
        yield BotTarget(run.url, run, time.monotonic())


def inside_rows(directed: DirectedCall, kinds: Mapping[str, str]) -> list[tuple[float, str]]:
    """(call seconds, what) for the ``kinds`` of event the bot's pipeline perceived, e.g.
    ``{"interruption": "pipeline interrupts"}``, for a timeline."""
    perception, t0 = directed.perception, directed.outcome.started_monotonic
    if perception is None or t0 is None:
        return []
    return [
        (round(perception.wall_origin + e.wall_t - t0, 3), kinds[e.kind])
        for e in perception.events
        if e.kind in kinds
    ]
