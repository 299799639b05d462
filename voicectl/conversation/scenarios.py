"""Conversation faults as directed calls: barge-in while the bot speaks, hang-up, carrier close.

Each scenario is a :data:`~voicectl.replay.client.Director` steering a real-time carrier call
as it happens, against ``--url`` or the in-process reference bot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from voicectl.audio.io import resample
from voicectl.audio.script import Call, Utterance
from voicectl.bot.observer import PerceptionObserver
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.bot.server import ReferenceBotServer, running_pipeline_tasks
from voicectl.outcome.call import CallOutcome, TurnResult
from voicectl.outcome.conversation import (
    BargeIn,
    BargeInResult,
    CallEnding,
    CallEndingResult,
    DirectedCall,
)
from voicectl.outcome.function_calls import FunctionCallLog
from voicectl.outcome.perception import BotPerception
from voicectl.replay.client import CallOptions, CarrierCall, Director, place_call
from voicectl.replay.line import LineSpec

__all__ = [
    "ask_and_await_reply",
    "caller_lines",
    "run_barge_in",
    "run_call_ending",
    "run_directed",
    "wait_until",
]

_POLL_S = 0.01


def caller_lines(call: Call, wire_rate: int) -> list[tuple[npt.NDArray[np.int16], str]]:
    """The caller's utterances from a scripted call, cut tight to the speech, at the wire rate."""
    samples = call.audio.samples
    rate = call.audio.sample_rate
    if rate != wire_rate:
        samples = resample(samples, rate, wire_rate)
        rate = wire_rate
    return [
        (np.array(samples[int(u.start * rate) : int(u.end * rate)]), u.text)
        for u in call.script.utterances
    ]


