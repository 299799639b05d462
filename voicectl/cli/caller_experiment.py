"""One run for the commands that place one call at a bot and fault the caller's side.

A command checks its options, then fills a :class:`CallerSide` (which bot, carrier, recording
and line) and a :class:`CallerFaultExperiment` (its report args, its call, its pure judges, its
timeline); :func:`run_caller_experiment` does the rest once: the report and its args, gating,
the bot under test started around the call, its inside view, the judged checks and
``carrier.protocol`` (when the bot sent anything and the command did not judge it itself), the
timeline, the ``--line`` table, and :func:`~voicectl.cli.common.execute`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.cli.bot_target import BotTarget, bot_target, describe_bot
from voicectl.cli.common import Outputs, execute, prepare_gating
from voicectl.outcome.call import CallOutcome
from voicectl.report import Report

if TYPE_CHECKING:
    from voicectl.audio.script import Call
    from voicectl.replay.line import LineSpec
    from voicectl.report.model import Check

__all__ = [
    "CallResult",
    "CallerFaultExperiment",
    "CallerSide",
    "run_caller_experiment",
    "see_directed_call",
]


class CallResult(Protocol):
    """What every caller-fault run returns: the call's outcome as the caller saw it."""

    @property
    def outcome(self) -> CallOutcome: ...


R = TypeVar("R", bound=CallResult)


@dataclass(frozen=True)
class CallerSide:
    """The checked options every caller-fault command shares."""

    url: str | None
    carrier: str
    bot: Any  # the bot under test from --bot-cmd, or None
    reference: Any  # the reference bot's config (its description in args.bot), or None
    call: Call | None = None  # the caller's recording (args.audio; its texts feed --bot-cmd fakes)
    line: LineSpec | None = None
    line_option: bool = True  # the command takes --line (args.line records it)

    def directed(
        self, run_call: Callable[..., Awaitable[R]], plan: object
    ) -> Callable[[BotTarget], Awaitable[R]]:
        """The usual run: ``run_call(call, plan, url=, carrier=, bot_config=, line=)`` at the
        target (``bot_config``, the reference bot's, is used only when it serves the call)."""

        async def run(target: BotTarget) -> R:
            return await run_call(
                self.call,
                plan,
                url=target.url,
                carrier=self.carrier,
                bot_config=self.reference,
                line=self.line,
            )

        return run


async def see_directed_call(target: BotTarget, report: Report, result: Any) -> None:
    """The usual inside view: the bot's perception of ``result.call`` (a directed call)."""
    await target.see_inside(result.call, report)


@dataclass(frozen=True)
class CallerFaultExperiment(Generic[R]):
    """What one caller-fault command does that the others do not."""

    command: str
    args: Mapping[str, object]  # the report args between ``carrier`` and ``audio``
    run: Callable[[BotTarget], Awaitable[R]]  # the call (the only I/O)
    judge: Callable[[R], Sequence[Check]]  # pure: the result's checks
    timeline: Callable[[Report, R], None]  # tables, events and metrics of the result
    # after the call, with the bot still up (None: nothing to look at)
    look_inside: Callable[[BotTarget, Report, R], Awaitable[None]] | None = see_directed_call
    recordings: bool = False  # fingerprint the caller's recording in args.recordings
    line_label: str = "call"


def run_caller_experiment(
    side: CallerSide,
    experiment: CallerFaultExperiment[R],
    outputs: Outputs,
    trials: int = 1,
    baseline: Path | None = None,
) -> None:
    """Build the report, run the experiment against the bot ``side`` names, judge it, exit."""
    args: dict[str, Any] = {"url": side.url, "carrier": side.carrier, **experiment.args}
    if side.call is not None:
        args["audio"] = side.call.audio.source
        if experiment.recordings:
            from voicectl.report.compare import recording_fingerprints

            args["recordings"] = recording_fingerprints([side.call.audio.source])
    args["bot"] = describe_bot(side.bot, side.url, side.reference)
    if side.line_option:
        args["line"] = None if side.line is None else side.line.to_json()
    report = Report(command=experiment.command, args=args)
    gating = prepare_gating(report, trials, baseline)
    texts = [u.text for u in side.call.script.utterances] if side.call is not None else []

    async def work(report: Report) -> None:
        async with bot_target(side.bot, report, side.url, texts) as target:
            result = await experiment.run(target)
            if experiment.look_inside is not None:
                await experiment.look_inside(target, report, result)
        checks = list(experiment.judge(result))
        protocol = result.outcome.protocol
        judged = any(c.id == "carrier.protocol" for c in checks)
        if protocol is not None and protocol.messages and not judged:
            checks.append(judge_carrier_protocol("call", protocol))
        report.extend_checks(checks)
        experiment.timeline(report, result)
        if side.line is not None:
            from voicectl.replay.runner import add_line_table

            add_line_table(side.line, [(experiment.line_label, result.outcome)], report)

    execute(report, outputs, gating.wrap(work))
