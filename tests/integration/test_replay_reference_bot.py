"""End-to-end replay: bundled calls through the real-Pipecat reference bot on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.bot.pipeline import BotBrain, ReferenceBotConfig
from voicectl.replay.runner import ReplayPlan, ReplayResult, run_replay
from voicectl.report import Report, Verdict

pytestmark = pytest.mark.slow


SHORT = Path(__file__).parents[2] / "voicectl" / "data" / "smoke" / "order_status_short.wav"


def _call(name: str):
    return next(c for c in bundled_calls() if c.name == name)


def _checks(report: Report, check_id: str) -> list:
    return [c for c in report.checks if c.id == check_id]


async def test_reference_bot_answers_every_utterance_at_16khz(tmp_path: Path) -> None:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("order_status")],
        rates=(16000,),
        record_dir=tmp_path,
        bot_config=ReferenceBotConfig(reply_secs=0.3),
    )
    result = await run_replay(plan, report)
    (answered,) = _checks(report, "replay.bot_answered")
    assert answered.verdict is Verdict.PASS, answered.detail
    run = result.runs[0]
    assert run.perception is not None and len(run.perception.speech_segments()) >= 5
    assert (tmp_path / "order_status@16000.wav").stat().st_size > 100_000


@pytest.mark.parametrize("carrier", ["telnyx", "plivo", "exotel"])
async def test_reference_bot_detects_and_answers_every_carrier(carrier: str) -> None:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("order_status")],
        rates=(8000,),
        carrier=carrier,
        bot_config=ReferenceBotConfig(reply_secs=0.3),
    )
    result = await run_replay(plan, report)
    (answered,) = _checks(report, "replay.bot_answered")
    assert answered.verdict is Verdict.PASS, answered.detail
    assert result.runs[0].outcome.media_received > 0


async def test_rate_consistency_catches_smart_turn_told_8khz_audio_is_16khz() -> None:
    """The Pipecat #3844 class of bug: a component that assumes 16 kHz is fed telephony audio."""
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("appointment_pause")],
        rates=(8000, 16000),
        bot_config=ReferenceBotConfig(reply_secs=0.3, smart_turn_rate=16000),
    )
    await run_replay(plan, report)
    (consistency,) = _checks(report, "replay.rate_consistency")
    assert consistency.verdict is Verdict.FAIL
    assert consistency.observed.startswith("8000 Hz: end-of-turn model leans to 'caller finished'")


async def test_rate_consistency_passes_for_the_correct_bot() -> None:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("appointment_pause")],
        rates=(8000, 16000),
        bot_config=ReferenceBotConfig(reply_secs=0.3),
    )
    await run_replay(plan, report)
    (consistency,) = _checks(report, "replay.rate_consistency")
    assert consistency.verdict is Verdict.PASS, consistency.detail


async def test_replay_into_a_bot_served_by_pipecats_own_runner(pipecat_runner_bot_url: str) -> None:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("order_status")], url=pipecat_runner_bot_url, rates=(), fast=True
    )
    result = await run_replay(plan, report)
    (answered,) = _checks(report, "replay.bot_answered")
    assert answered.verdict is Verdict.PASS, answered.detail
    assert result.runs[0].outcome.media_received > 0


async def test_reference_bot_with_an_stt_stage_answers_after_each_transcript() -> None:
    """Real time: with an STT, Pipecat's turn end also waits (on the wall clock) for the
    transcript, so only real-time pacing reproduces a phone call's turn-taking exactly."""
    report = Report("replay")
    call = load_call(SHORT)  # the first 21 s of order_status: three turns
    plan = ReplayPlan(
        calls=[call],
        rates=(16000,),
        stt="soniox",
        fast=False,
        tail_s=1.0,
        bot_config=ReferenceBotConfig(reply_secs=0.5),
    )
    result = await run_replay(plan, report)
    _assert_every_utterance_answered_and_transcribed(report, result, call)
    turns = next(t for t in report.tables if t.title == "Turns")
    assert turns.columns[-1] == "bot's STT heard"


@pytest.mark.parametrize("stt", ["soniox", "assemblyai"])
async def test_fast_replay_with_an_stt_stage_answers_every_utterance(stt: str) -> None:
    report = Report("replay")
    call = _call("order_status")
    plan = ReplayPlan(calls=[call], rates=(8000,), stt=stt, fast=True)
    result = await run_replay(plan, report)
    _assert_every_utterance_answered_and_transcribed(report, result, call)


def _assert_every_utterance_answered_and_transcribed(
    report: Report, result: ReplayResult, call: Call
) -> None:
    (answered,) = _checks(report, "replay.bot_answered")
    assert answered.verdict is Verdict.PASS, answered.detail
    run = result.runs[0]
    assert run.perception is not None
    heard = [e.detail for e in run.perception.of_kind("transcript")]
    assert call.script is not None
    assert heard == [u.text for u in call.script.utterances]


async def test_fast_replay_runs_the_full_bots_fakes_at_the_callers_speed() -> None:
    """--fast: the full bot's model streams and its TTS speaks 20x faster, as the caller's
    silence goes, so a reply of 2-4 s of speech plays in 0.1-0.2 s."""
    report = Report("replay")
    plan = ReplayPlan(
        calls=[_call("order_status")],
        rates=(8000,),
        tail_s=0.0,
        bot_config=ReferenceBotConfig(brain=BotBrain.FULL, tool_delay_s=0.1),
    )
    result = await run_replay(plan, report)
    (started,) = [e for e in report.events if e.kind == "bot_started"]
    assert "provider fakes 20x faster than real time" in str(started.data["config"])
    outcome = result.runs[0].outcome
    assert sum(t.answered for t in outcome.turns) >= 4, outcome.turns
    # 0.1-0.2 s measured on a quiet machine, 0.52 s once at load 7 (pytest -n 6 beside two
    # other suites); in real time the shortest reply plays for 2 s, so 1 s still tells them apart.
    assert max(r.end - r.start for r in outcome.runs) < 1.0, outcome.runs
