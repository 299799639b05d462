"""Run one chaos experiment: fake provider + real target in a real ``PipelineWorker``.

The target is built pointing at the fake, fed a fixture call in real time, and watched from
outside (``ErrorObserver``, ``on_usable_changed``, ``on_pipeline_error`` and the fake's own
connection journal). The run stops as soon as every verdict is settled, or at the budget; only
what happened before that moment is judged, so teardown cannot change a verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voicectl.audio.script import Call
from voicectl.checks.journal_facts import Judgement
from voicectl.checks.policy import Expectation
from voicectl.checks.reconnect import judge_chaos
from voicectl.errors import HarnessError
from voicectl.faults.base import Fault, Selector
from voicectl.harness.targets import TargetSpec, build_target
from voicectl.outcome.journal import ChaosJournal, ErrorRecord
from voicectl.providers import FakeProviderServer, ServiceKind, TranscriptSchedule, get_protocol

__all__ = ["DEFAULT_BUDGET_S", "ChaosOutcome", "ChaosPlan", "run_chaos"]

DEFAULT_BUDGET_S = 30.0
_TICK_S = 0.05
_MIN_EVAL_INTERVAL_S = 0.02
_BUILD_TIMEOUT_S = 20.0
_TEARDOWN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ChaosPlan:
    """One experiment: which target, which fault on which connections, what is expected."""

    target: TargetSpec
    fault: Fault
    expectation: Expectation
    call: Call
    selector: Selector = field(default_factory=Selector)
    budget_s: float = DEFAULT_BUDGET_S
    seed: int = 0
    sample_rate: int = 16000
    early_stop: bool = True


@dataclass
class ChaosOutcome:
    """What the run produced: the journal, the final verdicts and when they were settled."""

    journal: ChaosJournal
    judgements: list[Judgement]
    verdict_at: float
    stop_reason: str
    target_url: str
    pipeline_started: bool = False
    teardown_s: float = 0.0
    notes: list[str] = field(default_factory=list)


async def run_chaos(
    plan: ChaosPlan, on_outcome: Callable[[ChaosOutcome], None] | None = None
) -> ChaosOutcome:
    """Run the experiment and judge it (bounded by ``plan.budget_s`` plus teardown).

    ``on_outcome`` also receives the outcome when the run is cancelled (interrupt, deadline):
    what was measured until then is judged, and the cancellation then propagates.
    """
    t0 = time.monotonic()
    wall0 = time.time()

    def clock() -> float:
        return time.monotonic() - t0

    protocol = get_protocol(plan.target.protocol)
    schedule = TranscriptSchedule.from_call(plan.call) if protocol.kind is ServiceKind.STT else None
    server = FakeProviderServer(
        protocol,
        plan.fault,
        selector=plan.selector,
        transcript_schedule=schedule,
        seed=plan.seed,
        clock=clock,
    )
    await server.start()
    journal = ChaosJournal(server.log)
    try:
        return await _run(plan, server, journal, clock, wall0, on_outcome)
    finally:
        await server.stop()


async def _run(
    plan: ChaosPlan,
    server: FakeProviderServer,
    journal: ChaosJournal,
    clock: Callable[[], float],
    wall0: float,
    on_outcome: Callable[[ChaosOutcome], None] | None,
) -> ChaosOutcome:
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.workers.runner import WorkerRunner

    from voicectl.harness.observers import JournalErrorObserver, OutputTap, watch_usable

    url = server.target_url
    try:
        async with asyncio.timeout(_BUILD_TIMEOUT_S):
            target = await build_target(plan.target, url)
    except TimeoutError:
        raise HarnessError(
            f"target {plan.target.name} took more than {_BUILD_TIMEOUT_S:.0f} s to build"
        ) from None

    watch_usable(target, journal, clock)
    worker = PipelineWorker(
        Pipeline([target]),
        params=PipelineParams(audio_in_sample_rate=plan.sample_rate, audio_out_sample_rate=24000),
        observers=[
            JournalErrorObserver(journal, lambda wall: wall - wall0),
            OutputTap(journal, clock),
        ],
        idle_timeout_secs=None,
        cancel_on_idle_timeout=False,
        enable_rtvi=False,
        enable_turn_tracking=False,
        check_dangling_tasks=False,
    )
    started = asyncio.Event()

    @worker.event_handler("on_pipeline_started")
    async def on_started(_: Any, __: Any) -> None:
        started.set()

    @worker.event_handler("on_pipeline_error")
    async def on_pipeline_error(_: Any, frame: Any) -> None:
        processor = getattr(frame, "processor", None)
        journal.pipeline_errors.append(
            ErrorRecord(
                t=clock(),
                message=str(getattr(frame, "error", "")),
                category=str(getattr(getattr(frame, "category", None), "value", "unknown")),
                processor=getattr(processor, "name", ""),
                usable=bool(getattr(processor, "is_usable", True)),
            )
        )

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    run_task = asyncio.create_task(runner.run())
    kind = get_protocol(plan.target.protocol).kind
    feeder = asyncio.create_task(_feed(worker, plan, kind, started))
    last_usable = bool(getattr(target, "is_usable", True))
    judgements: list[Judgement] = []
    stop_reason = "budget"
    last_eval = -1.0
    interrupted = False
    try:
        while True:
            now = clock()
            usable = bool(getattr(target, "is_usable", True))
            if usable != last_usable:
                flips = journal.flips_until(now)
                if not flips or flips[-1].usable != usable:
                    journal.add_usable(now, usable)
                last_usable = usable
            judgements = judge_chaos(journal, plan.fault, plan.expectation, now=now, target_url=url)
            last_eval = now
            if plan.early_stop and all(j.settled for j in judgements):
                stop_reason = "settled"
                break
            if now >= plan.budget_s:
                break
            if run_task.done():
                stop_reason = "pipeline ended"
                journal.pipeline_finished_at = now
                break
            server.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(_TICK_S, max(0.0, plan.budget_s - now))):
                    await server.changed.wait()
            pause = _MIN_EVAL_INTERVAL_S - (clock() - last_eval)
            if pause > 0:
                await asyncio.sleep(pause)
    except asyncio.CancelledError:
        # Interrupted (SIGINT/SIGTERM or --timeout): tear down, judge what was measured so
        # far, hand it over, then let the cancellation go on.
        interrupted = True
        stop_reason = "interrupted"
    verdict_at = clock()
    feeder.cancel()
    teardown_start = time.monotonic()
    notes = await _teardown(runner, run_task, feeder)
    final = judge_chaos(
        journal, plan.fault, plan.expectation, now=verdict_at, final=True, target_url=url
    )
    outcome = ChaosOutcome(
        journal=journal,
        judgements=final,
        verdict_at=verdict_at,
        stop_reason=stop_reason,
        target_url=url,
        pipeline_started=started.is_set(),
        teardown_s=time.monotonic() - teardown_start,
        notes=notes,
    )
    if on_outcome is not None:
        on_outcome(outcome)
    if interrupted:
        raise asyncio.CancelledError
    return outcome


async def _feed(worker: Any, plan: ChaosPlan, kind: ServiceKind, started: asyncio.Event) -> None:
    from voicectl.harness.feed import feed_audio, feed_text

    # Audio queued before the StartFrame is processed would arrive as one burst. A target that
    # fails in setup may never report "started", so do not wait on it forever.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5.0):
            await started.wait()
    if kind is ServiceKind.TTS:
        await feed_text(worker.queue_frame, plan.call)
    else:
        await feed_audio(worker.queue_frame, plan.call, plan.sample_rate)


async def _teardown(
    runner: Any, run_task: asyncio.Task[Any], feeder: asyncio.Task[Any]
) -> list[str]:
    notes: list[str] = []
    with contextlib.suppress(asyncio.CancelledError):
        await feeder
    try:
        async with asyncio.timeout(_TEARDOWN_TIMEOUT_S):
            await runner.cancel()
            await run_task
    except TimeoutError:
        notes.append(f"the target did not stop within {_TEARDOWN_TIMEOUT_S:.0f} s; abandoned")
        run_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await run_task
    except Exception as exc:  # the target's own teardown failing is a finding, not a crash
        notes.append(f"teardown raised {type(exc).__name__}: {exc}")
    return notes
