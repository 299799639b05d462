"""Run a load: many concurrent carrier calls from one asyncio process, then judge the aggregate.

Every call is a full :class:`~voicectl.replay.client.CarrierCall` in real time (the same client
as ``voicectl replay`` and the Locust user). The run's state is readable while it goes, for the
live view.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from voicectl.carriers.conformance import ProtocolLedger
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.load.aggregate import CallRecord, LoadStats, aggregate_calls
from voicectl.load.checks import LoadBounds, judge_load
from voicectl.load.plan import LoadPlan
from voicectl.replay.client import CallOptions, CarrierCall
from voicectl.report.model import Check, Report

__all__ = ["ActiveCall", "LoadRun", "run_load"]


@dataclass
class ActiveCall:
    """A call in progress; ``call.outcome`` fills in as it goes."""

    index: int
    caller: int
    name: str
    started_s: float
    call: CarrierCall


@dataclass
class LoadRun:
    """A load run's state: calls started, in progress and finished."""

    plan: LoadPlan
    t0: float = field(default_factory=time.monotonic)
    started: int = 0
    active: dict[int, ActiveCall] = field(default_factory=dict)
    records: list[CallRecord] = field(default_factory=list)
    cut_off: int = 0  # calls in progress when the run was interrupted or timed out

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def stats(self) -> LoadStats:
        return aggregate_calls(self.records)


async def run_load(
    plan: LoadPlan, report: Report, bounds: LoadBounds, run: LoadRun | None = None
) -> LoadRun:
    """Place the plan's calls and fill in ``report`` (tables even when interrupted, checks when done)."""
    run = run or LoadRun(plan)
    run.t0 = time.monotonic()
    report.log("load", "run_started", url=plan.url, calls=plan.shape.concurrency)
    finished = False
    try:
        try:
            async with asyncio.TaskGroup() as group:
                for caller in range(plan.shape.concurrency):
                    group.create_task(_caller(run, caller, report))
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        finished = True
    finally:
        stats = run.stats()
        _tabulate(run, stats, report)
        from voicectl.replay.runner import add_line_table, record_first_audio

        record_first_audio(report, [r.outcome for r in run.records])
        if plan.line is not None:
            add_line_table(plan.line, [(f"call {r.index}", r.outcome) for r in run.records], report)
        if finished:
            report.extend_checks(judge_load(stats, bounds))
            report.add_check(_judge_protocol(plan, run))
    return run


async def _caller(run: LoadRun, caller: int, report: Report) -> None:
    plan = run.plan
    shape = plan.shape
    await asyncio.sleep(max(0.0, run.t0 + shape.caller_start(caller) - time.monotonic()))
    while shape.may_start(run.elapsed(), run.started):
        index = run.started
        run.started += 1
        recording = plan.call_for(index)
        options = CallOptions(
            url=plan.url,
            carrier=plan.carrier,
            fast=False,
            tail_s=plan.tail_s,
            connect_timeout_s=plan.connect_timeout_s,
            seed=f"load-{index}",
            line=plan.line,
        )
        call = CarrierCall(
            recording.audio.samples,
            recording.script.utterances,
            options,
            sample_rate=recording.audio.sample_rate,
        )
        started = run.elapsed()
        run.active[index] = ActiveCall(index, caller, recording.name, started, call)
        done = False
        try:
            outcome = await call.run(plan.call_deadline_s(recording))
            done = True
        finally:
            del run.active[index]
            if not done:
                run.cut_off += 1
        record = CallRecord(index, caller, recording.name, started, outcome, ended_s=run.elapsed())
        run.records.append(record)
        _journal(report, record, report.elapsed() - run.elapsed())


def _journal(report: Report, record: CallRecord, offset_s: float) -> None:
    """One ``call_ended`` event (at the call's end, report seconds) with the call's figures."""
    outcome = record.outcome
    failure = record.failure
    latencies = [t.latency_s for t in outcome.turns]
    pacing = outcome.pacing.summary_ms()
    report.log(
        f"call:{record.index}",
        "call_ended",
        caller=record.caller,
        recording=record.name,
        started_at=round(record.started_s + offset_s, 3),
        ok=failure is None,
        failure=None if failure is None else failure.detail,
        first_audio_s=[None if x is None else round(x, 4) for x in latencies],
        barge_in_clears=len(outcome.barge_in_clears),
        underruns=len(outcome.underruns),
        close_code=outcome.close_code,
        closed_by_bot=outcome.closed_by_bot,
        send_error_p99_ms=round(pacing["p99_ms"], 3) if "p99_ms" in pacing else None,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000)


def _tabulate(run: LoadRun, stats: LoadStats, report: Report) -> None:
    plan = run.plan
    rows = []
    names = list(dict.fromkeys(plan.names()))
    groups = [(name, [r for r in run.records if r.name == name]) for name in names]
    if len(names) > 1:
        groups.append(("all", run.records))
    for name, records in groups:
        part = stats if name == "all" or len(names) == 1 else aggregate_calls(records)
        fa = part.first_audio
        cl = part.clear_latency
        rows.append(
            [
                name,
                part.calls,
                part.succeeded,
                f"{part.answered}/{part.turns}",
                _ms(fa.p50) if fa else None,
                _ms(fa.p95) if fa else None,
                _ms(fa.p99) if fa else None,
                part.barge_in_clears,
                _ms(cl.p50) if cl else None,
                part.gaps,
                part.stalls,
            ]
        )
    report.add_table(
        "Load: first-audio latency in ms over all turns; barge-in clears; inbound gaps, stalls",
        [
            "recording",
            "calls",
            "ok",
            "answered",
            "p50",
            "p95",
            "p99",
            "clears",
            "clear p50",
            "gaps",
            "stalls",
        ],
        rows,
    )
    if stats.failures:
        report.add_table(
            "Failed calls",
            ["calls", "why"],
            [[n, summary] for summary, n in stats.failures.most_common()],
        )
    if stats.bot_closes:
        report.add_table(
            "Bot-side closes",
            ["code", "calls", "reason (first seen)"],
            [
                [code, n, stats.close_reasons.get(code, "")]
                for code, n in sorted(stats.bot_closes.items())
            ],
        )
    metrics = stats.to_metrics()
    metrics["planned_calls"] = plan.shape.planned_calls()
    metrics["cut_off_calls"] = run.cut_off
    report.metrics.update(metrics)


def _judge_protocol(plan: LoadPlan, run: LoadRun) -> Check:
    """``carrier.protocol`` over every call of the run: what the carrier would have dropped."""
    outcomes = [r.outcome for r in run.records]
    ledger = ProtocolLedger.merged(
        plan.carrier, [o.protocol for o in outcomes if o.protocol is not None]
    )
    connected = any(not o.unreachable for o in outcomes)
    error = next((o.error for o in outcomes if o.error), None)
    return judge_carrier_protocol(
        f"{len(outcomes)} calls", ledger, connected=connected, call_error=error
    )
