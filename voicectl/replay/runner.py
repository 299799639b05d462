"""``voicectl replay``: play calls into a bot at one or more pipeline rates and judge the answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicectl.audio.io import write_wav
from voicectl.audio.script import Call, Utterance
from voicectl.bot.observer import PerceptionObserver
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.checks.replay import (
    REALTIME_ANSWER_BOUND_S,
    CallPerceptions,
    RateObservation,
    judge_bot_answered,
    judge_run_rate_consistency,
)
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.perception import BotPerception
from voicectl.replay.client import FAST_SILENCE_SPEED, CallOptions, place_call
from voicectl.replay.line import LineSpec
from voicectl.report.compare import FIRST_AUDIO_METRIC
from voicectl.report.model import Check, Report, Verdict

if TYPE_CHECKING:
    from voicectl.sut.inside import InsideView, WorkerView
    from voicectl.sut.session import BotRun, BotUnderTest

__all__ = ["ReplayPlan", "ReplayResult", "add_line_table", "record_first_audio", "run_replay"]


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


async def run_replay(
    plan: ReplayPlan, report: Report, progress: Progress | None = None
) -> ReplayResult:
    """Run every call of the plan (at every rate for the reference bot) and fill in ``report``."""
    result = ReplayResult()
    if plan.bot is not None:
        hooked = await _replay_bot(plan, plan.bot, report, result, progress)
        _judge(plan, result, report, hooked=hooked)
        _tabulate(plan, result, report)
        return result
    targets: list[int | None] = list(plan.rates) if plan.url is None else [None]
    for rate in targets:
        for call in plan.calls:
            if progress:
                progress(f"{call.name} @ {rate} Hz" if rate else call.name)
            run = await _replay_one(plan, call, rate, report)
            result.runs.append(run)
            _journal(report, run)
    _judge(plan, result, report)
    _tabulate(plan, result, report)
    _original_call(plan, report)
    return result


def _original_call(plan: ReplayPlan, report: Report) -> None:
    """The original bot's turns from the other channel of two-party recordings: context only
    (never replayed, never judged), with how long after the caller's utterance each began."""
    rows = []
    for call in plan.calls:
        channel = call.audio.other_side
        if channel is None:
            continue
        for number, turn in enumerate(call.original_bot_turns, start=1):
            before = [u for u in call.script.utterances if u.end <= turn.start]
            after_s = round(turn.start - before[-1].end, 3) if before else None
            report.log(
                f"recording:{call.name}",
                "original_bot_speech",
                clock="call",
                t=turn.start,
                end=turn.end,
                channel=channel,
                after_caller_s=after_s,
            )
            rows.append(
                [
                    call.name,
                    channel,
                    number,
                    round(turn.start, 2),
                    round(turn.end, 2),
                    len(before) or None,
                    after_s,
                ]
            )
    if rows:
        report.add_table(
            "Original call (the recording's bot channel, not replayed)",
            [
                "call",
                "channel",
                "bot turn",
                "start s",
                "end s",
                "after utterance",
                "began after (s)",
            ],
            rows,
        )


async def _replay_one(plan: ReplayPlan, call: Call, rate: int | None, report: Report) -> CallRun:
    utterances = call.script.utterances
    options = CallOptions(
        url=plan.url or "",
        carrier=plan.carrier,
        fast=plan.fast,
        tail_s=plan.tail_s,
        record=plan.record_dir is not None,
        seed=call.name,
        line=plan.line,
        # The pause before a --fast burst lets a bot's STT connect to its provider first. The
        # reference bot without an STT has nothing to connect: its transport reads the caller's
        # audio once its pipeline runs, so nothing is lost without the pause.
        fast_settle_s=0.0 if plan.url is None and plan.stt is None else CallOptions.fast_settle_s,
    )
    if rate is None:
        outcome = await place_call(
            call.audio.samples, utterances, options, sample_rate=call.audio.sample_rate
        )
        run = CallRun(call, None, outcome)
    else:
        perception = BotPerception()
        config = plan.bot_config
        from dataclasses import replace

        config = replace(config, sample_rate=rate)
        if plan.fast:
            # The full bot's fakes keep pace with the caller: its model answers and its TTS
            # speaks as much faster than real time as the caller's silence goes.
            config = replace(config, provider_speed=options.fast_silence_speed)
        fake = None
        observer = PerceptionObserver(perception)
        if plan.stt is not None:
            fake, service = await _stt_stage(plan.stt, call, observer)
            config = replace(config, stt=service)
        server = ReferenceBotServer(
            config,
            observer_factory=lambda _i: [observer],
            fake_utterances=[u.text for u in utterances],
        )
        async with contextlib.AsyncExitStack() as stack:
            if fake is not None:
                stack.push_async_callback(fake.stop)
            await stack.enter_async_context(server)
            options = replace(options, url=server.url)
            report.log(
                "harness", "bot_started", url=server.url, rate=rate, config=config.describe()
            )
            outcome = await place_call(
                call.audio.samples, utterances, options, sample_rate=call.audio.sample_rate
            )
            for served in server.calls:
                await _wait(served.finished, 5.0)
                if served.error and outcome.error is None:
                    outcome.error = f"reference bot failed: {served.error}"
        run = CallRun(call, rate, outcome, perception)
    if plan.record_dir is not None:
        _record(plan.record_dir, run)
    return run


