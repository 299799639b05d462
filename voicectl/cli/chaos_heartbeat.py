"""``voicectl chaos heartbeat``: Pipecat's heartbeat monitor on a long reply and a stuck pipeline.

The reference bot can be stalled on purpose (``--stall``); a bot at ``--url`` or from
``--bot-cmd`` is judged on its own replies, its ``on_heartbeat_timeout`` seen from inside.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.checks.heartbeat import judge_heartbeat_detects_stall, judge_heartbeat_no_false_alarm
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import BotTarget, check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import CallerOptions, with_caller_options
from voicectl.cli.common import Outputs, parse_line_option, usage_errors
from voicectl.cli.report_options import with_report_outputs
from voicectl.conversation.heartbeat import heartbeats_seen_inside, run_heartbeat
from voicectl.conversation.timeline import CallTimeline
from voicectl.outcome.conversation import HeartbeatPlan, HeartbeatResult
from voicectl.report import Report
from voicectl.report.model import Check

__all__ = ["heartbeat"]


@chaos_app.command("heartbeat")
@with_bot_under_test
@with_report_outputs(timeout_s=180.0)
@with_caller_options()
def heartbeat(
    reply: Annotated[
        float,
        typer.Option(
            "--reply", help="Length of the reference bot's reply, seconds.", min=1.0, max=120.0
        ),
    ] = 20.0,
    stall: Annotated[
        float,
        typer.Option(
            "--stall",
            help="Block the reference bot's pipeline this long at the caller's turn (judges heartbeat.detects_stall).",
            min=0.0,
            max=120.0,
        ),
    ] = 0.0,
    heartbeats: Annotated[
        bool,
        typer.Option(
            "--bot-heartbeats/--no-bot-heartbeats", help="PipelineParams(enable_heartbeats=...)."
        ),
    ] = True,
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """Pipecat heartbeats: false alarms on a long reply, an alarm when stuck? (seen from inside)"""
    with usage_errors():
        check_bot_choice(
            caller.url,
            bot,
            {"--reply": reply != 20.0, "--stall": stall > 0, "--no-bot-heartbeats": not heartbeats},
            carrier=caller.carrier.value,
        )
        call = caller.recording(1)
        line_spec = parse_line_option(caller.line)
    reference = caller.url is None and bot is None
    plan = HeartbeatPlan(reply_s=reply if reference else None, stall_s=stall, heartbeats=heartbeats)
    side = caller.side(bot, None, call, line_spec)

    async def run(target: BotTarget) -> HeartbeatResult:
        return await run_heartbeat(
            call, plan, url=target.url, carrier=caller.carrier.value, line=line_spec
        )

    def judge(result: HeartbeatResult) -> list[Check]:
        if stall > 0:
            return [judge_heartbeat_detects_stall(result)]
        return [judge_heartbeat_no_false_alarm(result)]

    args = {
        "reply_s": plan.reply_s,
        "stall_s": stall,
        "heartbeats": heartbeats if reference else None,
    }
    experiment = CallerFaultExperiment(
        "chaos heartbeat", args, run, judge, _timeline, look_inside=_heartbeats_inside
    )
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


async def _heartbeats_inside(target: BotTarget, report: Report, result: HeartbeatResult) -> None:
    """A bot at ``--url`` or from ``--bot-cmd``: its ``on_heartbeat_timeout``s seen from inside."""
    if target.url is not None:
        worker, why = await target.inside_judged(report, result.outcome)
        heartbeats_seen_inside(result, worker, why)


def _timeline(report: Report, result: HeartbeatResult) -> None:
    timeline = CallTimeline(report, digits=2)
    if result.reply is not None:
        timeline.row(result.reply[0], "bot", "reply starts")
        timeline.row(result.reply[1], "bot", "reply ends")
    if result.stalled_at is not None:
        what = f"pipeline stuck for {result.plan.stall_s:g} s"
        timeline.row(result.stalled_at, "bot", what)
    for t in result.timeouts:
        timeline.event(t, "bot", "on_heartbeat_timeout", "heartbeat_timeout")
    if timeline.rows:
        timeline.add_table()
