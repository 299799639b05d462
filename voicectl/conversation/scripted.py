"""A scripted caller: a call script's steps played live by the carrier client, step by step.

:func:`prepare_clips` (:mod:`voicectl.conversation.script_clips`) renders every ``say`` before
the call (recording utterances and segments, espeak-ng text) so a bad file is an input error, not
a broken call; :func:`run_call_script` places one real-time call (reference bot or ``--url``)
whose director runs the steps; the results are plain data, judged by
:func:`voicectl.checks.scripted.judge_script`.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from voicectl.bot.observer import PerceptionObserver
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer
from voicectl.conversation.script_clips import Clip, prepare_clips, script_length_s
from voicectl.outcome.call import CallOutcome, TurnResult
from voicectl.outcome.perception import BotPerception
from voicectl.providers.schedule import STT_FINAL_LATENCY_S, ScriptedTranscript, TranscriptSchedule
from voicectl.replay.client import CallOptions, CarrierCall, place_call
from voicectl.replay.line import LineSpec
from voicectl.suite.callscript import CallScriptSpec, ScriptStep

__all__ = [
    "Clip",
    "LiveTranscripts",
    "ScriptResult",
    "StepResult",
    "prepare_clips",
    "run_call_script",
    "script_length_s",
]

_POLL_S = 0.02


@dataclass
class StepResult:
    """What happened at one step: ``ok`` is None for a step that only acts."""

    step: ScriptStep
    started_at: float  # call seconds
    ok: bool | None = None
    observed: str = ""


@dataclass
class ScriptResult:
    script: CallScriptSpec
    outcome: CallOutcome
    steps: list[StepResult] = field(default_factory=list)
    perception: BotPerception | None = None


@dataclass(frozen=True)
class LiveTranscripts(TranscriptSchedule):
    """A fake STT's transcripts, added by the script as the caller says each line.

    The fake provider walks its schedule lazily and waits for each item's time on the STT's
    own audio clock; an item not said yet waits forever (until the fake stops).
    """

    said: list[ScriptedTranscript] = field(default_factory=list)

    def add(self, end_s: float, text: str) -> None:
        """The caller said ``text`` ending at ``end_s`` (call seconds)."""
        if text:
            self.said.append(ScriptedTranscript(end_s + STT_FINAL_LATENCY_S, text))

    def __iter__(self) -> Iterator[ScriptedTranscript]:
        index = 0
        while True:
            yield cast(ScriptedTranscript, _Pending(self.said, index))
            index += 1


class _Pending:
    """The ``index``-th transcript, at infinity until the caller says it."""

    def __init__(self, said: list[ScriptedTranscript], index: int) -> None:
        self._said = said
        self._index = index

    @property
    def at_s(self) -> float:
        return self._said[self._index].at_s if self._index < len(self._said) else math.inf

    @property
    def text(self) -> str:
        return self._said[self._index].text if self._index < len(self._said) else ""


async def _until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(_POLL_S)


def _bot_speech_since(call: CarrierCall, since: float) -> float | None:
    """Call seconds at which bot audio started at or after ``since`` (or is flowing now)."""
    flowing = call.bot_audio_flowing_since()
    if flowing is not None:
        return max(flowing, since)
    starts = [run.start for run in call.outcome.runs if run.start >= since]
    return min(starts) if starts else None


def _words(perception: BotPerception | None) -> list[str]:
    if perception is None:
        return []
    return [e.detail.lower() for e in perception.of_kind("transcript")]


class _Director:
    """Runs the script's steps on a live call."""

    def __init__(
        self,
        script: CallScriptSpec,
        clips: dict[int, Clip],
        result: ScriptResult,
        perception: BotPerception | None,
        transcripts: LiveTranscripts | None = None,
    ) -> None:
        self.transcripts = transcripts
        self.script = script
        self.clips = clips
        self.result = result
        self.perception = perception
        self.last_turn: TurnResult | None = None

    async def __call__(self, call: CarrierCall) -> None:
        await asyncio.sleep(0.5)  # a moment of line silence before the first step
        for step in self.script.steps:
            done = StepResult(step, call.now())
            self.result.steps.append(done)
            keep_going = await self._run(call, step, done)
            if step.action == "hangup":
                return
            if not keep_going:
                break
        await asyncio.sleep(0.3)
        call.hang_up()

    async def _run(self, call: CarrierCall, step: ScriptStep, done: StepResult) -> bool:
        if step.action == "say":
            clip = self.clips[step.number]
            turn = call.say(clip.samples, clip.text)
            if self.transcripts is not None:
                self.transcripts.add(turn.utterance.end, clip.text)
            self.last_turn = turn
            length = turn.utterance.end - turn.utterance.start
            await _until(lambda: call.sent_s >= turn.utterance.end, length + 5)
            done.observed = f"said {turn.utterance.start:.2f}-{turn.utterance.end:.2f} s"
            return True
        if step.action == "wait":
            await asyncio.sleep(step.seconds)
            done.observed = f"waited {step.seconds:g} s"
            return True
        if step.action == "dtmf":
            await call.send_dtmf(step.digits)
            done.observed = f"sent dtmf {', '.join(step.digits)}"
            return True
        if step.action == "hangup":
            call.hang_up(step.hangup)
            done.observed = f"hung up ({step.hangup})"
            return True
        if step.target.startswith("word:"):
            return await self._word(step, done)
        if step.action == "wait_for":
            return await self._wait_for(call, step, done)
        await self._expect(call, step, done)
        return True

    async def _word(self, step: ScriptStep, done: StepResult) -> bool:
        word = step.target.removeprefix("word:").lower()
        if self.perception is None:
            done.observed = (
                "no inside view of this bot: transcripts are seen only in the in-process "
                "reference bot with --stt"
            )
            return False
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        found = await _until(
            lambda: any(pattern.search(t) for t in _words(self.perception)), step.within_s
        )
        heard = " / ".join(_words(self.perception)) or "no transcript"
        if not _words(self.perception) and not found:
            done.observed = (
                f"the bot's pipeline produced no transcript in {step.within_s:g} s "
                "(the reference bot transcribes only with --stt, and only what a say step "
                "says with a known text: a sidecar utterance or espeak-ng text)"
            )
            return False
        done.ok = found
        done.observed = f"{'heard' if found else 'not heard'} {word!r}; transcripts: {heard}"
        return found or step.action == "expect"

    async def _wait_for(self, call: CarrierCall, step: ScriptStep, done: StepResult) -> bool:
        started = call.now()
        if step.target == "bot_speech":
            ok = await _until(lambda: _bot_speech_since(call, started) is not None, step.within_s)
            at = _bot_speech_since(call, started)
            done.ok = ok
            done.observed = (
                f"bot audio at {at:.2f} s ({at - started:.2f} s after the step began)"
                if ok and at is not None
                else f"no bot audio within {step.within_s:g} s"
            )
            return ok
        quiet_since = [call.now()]

        def quiet_long_enough() -> bool:
            if call.bot_audio_flowing_since() is not None:
                quiet_since[0] = call.now()
            return call.now() - quiet_since[0] >= step.for_s

        ok = await _until(quiet_long_enough, step.within_s)
        done.ok = ok
        done.observed = (
            f"{step.for_s:g} s of bot silence from {quiet_since[0]:.2f} s"
            if ok
            else f"the bot did not stay quiet for {step.for_s:g} s within {step.within_s:g} s"
        )
        return ok

    async def _expect(self, call: CarrierCall, step: ScriptStep, done: StepResult) -> None:
        if step.target == "call_open":
            done.ok = not call.outcome.closed_by_bot and call.outcome.error is None
            done.observed = "the call is open" if done.ok else (call.outcome.error or "closed")
            return
        if step.target == "bot_silent":
            started = call.now()
            await asyncio.sleep(step.for_s)
            at = _bot_speech_since(call, started)
            done.ok = at is None
            done.observed = (
                f"no bot audio for {step.for_s:g} s"
                if at is None
                else f"bot audio at {at:.2f} s ({at - started:.2f} s into the {step.for_s:g} s)"
            )
            return
        turn = self.last_turn
        if turn is None:
            done.ok = False
            done.observed = "nothing was said before this step, so nothing could be answered"
            return
        end = turn.utterance.end
        remaining = max(0.0, step.within_s - (call.now() - end)) + _POLL_S
        await _until(lambda: turn.answered, remaining)
        latency = turn.latency_s
        done.ok = latency is not None and latency <= step.within_s
        done.observed = (
            f"answered {latency:.2f} s after the utterance ended"
            if latency is not None
            else f"no answer within {step.within_s:g} s of the utterance's end at {end:.2f} s"
        )


