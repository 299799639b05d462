"""``voicectl chaos heartbeat``: Pipecat's heartbeat monitor on a long reply and a stuck pipeline.

The reference bot can be stalled on purpose (``--stall``); a bot at ``--url`` or from
``--bot-cmd`` is judged on its own replies, its ``on_heartbeat_timeout`` seen from inside.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from voicectl.carriers import CarrierName
from voicectl.checks.heartbeat import judge_heartbeat_detects_stall, judge_heartbeat_no_false_alarm
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import bot_target, check_bot_choice
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import AudioOpt, CarrierOpt, UrlOpt, caller_call
from voicectl.cli.common import CallerChannelOpt, Outputs, execute, fail_usage
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.conversation.heartbeat import heartbeats_seen_inside, run_heartbeat
from voicectl.errors import InputError
from voicectl.outcome.conversation import HeartbeatPlan
from voicectl.report import Report

__all__ = ["heartbeat"]


@chaos_app.command("heartbeat")
@with_bot_under_test
@with_report_outputs(timeout_s=180.0)
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
    url: UrlOpt = None,
    carrier: CarrierOpt = CarrierName.TWILIO,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """Pipecat heartbeats: false alarms on a long reply, an alarm when stuck? (seen from inside)"""
    try:
        check_bot_choice(
            url,
            bot,
            {"--reply": reply != 20.0, "--stall": stall > 0, "--no-bot-heartbeats": not heartbeats},
            carrier=carrier.value,
        )
        call = caller_call(audio, 1, caller_channel)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    reference = url is None and bot is None
    plan = HeartbeatPlan(reply_s=reply if reference else None, stall_s=stall, heartbeats=heartbeats)
    report = Report(
        command="chaos heartbeat",
        args={
            "url": url,
            "carrier": carrier.value,
            "reply_s": plan.reply_s,
            "stall_s": stall,
            "heartbeats": heartbeats if reference else None,
            "audio": call.audio.source,
            "bot": bot.describe() if bot else None,
        },
    )

    async def work(report: Report) -> None:
        async with bot_target(bot, report, url, [u.text for u in call.script.utterances]) as target:
            result = await run_heartbeat(call, plan, url=target.url, carrier=carrier.value)
            if target.url is not None:
                worker, why = await target.inside(result.outcome)
                heartbeats_seen_inside(result, worker, why)
                target.judge_faults(report, result.outcome, worker, why)
        if stall > 0:
            report.add_check(judge_heartbeat_detects_stall(result))
        else:
            report.add_check(judge_heartbeat_no_false_alarm(result))
        rows: list[list[object]] = []
        if result.reply is not None:
            rows.append([round(result.reply[0], 2), "bot", "reply starts"])
            rows.append([round(result.reply[1], 2), "bot", "reply ends"])
        if result.stalled_at is not None:
            rows.append([round(result.stalled_at, 2), "bot", f"pipeline stuck for {stall:g} s"])
        for t in result.timeouts:
            rows.append([round(t, 2), "bot", "on_heartbeat_timeout"])
            report.log("bot", "heartbeat_timeout", clock="call", t=t)
        rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
        if rows:
            report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)

    execute(report, outputs_of(outputs), work)
