"""``--bot-cmd``: the user's bot started once per ``{rate}``, every call replayed into it, seen
from inside through the setup hook; faults judged per call."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voicectl.replay.client import FAST_SILENCE_SPEED, place_call
from voicectl.replay.plan import CallRun, Progress, ReplayPlan, ReplayResult
from voicectl.replay.recording import record_call
from voicectl.replay.reporting import journal_call
from voicectl.report.model import Check, Report, Verdict

if TYPE_CHECKING:
    from voicectl.sut.inside import InsideView
    from voicectl.sut.session import BotUnderTest

__all__ = ["replay_into_bot"]


async def replay_into_bot(
    plan: ReplayPlan,
    bot: BotUnderTest,
    report: Report,
    result: ReplayResult,
    progress: Progress | None,
) -> dict[int | None, bool]:
    """Start the user's bot once per ``{rate}`` (once if it takes none), replay every call into
    it and collect what its own Pipecat reported; returns, per start, whether the hook spoke."""
    import time
    from dataclasses import replace

    from voicectl.carriers import CallIdentity
    from voicectl.sut.session import BotRun

    rates: list[int | None] = list(plan.rates) if bot.command.uses_rate else [None]
    hooked: dict[int | None, bool] = {}
    for rate in rates:
        first = plan.calls[0].script
        texts = [u.text for u in first.utterances] if first else []
        # Under --fast the fakes keep pace with the caller, as the full reference bot's do: the
        # model answers and the TTS speaks as much faster than real time as the caller's silence.
        speed = FAST_SILENCE_SPEED if plan.fast else 1.0
        run_bot = BotRun(bot, rate=rate, utterances=texts, clock=time.monotonic, speed=speed)
        result.bot_runs.append(run_bot)
        report.log("harness", "bot_starting", rate=rate, log=str(run_bot.log_path))
        try:
            async with run_bot:
                process = run_bot.process
                assert process is not None
                report.log(
                    "harness",
                    "bot_started",
                    url=run_bot.url,
                    rate=rate,
                    argv=process.argv,
                    ready_after_s=round(process.ready_after_s or 0.0, 3),
                    fakes=dict(run_bot.fakes.env) if run_bot.fakes else {},
                    fakes_speed=speed,
                )
                for index, call in enumerate(plan.calls):
                    if progress:
                        progress(f"{call.name} @ {rate} Hz" if rate else call.name)
                    seed = f"{call.name}@{rate}" if rate else call.name
                    options = plan.call_options(call, url=run_bot.url, seed=seed)
                    if bot.faulted:
                        # A caller left unanswered must be heard waiting longer than the bound.
                        options = replace(
                            options, tail_s=max(options.tail_s, bot.silence_bound_s + 1.0)
                        )
                    since = time.monotonic()
                    identity = CallIdentity.generate(plan.carrier, seed)
                    if plan.fast:
                        options = replace(
                            options,
                            fast_answer_pending=_answer_pending(
                                run_bot.inside, [identity.stream_id, identity.call_id], since
                            ),
                        )
                    utterances = call.script.utterances
                    run_bot.call_starting(utterances, realtime=not plan.fast)
                    beside = (
                        asyncio.create_task(plan.during_call(run_bot, since))
                        if plan.during_call is not None
                        else None
                    )
                    try:
                        outcome = await place_call(
                            call.audio.samples,
                            utterances,
                            options,
                            sample_rate=call.audio.sample_rate,
                        )
                    finally:
                        if beside is not None:
                            beside.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await beside
                    if outcome.error and "rejected the WebSocket handshake" in outcome.error:
                        raise run_bot.refused(outcome.error)
                    died = run_bot.died()
                    if died is not None:
                        raise died
                    if index == 0 and not run_bot.inside.hooked:
                        await run_bot.probe.wait_for(lambda v: v.hooked, bot.hook_timeout_s)
                        failure = None if run_bot.inside.hooked else run_bot.hook_failure()
                        if failure is not None:
                            raise failure
                    worker = (
                        await run_bot.worker_for_call(
                            [identity.stream_id, identity.call_id], since, 5.0
                        )
                        if run_bot.inside.hooked
                        else None
                    )
                    run = CallRun(call, rate, outcome, inside=worker)
                    result.runs.append(run)
                    journal_call(report, run)
                    if run_bot.fakes is not None and bot.faulted:
                        _judge_faults(bot, run_bot, run, report)
                    if plan.record_dir is not None:
                        record_call(plan.record_dir, run)
                hooked[rate] = run_bot.inside.hooked
                report.log(
                    "harness",
                    "bot_inside",
                    rate=rate,
                    hooked=run_bot.inside.hooked,
                    pipecat=run_bot.inside.pipecat_version,
                    workers=len(run_bot.inside.workers),
                )
        finally:
            if run_bot.fakes is not None:
                run_t0 = time.monotonic() - report.elapsed()  # the fakes' clock is monotonic
                for event in run_bot.fakes.journal():
                    data = {k: v for k, v in event.items() if k not in ("t", "source", "kind")}
                    report.log(
                        str(event["source"]),
                        str(event["kind"]),
                        t=float(event["t"]) - run_t0,
                        **data,
                    )
            process = run_bot.process
            if process is not None and bot.faulted and not report.interrupted:
                from voicectl.checks.caller import judge_bot_stopped_cleanly

                report.add_check(
                    judge_bot_stopped_cleanly(
                        exit_code=process.returncode,
                        killed=process.killed,
                        left_running=process.left_running,
                        stop_timeout_s=process.stop_timeout_s,
                    )
                )
            if process is not None:
                report.log(
                    "harness",
                    "bot_stopped",
                    rate=rate,
                    exit_code=process.returncode,
                    killed=process.killed,
                    left_running=process.left_running,
                    log=str(run_bot.log_path),
                )
            report.metrics[f"bot_log{'' if rate is None else f'_{rate}'}"] = str(run_bot.log_path)
    return hooked


def _judge_faults(bot: BotUnderTest, run_bot: Any, run: CallRun, report: Report) -> None:
    """Caller impact, a clean end and failover for a call into a faulted bot."""
    from voicectl.sut.judge import faults_fired, judge_call_after_faults
    from voicectl.sut.session import NOT_HOOKED

    fired = faults_fired(run_bot.fakes)
    checks = judge_call_after_faults(
        run.label,
        run.call,
        run.outcome,
        run.inside,
        fired,
        hooked=run_bot.inside.hooked,
        why_unseen=NOT_HOOKED,
        silence_bound_s=bot.silence_bound_s,
    )
    if not checks:
        checks = [
            Check(
                "fault.fired",
                f"{run.label}: the faults took effect during the call",
                Verdict.ERROR,
                f"a fault from {', '.join(bot.fault_specs())} fires while the call is up",
                "no fault fired during the call: the bot never used that fake then (is it "
                "pointed at the fake's URL?), or the fault's trigger came after the call",
            )
        ]
    report.extend_checks(checks)


def _answer_pending(inside: InsideView, call_ids: list[str], since: float) -> Callable[[], bool]:
    """For the ``--fast`` caller: whether the bot serving this call is, seen from inside, still
    mid-answer (a function call running, or its result not yet spoken)."""

    import time

    def pending() -> bool:
        worker = inside.worker_for(call_ids, since)
        return worker is not None and worker.answer_pending(time.monotonic())

    return pending