async def _replay_bot(
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
                    options = replace(_call_options(plan, call), url=run_bot.url, seed=seed)
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
                    _journal(report, run)
                    if run_bot.fakes is not None and bot.faulted:
                        _judge_faults(bot, run_bot, run, report)
                    if plan.record_dir is not None:
                        _record(plan.record_dir, run)
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


def _call_options(plan: ReplayPlan, call: Call) -> CallOptions:
    return CallOptions(
        url=plan.url or "",
        carrier=plan.carrier,
        fast=plan.fast,
        tail_s=plan.tail_s,
        record=plan.record_dir is not None,
        seed=call.name,
        line=plan.line,
    )


async def _stt_stage(name: str, call: Call, observer: PerceptionObserver) -> tuple[Any, Any]:
    """A real Pipecat STT service on a fake provider that transcribes the call's sidecar text
    when the service has passed the end of each utterance: the fake runs on the STT's own
    position in the call, so a --fast burst cannot make it answer before the audio is there."""
    from voicectl.harness.targets import BUILTIN_TARGETS
    from voicectl.providers.schedule import STT_FINAL_LATENCY_S, TranscriptSchedule
    from voicectl.providers.server import FakeProviderServer

    target = BUILTIN_TARGETS[name]
    service: Any = None
    fake = FakeProviderServer(
        target.protocol,
        transcript_schedule=TranscriptSchedule.from_call(
            call, repeat=False, latency_s=STT_FINAL_LATENCY_S
        ),
        clock=lambda: observer.audio_pushed_by(service),
    )
    await fake.start()
    service = target.build(fake.target_url)
    return fake, service


async def _wait(event: object, timeout: float) -> None:
    import asyncio
    import contextlib

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)  # type: ignore[attr-defined]


def _record(directory: Path, run: CallRun) -> None:
    outcome = run.outcome
    if outcome.caller_audio is None or outcome.bot_audio is None:
        return
    length = max(outcome.caller_audio.size, outcome.bot_audio.size)
    stereo = np.zeros((length, 2), dtype=np.int16)
    stereo[: outcome.caller_audio.size, 0] = outcome.caller_audio
    stereo[: outcome.bot_audio.size, 1] = outcome.bot_audio
    suffix = f"@{run.rate}" if run.rate else ""
    directory.mkdir(parents=True, exist_ok=True)
    write_wav(directory / f"{run.call.name}{suffix}.wav", stereo, outcome.wire_rate)


def _answer_pending(inside: InsideView, call_ids: list[str], since: float) -> Callable[[], bool]:
    """For the ``--fast`` caller: whether the bot serving this call is, seen from inside, still
    mid-answer (a function call running, or its result not yet spoken)."""

    import time

    def pending() -> bool:
        worker = inside.worker_for(call_ids, since)
        return worker is not None and worker.answer_pending(time.monotonic())

    return pending


