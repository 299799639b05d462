"""``voicectl chaos slow-reader``: the carrier stops reading its socket mid-reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.checks.slow_reader import (
    judge_slow_reader_cleaned_up,
    judge_slow_reader_log_bounded,
    judge_slow_reader_recovered,
)
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.bot_target import BotTarget, check_bot_choice
from voicectl.cli.caller_experiment import CallerFaultExperiment, run_caller_experiment
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_conversation_common import (
    CallerOptions,
    check_variant_exercised,
    parse_seconds_or_never,
    with_caller_options,
)
from voicectl.cli.common import (
    Outputs,
    parse_line_option,
    usage_errors,
)
from voicectl.cli.report_options import with_report_outputs
from voicectl.conversation.scenarios import wait_until
from voicectl.conversation.slow_reader import log_lines_since, run_slow_reader
from voicectl.conversation.timeline import CallTimeline
from voicectl.errors import InputError
from voicectl.outcome.slow_reader import SlowReaderPlan, SlowReaderResult
from voicectl.report import Report
from voicectl.report.model import Check

if TYPE_CHECKING:
    from voicectl.audio.script import Call
    from voicectl.replay.line import LineSpec
    from voicectl.sut.session import BotRun

__all__ = ["slow_reader"]


@chaos_app.command("slow-reader")
@with_bot_under_test
@with_report_outputs(timeout_s=180.0)
@with_caller_options(variant=True)
def slow_reader(
    stall_s: Annotated[
        str,
        typer.Option(
            "--stall-s",
            help="Seconds the carrier does not read its socket, or 'never' (it tears the "
            "socket down after --hangup-after).",
        ),
    ] = "8",
    into_reply: Annotated[
        float,
        typer.Option(
            "--into-reply", help="Stop reading this many seconds into the bot's reply.", min=0.1
        ),
    ] = 1.0,
    hangup_after: Annotated[
        float,
        typer.Option(
            "--hangup-after",
            help="--stall-s never: seconds without reading before the carrier tears the socket down.",
            min=1.0,
            max=300.0,
        ),
    ] = 15.0,
    recv_buffer: Annotated[
        int,
        typer.Option(
            "--recv-buffer",
            help="SO_RCVBUF of the carrier's socket, bytes (small: its window closes within a second).",
            min=1024,
            max=4 * 1024 * 1024,
        ),
    ] = 4096,
    answer_within: Annotated[
        float,
        typer.Option(
            "--answer-within",
            help="Bound for slow_reader.recovered: the bot answers the next turn, seconds.",
            min=0.1,
        ),
    ] = 6.0,
    max_log_lines: Annotated[
        int,
        typer.Option(
            "--max-log-lines",
            help="Bound for slow_reader.log_bounded: warning/error lines in the bot's log.",
            min=0,
        ),
    ] = 20,
    end_within: Annotated[
        float,
        typer.Option(
            "--end-within",
            help="Bound for slow_reader.cleaned_up: the bot's pipeline ends after the hang-up, seconds.",
            min=0.05,
        ),
    ] = 5.0,
    reply_secs: Annotated[
        float,
        typer.Option(
            "--reply-secs",
            help="Reference bot: length of its reply (it must outlast the stall to fill the buffers).",
            min=1.0,
            max=300.0,
        ),
    ] = 20.0,
    send_buffer: Annotated[
        int | None,
        typer.Option(
            "--bot-send-buffer",
            help="Reference bot: SO_SNDBUF of its call socket, bytes (default: the kernel's, up to 4 MB on Linux).",
            min=1024,
        ),
    ] = None,
    write_timeout: Annotated[
        float,
        typer.Option(
            "--bot-write-timeout",
            help="Reference bot: Pipecat audio_out_write_timeout_secs (1.14 default 10 s).",
            min=0.1,
            max=300.0,
        ),
    ] = 10.0,
    *,
    caller: CallerOptions,
    outputs: Outputs | None = None,
    bot: Any = None,
) -> None:
    """The carrier stops reading its socket mid-reply: does the bot recover, log little, clean up?"""
    reference_only = {
        "--reply-secs": reply_secs != 20.0,
        "--bot-send-buffer": send_buffer is not None,
        "--bot-write-timeout": write_timeout != 10.0,
        "--bot-variant": caller.variant is not BotVariant.CORRECT,
    }
    with usage_errors():
        check_bot_choice(caller.url, bot, reference_only, carrier=caller.carrier.value)
        check_variant_exercised("chaos slow-reader", caller.variant)
        stall = parse_seconds_or_never(stall_s, "--stall-s", 0.5, 300)
        if stall is None and hangup_after <= into_reply:
            raise InputError("--hangup-after must be longer than --into-reply")
        if stall is not None and hangup_after != 15.0:
            raise InputError("--hangup-after applies to --stall-s never only")
        if stall is None and answer_within != 6.0:
            raise InputError(
                "--answer-within bounds the answer once the carrier reads again; with "
                "--stall-s never it never does (it would be ignored)"
            )
        call = caller.recording(2)
        line_spec = parse_line_option(caller.line)
    plan = SlowReaderPlan(
        into_reply_s=into_reply,
        stall_s=stall,
        hangup_after_s=hangup_after,
        recv_buffer_bytes=recv_buffer,
        pipeline_wait_s=max(10.0, end_within * 2),
    )
    config = ReferenceBotConfig(
        reply_secs=reply_secs,
        variant=caller.variant,
        send_buffer_bytes=send_buffer,
        audio_out_write_timeout_s=write_timeout,
    )
    side = caller.side(bot, config, call, line_spec)

    reference_run = side.directed(run_slow_reader, plan)

    async def run(target: BotTarget) -> SlowReaderResult:
        if target.run is None:
            return await reference_run(target)
        return await _against_bot_cmd(target.run, call, plan, caller.carrier.value, line_spec)

    def judge(result: SlowReaderResult) -> list[Check]:
        checks = []
        if stall is not None:
            checks.append(judge_slow_reader_recovered(result, bound_s=answer_within))
        checks.append(judge_slow_reader_log_bounded(result, max_lines=max_log_lines))
        checks.append(judge_slow_reader_cleaned_up(result, bound_s=end_within))
        return checks

    args = {
        "stall_s": stall,
        "into_reply_s": into_reply,
        "hangup_after_s": hangup_after if stall is None else None,
        "recv_buffer_bytes": recv_buffer,
    }
    experiment = CallerFaultExperiment(
        "chaos slow-reader", args, run, judge, _timeline, look_inside=None
    )
    run_caller_experiment(side, experiment, caller.outputs(outputs), caller.trials)


async def _against_bot_cmd(
    run: BotRun, call: Call, plan: SlowReaderPlan, carrier: str, line: LineSpec | None
) -> SlowReaderResult:
    """Your bot from ``--bot-cmd``: its log file and its inside view (a Pipecat bot) judge it."""
    offset = [0]

    def mark_log() -> None:
        offset[0] = run.log_path.stat().st_size if run.log_path.exists() else 0

    result = await run_slow_reader(
        call, plan, url=run.url, carrier=carrier, line=line, on_stop_reading=mark_log
    )
    if result.hung_up_wall is not None and run.inside.hooked:

        def ended() -> bool:
            return bool(run.inside.workers) and all(w.ended for w in run.inside.workers.values())

        await wait_until(ended, plan.pipeline_wait_s)
        ends = [
            e.t
            for w in run.inside.workers.values()
            for e in w.of_kind("pipeline_end")
            if e.t >= result.hung_up_wall - 60
        ]
        if ends:
            result.pipeline_end_s = max(0.0, max(ends) - result.hung_up_wall)
        elif ended() is False:
            result.leftover_tasks = ["the bot's pipeline (no pipeline end reported)"]
    result.log = log_lines_since(run.log_path, offset[0])
    return result


def _timeline(report: Report, result: SlowReaderResult) -> None:
    outcome, timeline = result.outcome, CallTimeline(report)
    for turn in (result.question, result.after):
        if turn is not None:
            timeline.utterance(turn.utterance)
    if result.stopped_at is not None:
        timeline.event(result.stopped_at, "carrier", "stops reading its socket", "stop_reading")
        closed = result.window_closed_s
        if closed is not None:
            held = result.unread[-1][1]
            what = f"receive buffer full ({held} bytes unread): the bot's sends back up"
            timeline.row(result.stopped_at + closed, "carrier", what)
    if result.resumed_at is not None:
        timeline.event(result.resumed_at, "carrier", "reads again", "resume_reading")
    elif result.hung_up_wall is not None and result.stopped_at is not None:
        t = result.stopped_at + result.plan.hangup_after_s
        timeline.row(t, "carrier", "tears the socket down (never read again)")
    for run in outcome.runs:
        timeline.audio_run(run)
    timeline.call_error(outcome)
    timeline.add_table()
    logged = result.log_during()
    if logged:
        report.add_table(
            "The bot's warnings and errors from the stall on",
            ["level", "line"],
            [[line.level, line.text[:160]] for line in logged[:20]],
        )
    report.metrics["slow_reader.backlog_s"] = round(result.backlog_s, 2)
    if result.window_closed_s is not None:
        report.metrics["slow_reader.window_closed_s"] = result.window_closed_s