async def run_call_script(
    script: CallScriptSpec,
    clips: dict[int, Clip],
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
    deadline_s: float = 120.0,
    stt: str | None = None,
) -> ScriptResult:
    """Place one real-time call and play the script into it."""
    options = CallOptions(
        url=url or "", carrier=carrier, fast=False, tail_s=0.0, seed=script.name, line=line
    )
    wire_rate = 16000 if carrier == "raw" else 8000
    result = ScriptResult(script, CallOutcome(carrier=carrier, url=url or "", fast=False))
    silence = np.zeros(0, dtype=np.int16)
    if url is not None:
        director = _Director(script, clips, result, None)
        result.outcome = await place_call(
            silence, [], options, sample_rate=wire_rate, deadline_s=deadline_s, director=director
        )
        return result
    perception = BotPerception()
    result.perception = perception
    observer = PerceptionObserver(perception)
    config = bot_config or ReferenceBotConfig()
    transcripts = LiveTranscripts(()) if stt is not None else None
    fake: Any = None
    if stt is not None and transcripts is not None:
        from dataclasses import replace

        from voicectl.harness.targets import BUILTIN_TARGETS
        from voicectl.providers.server import FakeProviderServer

        target = BUILTIN_TARGETS[stt]
        service: Any = None
        fake = FakeProviderServer(
            target.protocol,
            transcript_schedule=transcripts,
            clock=lambda: observer.audio_pushed_by(service),
        )
        await fake.start()
        service = target.build(fake.target_url)
        config = replace(config, stt=service)
    director = _Director(script, clips, result, perception, transcripts)
    server = ReferenceBotServer(config, observer_factory=lambda _i: [observer])
    try:
        async with server:
            options = CallOptions(**{**options.__dict__, "url": server.url})
            result.outcome = await place_call(
                silence,
                [],
                options,
                sample_rate=wire_rate,
                deadline_s=deadline_s,
                director=director,
            )
    finally:
        if fake is not None:
            await fake.stop()
    return result


def steps_not_reached(script: CallScriptSpec, done: Sequence[StepResult]) -> list[ScriptStep]:
    """The steps the call never got to (a failed wait_for stops the script; so does a hang-up)."""
    return list(script.steps[len(done) :])
