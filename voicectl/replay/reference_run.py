"""One call into the in-process reference bot at one pipeline rate (or into a bot at ``--url``)."""

from __future__ import annotations

import contextlib
from typing import Any

from voicectl.audio.script import Call
from voicectl.bot.observer import PerceptionObserver
from voicectl.bot.server import ReferenceBotServer
from voicectl.outcome.perception import BotPerception
from voicectl.replay.client import CallOptions, place_call
from voicectl.replay.plan import CallRun, ReplayPlan
from voicectl.replay.recording import record_call
from voicectl.report.model import Report

__all__ = ["replay_reference_call"]


async def replay_reference_call(
    plan: ReplayPlan, call: Call, rate: int | None, report: Report
) -> CallRun:
    """One call into the reference bot started for it at ``rate`` (``None``: into the bot at
    ``--url``), with what the bot perceived; written to ``--record`` if asked."""
    utterances = call.script.utterances
    options = plan.call_options(
        call,
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
        record_call(plan.record_dir, run)
    return run


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