def _journal(report: Report, run: CallRun) -> None:
    source = f"call:{run.label}"
    outcome = run.outcome
    for turn in outcome.turns:
        report.log(
            source,
            "utterance",
            clock="call",
            t=turn.utterance.start,
            end=turn.utterance.end,
            text=turn.utterance.text,
        )
        if turn.answered_at is not None:
            report.log(
                source,
                "bot_answered",
                clock="call",
                t=turn.answered_at,
                utterance=turn.index + 1,
                latency_s=turn.latency_s,
            )
    for bot_run in outcome.runs:
        report.log(
            source,
            "bot_audio",
            clock="call",
            t=bot_run.start,
            end=bot_run.end,
            cleared=bot_run.cleared,
        )
    for clear in outcome.clears:
        report.log(
            source, "clear", clock="call", t=clear.t, during_bot_audio=clear.during_bot_audio
        )
    if outcome.close_code is not None:
        report.log(
            source,
            "closed",
            clock="call",
            t=outcome.duration_s,
            code=outcome.close_code,
            reason=outcome.close_reason,
            by="bot" if outcome.closed_by_bot else "caller",
        )
    if outcome.error:
        report.log(source, "error", clock="call", t=outcome.duration_s, message=outcome.error)
    if outcome.line is not None:
        report.log(source, "line", clock="call", t=outcome.duration_s, **outcome.line.to_json())
    if run.perception is not None:
        for event in run.perception.events:
            report.log(
                f"bot:{run.label}", event.kind, clock="call", t=event.audio_t, detail=event.detail
            )
    if run.inside is not None:
        for inside in run.inside.events:
            if inside.kind == "worker":
                continue
            report.log(
                f"bot:{run.label}",
                inside.kind,
                clock="call",
                t=inside.audio_t or 0.0,
                **{k: v for k, v in inside.data.items() if isinstance(v, str | int | float | bool)},
            )


def _judge(
    plan: ReplayPlan,
    result: ReplayResult,
    report: Report,
    hooked: dict[int | None, bool] | None = None,
) -> None:
    for run in result.runs:
        turns = run.outcome.turns
        if plan.answers_judged:
            report.add_check(
                judge_bot_answered(
                    run.label,
                    [t.latency_s for t in turns],
                    [t.utterance.text for t in turns],
                    bound_s=plan.answer_bound_s,
                    call_error=run.outcome.error,
                    fast=plan.fast,
                    connected=not run.outcome.unreachable,
                    cause=run.outcome.protocol.cause() if run.outcome.protocol else "",
                )
            )
        if run.outcome.protocol is not None:
            report.add_check(
                judge_carrier_protocol(
                    run.label,
                    run.outcome.protocol,
                    connected=not run.outcome.unreachable,
                    call_error=run.outcome.error,
                )
            )
    if plan.url is None and plan.bot is None and len(plan.rates) > 1:
        report.add_check(_judge_reference_rates(plan, result))
    if plan.bot is not None and hooked is not None and len(hooked) > 1:
        _judge_bot_rates(plan, result, report, hooked)


def _judge_reference_rates(plan: ReplayPlan, result: ReplayResult) -> Check:
    """``replay.rate_consistency`` for the reference bot, every call of the run pooled."""
    calls = []
    for call in plan.calls:
        runs = [r for r in result.runs if r.call is call and r.rate is not None]
        seen = [(r.rate, r.perception) for r in runs if r.rate and r.perception is not None]
        calls.append(
            CallPerceptions(
                call.name,
                {rate: _observation(rate, p) for rate, p in seen},
                [(u.start, u.end) for u in call.script.utterances],
                min((p.processed_s for _, p in seen), default=0.0),
            )
        )
    return judge_run_rate_consistency(calls)


def _judge_bot_rates(
    plan: ReplayPlan, result: ReplayResult, report: Report, hooked: dict[int | None, bool]
) -> None:
    """``replay.rate_consistency`` for the user's bot, from what its own Pipecat perceived: one
    check for the run, its calls pooled, as for the reference bot (whose spread set the bounds)."""
    from voicectl.sut.session import NOT_HOOKED

    blind = [rate for rate, ok in hooked.items() if not ok]
    unmatched = [
        f"{r.call.name} at {r.rate} Hz"
        for r in result.runs
        if r.rate is not None and r.inside is None and r.rate not in blind
    ]
    if blind or unmatched:
        why = (
            f"at {', '.join(f'{r} Hz' for r in blind if r)}: {NOT_HOOKED}"
            if blind
            else f"the bot reported no pipeline worker for {', '.join(unmatched)}"
        )
        label = plan.calls[0].name if len(plan.calls) == 1 else f"{len(plan.calls)} calls"
        report.add_check(
            Check(
                "replay.rate_consistency",
                f"{label}: same perception at every rate",
                Verdict.ERROR,
                "the same VAD segments, turn ends and end-of-turn predictions at every rate",
                f"could not be judged: {why}",
            )
        )
        return
    report.add_check(
        judge_run_rate_consistency([_inside_perceptions(plan, result, c) for c in plan.calls])
    )