async def _until(predicate: object, timeout: float) -> bool:
    """Poll ``predicate()`` every 10 ms until true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(_POLL_S)
    return False


wait_until = _until


async def ask_and_await_reply(
    call: CarrierCall, line: tuple[npt.NDArray[np.int16], str], wait_s: float
) -> tuple[TurnResult, str]:
    """After half a second of line silence, say ``line`` and wait up to ``wait_s`` after it for
    the bot's reply to start. Returns the turn and ``""``, or, with no reply, a note saying so
    (the caller has then hung up)."""
    await asyncio.sleep(0.5)
    turn = call.say(*line)
    asked = turn.utterance.end
    replied = await _until(
        lambda: (s := call.bot_audio_flowing_since()) is not None and s >= asked - 0.5,
        asked + wait_s,
    )
    if replied:
        return turn, ""
    call.hang_up()
    return turn, f"the bot did not answer within {wait_s:.0f} s of the caller's question"


async def run_directed(
    director: Director,
    *,
    url: str | None,
    carrier: str,
    bot_config: ReferenceBotConfig | None,
    deadline_s: float,
    seed: str,
    pipeline_wait_s: float = 10.0,
    line: LineSpec | None = None,
    recv_buffer_bytes: int | None = None,
) -> DirectedCall:
    """Place one real-time call steered by ``director`` against ``url`` or the reference bot.

    The caller's line is silent except for what the director plays. With the reference bot the
    result carries its perception (VAD, turns, DTMF, bot speech) on the call's clocks, and
    the call's pipeline is given ``pipeline_wait_s`` to finish.
    """
    options = CallOptions(
        url=url or "",
        carrier=carrier,
        fast=False,
        tail_s=0.0,
        seed=seed,
        line=line,
        recv_buffer_bytes=recv_buffer_bytes,
    )
    wire_rate = 16000 if carrier == "raw" else 8000
    silence = np.zeros(0, dtype=np.int16)
    if url is not None:
        outcome = await place_call(
            silence, [], options, sample_rate=wire_rate, deadline_s=deadline_s, director=director
        )
        return DirectedCall(outcome)
    perception = BotPerception()
    server = ReferenceBotServer(
        bot_config or ReferenceBotConfig(),
        observer_factory=lambda _i: [PerceptionObserver(perception)],
    )
    async with server:
        options = CallOptions(**{**options.__dict__, "url": server.url})
        outcome = await place_call(
            silence, [], options, sample_rate=wire_rate, deadline_s=deadline_s, director=director
        )
        for served in server.calls:
            if not await _until(served.finished.is_set, pipeline_wait_s):
                served.leftover_tasks = running_pipeline_tasks()
    return DirectedCall(outcome, perception, [c.served() for c in server.calls])


def _barge_in_director(
    lines: list[tuple[npt.NDArray[np.int16], str]],
    plan: BargeIn,
    result: BargeInResult,
    perception: BotPerception | None = None,
    live_calls: Callable[[], FunctionCallLog | None] | None = None,
) -> Director:
    first_audio, first_text = lines[0]
    barge_audio, barge_text = lines[1]

    async def direct(call: CarrierCall) -> None:
        await asyncio.sleep(0.5)  # a moment of line silence before the caller speaks
        result.first = call.say(first_audio, first_text)
        first_end = result.first.utterance.end
        if plan.into_tool_call_s is not None:

            def in_progress() -> bool:
                calls = live_calls() if live_calls else None
                return calls is not None and bool(calls.in_progress_now())

            if not await _until(in_progress, first_end + plan.tool_call_wait_s):
                result.note = (
                    f"the bot made no function call within {plan.tool_call_wait_s:.0f} s "
                    "of the caller's first utterance ending"
                )
                call.hang_up()
                return
            seen = live_calls() if live_calls else None
            assert seen is not None
            running_call = seen.in_progress_now()[0]
            result.tool_call_id = running_call.tool_call_id
            result.tool_call_name = running_call.function_name
            result.tool_call_seen_at = call.sent_s
            await asyncio.sleep(plan.into_tool_call_s)
        elif plan.after_turn_end_s is not None and perception is not None:
            first_start = result.first.utterance.start

            def turn_ended() -> bool:
                return any(e.audio_t >= first_start for e in perception.of_kind("turn_end"))

            if not await _until(turn_ended, first_end + plan.wait_for_reply_s):
                result.note = (
                    f"the bot did not end the caller's turn within {plan.wait_for_reply_s:.0f} s"
                )
                call.hang_up()
                return
            wait = plan.after_turn_end_s
            await asyncio.sleep(wait)
        elif plan.at_s is not None:
            await _until(lambda: call.sent_s >= first_end + plan.at_s, plan.at_s + 5)
        else:
            replied = await _until(
                lambda: (s := call.bot_audio_flowing_since()) is not None and s >= first_end - 0.5,
                first_end + plan.wait_for_reply_s,
            )
            if not replied:
                result.note = f"the bot did not start a reply within {plan.wait_for_reply_s:.0f} s of the first utterance"
                call.hang_up()
                return
            result.reply_started = call.bot_audio_flowing_since()
            during = plan.during_reply_s or 0.0
            await _until(lambda: call.sent_s >= (result.reply_started or 0) + during, during + 5)
        result.bot_audio_at_onset = call.bot_audio_flowing_since() is not None
        if result.reply_started is None and result.bot_audio_at_onset:
            result.reply_started = call.bot_audio_flowing_since()
        result.barge = call.say(barge_audio, barge_text)
        result.onset = result.barge.utterance.start
        barge_end = result.barge.utterance.end

        def answered() -> bool:
            return any(run.start >= barge_end for run in call.outcome.runs)

        await _until(lambda: call.sent_s >= barge_end, barge_end + 5)
        await _until(answered, plan.answer_wait_s)
        if plan.into_tool_call_s is not None and live_calls is not None:
            # Let a function call the answer started settle before the caller hangs up.
            def settled() -> bool:
                calls = live_calls()
                return calls is None or not calls.in_progress_now()

            await _until(settled, plan.tool_call_wait_s)
            await _until(lambda: call.bot_audio_flowing_since() is None, plan.answer_wait_s)
        await asyncio.sleep(0.5)
        call.hang_up()

    return direct


async def run_barge_in(
    call: Call,
    plan: BargeIn,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    line: LineSpec | None = None,
    live_calls: Callable[[], FunctionCallLog | None] | None = None,
) -> BargeInResult:
    """Place a real-time call where the caller barges in on the bot's reply.

    ``live_calls`` reports the bot's function calls as they happen (a bot at ``url`` seen from
    inside, for ``--during tool-call``); the in-process reference bot reports its own.
    """
    options = CallOptions(
        url=url or "",
        carrier=carrier,
        fast=False,
        tail_s=0.0,
        seed=f"{call.name}-barge-in",
        line=line,
    )
    wire_rate = 16000 if carrier == "raw" else 8000
    lines = caller_lines(call, wire_rate)
    if len(lines) < 2:
        raise ValueError(f"{call.name} needs two utterances for a barge-in")
    result = BargeInResult(
        outcome=CallOutcome(carrier=carrier, url=url or "", fast=False),
        during_tool_call=plan.into_tool_call_s is not None,
    )
    perception = BotPerception() if url is None else None
    director = _barge_in_director(lines, plan, result, perception, live_calls)
    silence = np.zeros(0, dtype=np.int16)
    deadline = 30.0 + plan.wait_for_reply_s + plan.answer_wait_s
    if url is not None:
        result.outcome = await place_call(
            silence, [], options, sample_rate=wire_rate, deadline_s=deadline, director=director
        )
    else:
        server = ReferenceBotServer(
            bot_config or ReferenceBotConfig(reply_secs=4.0),
            observer_factory=lambda _i: [PerceptionObserver(perception)],
            fake_utterances=[text for _audio, text in lines],
        )

        def brain_calls() -> FunctionCallLog | None:
            brain = server.calls[0].brain if server.calls else None
            return brain.calls if brain is not None else None

        live_calls = brain_calls
        async with server:
            options = CallOptions(**{**options.__dict__, "url": server.url})
            director = _barge_in_director(lines, plan, result, perception, live_calls)
            result.outcome = await place_call(
                silence, [], options, sample_rate=wire_rate, deadline_s=deadline, director=director
            )
            for bot_call in server.calls:
                await _until(bot_call.finished.is_set, 10)
            brain = server.calls[0].brain if server.calls else None
            if brain is not None:
                result.hung_up_by = brain.hung_up_by
                result.aggregator_in_progress_at_end = brain.aggregator_in_progress_at_end
                if brain.flows:
                    result.flow_start_node = brain.first_node
                    result.flow_node_at_end = brain.flow_nodes[-1] if brain.flow_nodes else None
        result.bot_calls = [c.served() for c in server.calls]  # once the server has stopped
    if result.during_tool_call and live_calls is not None:
        result.function_calls = live_calls()
    if result.barge is not None:
        barge_end = result.barge.utterance.end
        starts = [run.start for run in result.outcome.runs if run.start >= barge_end]
        result.answer_started = min(starts) if starts else None
    return result


async def run_call_ending(
    call: Call,
    ending: CallEnding,
    *,
    url: str | None,
    carrier: str = "twilio",
    bot_config: ReferenceBotConfig | None = None,
    pipeline_wait_s: float = 10.0,
    line: LineSpec | None = None,
) -> CallEndingResult:
    """Place a real-time call and end it from the carrier side mid-call."""
    audio = call.audio.samples
    utterances: list[Utterance] = list(call.script.utterances)
    options = CallOptions(
        url=url or "",
        carrier=carrier,
        fast=False,
        tail_s=1.0,
        close_wait_s=ending.close_wait_s,
        seed=f"{call.name}-{ending.how}",
        line=line,
    )
    result = CallEndingResult(CallOutcome(carrier=carrier, url=url or "", fast=False), ending)

    async def direct(c: CarrierCall) -> None:
        await _until(lambda: c.sent_s >= ending.at_s, ending.at_s + 10)
        result.ended_at_wall = time.monotonic()
        c.hang_up(ending.how, ending.code, ending.reason)

    deadline = ending.at_s + ending.close_wait_s + 20
    if url is not None:
        result.outcome = await place_call(
            audio,
            utterances,
            options,
            sample_rate=call.audio.sample_rate,
            deadline_s=deadline,
            director=direct,
        )
        return result
    async with ReferenceBotServer(bot_config or ReferenceBotConfig()) as server:
        options = CallOptions(**{**options.__dict__, "url": server.url})
        result.outcome = await place_call(
            audio,
            utterances,
            options,
            sample_rate=call.audio.sample_rate,
            deadline_s=deadline,
            director=direct,
        )
        for served in server.calls:
            if not await _until(served.finished.is_set, pipeline_wait_s):
                served.leftover_tasks = running_pipeline_tasks()
    result.bot_calls = [c.served() for c in server.calls]  # once the server has stopped
    return result
