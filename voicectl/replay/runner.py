"""``voicectl replay``: play calls into a bot at one or more pipeline rates and judge the answers."""

from __future__ import annotations

from voicectl.replay.bot_run import replay_into_bot
from voicectl.replay.plan import CallRun, Progress, ReplayPlan, ReplayResult
from voicectl.replay.reference_run import replay_reference_call
from voicectl.replay.reporting import (
    add_line_table,
    journal_call,
    record_first_audio,
    tabulate,
    tabulate_original_call,
)
from voicectl.replay.verdicts import judge_replay
from voicectl.report.model import Report

__all__ = [
    "CallRun",
    "ReplayPlan",
    "ReplayResult",
    "add_line_table",
    "record_first_audio",
    "run_replay",
]


async def run_replay(
    plan: ReplayPlan, report: Report, progress: Progress | None = None
) -> ReplayResult:
    """Run every call of the plan (at every rate for the reference bot) and fill in ``report``."""
    result = ReplayResult()
    if plan.bot is not None:
        hooked = await replay_into_bot(plan, plan.bot, report, result, progress)
        judge_replay(plan, result, report, hooked=hooked)
        tabulate(plan, result, report)
        return result
    targets: list[int | None] = list(plan.rates) if plan.url is None else [None]
    for rate in targets:
        for call in plan.calls:
            if progress:
                progress(f"{call.name} @ {rate} Hz" if rate else call.name)
            run = await replay_reference_call(plan, call, rate, report)
            result.runs.append(run)
            journal_call(report, run)
    judge_replay(plan, result, report)
    tabulate(plan, result, report)
    tabulate_original_call(plan, report)
    return result