def _inside_perceptions(plan: ReplayPlan, result: ReplayResult, call: Call) -> CallPerceptions:
    """One call's perceptions at every rate as the bot's own Pipecat reported them, up to the
    caller audio every rate's pipeline got through (a bot that cancels its pipeline when the
    caller hangs up drops the audio still queued: a ``--fast`` tail)."""
    runs = [
        r for r in result.runs if r.call is call and r.rate is not None and r.inside is not None
    ]
    heard_until = min(r.inside.audio_processed(r.outcome.duration_s) for r in runs)  # type: ignore[union-attr]
    observations = {}
    for run in runs:
        assert run.rate is not None and run.inside is not None
        observations[run.rate] = RateObservation(
            run.rate,
            [t for t in run.inside.turn_ends() if t <= heard_until],
            run.inside.speech_segments(heard_until),
            [(t, p) for t, p in run.inside.predictions() if t <= heard_until],
        )
    spans = [(u.start, u.end) for u in call.script.utterances]
    return CallPerceptions(call.name, observations, spans, heard_until)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _heard(run: CallRun, utterance: Utterance) -> str:
    """What the bot's STT transcribed around the end of ``utterance`` (reference bot with --stt)."""
    if run.perception is None:
        return ""
    texts = [
        e.detail
        for e in run.perception.of_kind("transcript")
        if utterance.start <= e.audio_t <= utterance.end + 3.0
    ]
    return " / ".join(texts) if texts else "(nothing)"


def _observation(rate: int, perception: BotPerception) -> RateObservation:
    return RateObservation(
        rate,
        [e.audio_t for e in perception.of_kind("turn_end")],
        perception.speech_segments(),
        perception.predictions(),
    )


def _tabulate_inside(result: ReplayResult, report: Report) -> None:
    """What the user's bot's own Pipecat reported, per call (``--bot-cmd``)."""
    rows = []
    for run in result.runs:
        inside = run.inside
        if inside is None:
            rows.append([run.call.name, run.rate or "-", "no", None, None, None, None, None, None])
            continue
        errors = inside.of_kind("error")
        rows.append(
            [
                run.call.name,
                run.rate or "-",
                "yes",
                len(inside.speech_segments(run.outcome.duration_s)),
                len(inside.turn_ends()),
                len(inside.of_kind("transcript")),
                len(inside.of_kind("function_call")),
                len(errors),
                len(inside.of_kind("switched")),
            ]
        )
    columns = [
        "call",
        "rate",
        "seen inside",
        "VAD segments",
        "turns",
        "transcripts",
        "function calls",
        "errors",
        "switches",
    ]
    report.add_table("Inside the bot (its own Pipecat, via PIPECAT_SETUP_FILES)", columns, rows)


def _tabulate(plan: ReplayPlan, result: ReplayResult, report: Report) -> None:
    clock = "s, fast" if plan.fast else "s"
    rows = []
    for run in result.runs:
        for turn in run.outcome.turns:
            rows.append(
                [
                    run.call.name,
                    run.rate or "-",
                    turn.index + 1,
                    round(turn.utterance.end, 2),
                    None if turn.latency_s is None else round(turn.latency_s, 3),
                    _short(turn.utterance.text),
                    *([_short(_heard(run, turn.utterance))] if plan.stt else []),
                ]
            )
    heard_column = ["bot's STT heard"] if plan.stt else []
    report.add_table(
        "Turns",
        [
            "call",
            "rate",
            "turn",
            "utterance end s",
            f"answered after ({clock})",
            "caller said",
            *heard_column,
        ],
        rows,
    )

    summary = []
    by_rate: dict[object, list[CallRun]] = {}
    for run in result.runs:
        by_rate.setdefault(run.rate or "-", []).append(run)
    for rate, runs in by_rate.items():
        latencies = [t.latency_s for r in runs for t in r.outcome.turns if t.latency_s is not None]
        utterances = sum(len(r.outcome.turns) for r in runs)
        p50 = float(np.percentile(latencies, 50)) if latencies else None
        p95 = float(np.percentile(latencies, 95)) if latencies else None
        summary.append(
            [
                rate,
                len(runs),
                f"{len(latencies)}/{utterances}",
                None if p50 is None else round(p50, 3),
                None if p95 is None else round(p95, 3),
                sum(len(r.outcome.barge_in_clears) for r in runs),
                sum(len(r.outcome.underruns) for r in runs),
                round(sum(r.outcome.wall_s for r in runs), 2),
            ]
        )
        key = f"rate_{rate}" if rate != "-" else "bot"
        report.metrics[f"{key}.latency_p50_s"] = p50
        report.metrics[f"{key}.latency_p95_s"] = p95
        report.metrics[f"{key}.answered"] = len(latencies)
        report.metrics[f"{key}.utterances"] = utterances
    reference = plan.url is None and plan.bot is None
    report.add_table(
        "Per rate" if reference or len(by_rate) > 1 else "Summary",
        [
            "rate",
            "calls",
            "answered",
            f"latency p50 ({clock})",
            "p95",
            "barge-in clears",
            "underruns",
            "wall s",
        ],
        summary,
    )
    if plan.bot is not None:
        _tabulate_inside(result, report)
    if reference:
        perceived = []
        for run in result.runs:
            if run.perception is None or run.rate is None:
                continue
            observation = _observation(run.rate, run.perception)
            mean_p = observation.mean_probability()
            perceived.append(
                [
                    run.call.name,
                    run.rate,
                    len(observation.speech_segments),
                    len(observation.turn_ends),
                    None if mean_p is None else round(mean_p, 2),
                    ", ".join(f"{x:.2f}" for x in observation.turn_ends),
                ]
            )
        columns = ["call", "rate", "VAD segments", "turns", "end-of-turn p", "turn ends (s)"]
        report.add_table("What the bot perceived", columns, perceived)
    record_first_audio(report, [r.outcome for r in result.runs])
    audio_s = sum(r.outcome.duration_s for r in result.runs)
    wall_s = sum(r.outcome.wall_s for r in result.runs)
    report.metrics["caller_audio_s"] = round(audio_s, 2)
    report.metrics["call_wall_s"] = round(wall_s, 2)
    report.metrics["speed_x_realtime"] = round(audio_s / wall_s, 2) if wall_s else None
    pacing = [e for r in result.runs for e in r.outcome.pacing.errors]
    if pacing:
        values = np.asarray(pacing) * 1000
        report.metrics["send_time_error_p50_ms"] = round(float(np.percentile(values, 50)), 3)
        report.metrics["send_time_error_p99_ms"] = round(float(np.percentile(values, 99)), 3)
    if plan.line is not None:
        add_line_table(plan.line, [(r.label, r.outcome) for r in result.runs], report)


def record_first_audio(report: Report, outcomes: Sequence[CallOutcome]) -> None:
    """``metrics.first_audio_s``: every answered turn's first-audio latency (what a baseline
    compare and ``--trials`` read)."""
    report.metrics[FIRST_AUDIO_METRIC] = [
        round(t.latency_s, 4) for o in outcomes for t in o.turns if t.latency_s is not None
    ]


def add_line_table(
    line: LineSpec, outcomes: Sequence[tuple[str, CallOutcome]], report: Report
) -> None:
    """What a ``--line`` did to each call's caller frames: a table and ``line.*`` metrics."""
    rows = []
    totals: dict[str, int] = {"frames": 0, "lost": 0, "reordered": 0}
    for label, outcome in outcomes:
        stats = outcome.line
        if stats is None:
            continue
        rows.append(
            [
                label,
                stats.frames,
                stats.lost,
                stats.concealed,
                stats.dropped,
                stats.longest_burst,
                stats.reordered,
                round(stats.late_max_s * 1000, 1),
            ]
        )
        totals["frames"] += stats.frames
        totals["lost"] += stats.lost
        totals["reordered"] += stats.reordered
    report.add_table(
        f"Caller line ({line.describe()})",
        [
            "call",
            "frames",
            "lost",
            "concealed",
            "dropped",
            "longest burst",
            "reordered",
            "max late ms",
        ],
        rows,
    )
    report.metrics["line.frames"] = totals["frames"]
    report.metrics["line.lost"] = totals["lost"]
    report.metrics["line.reordered"] = totals["reordered"]
    report.metrics["line.loss_observed"] = (
        round(totals["lost"] / totals["frames"], 4) if totals["frames"] else None
    )
