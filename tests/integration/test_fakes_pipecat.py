"""The provider fakes against Pipecat 1.14's own services, unchanged, on real loopback sockets."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from loguru import logger
from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    LLMFullResponseEndFrame,
    LLMRunFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from service_pipeline import running

from voicectl.audio.script import bundled_calls
from voicectl.harness.feed import audio_frames
from voicectl.providers.fakeset import FakeSet, plan_fakes
from voicectl.providers.openai_http import LLMTiming
from voicectl.providers.openai_llm import LLMRule, LLMScript

RATE = 16000
SPEEDUP = 4.0  # audio is sent 4x faster than real time: the fake must still follow the audio


@pytest.fixture(autouse=True)
def quiet_pipecat() -> Iterator[None]:
    logger.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def order_call():
    return next(c for c in bundled_calls() if c.name == "order_status")


async def test_deepgram_stt_service_transcribes_each_utterance_only_once_its_audio_arrived() -> (
    None
):
    from pipecat.services.deepgram.stt import DeepgramSTTService

    call = order_call()
    assert call.script is not None
    utterances = call.script.utterances[:2]
    plan = plan_fakes(["deepgram"], utterances=[u.text for u in call.script.utterances])
    async with FakeSet(plan) as fakes:
        stt = DeepgramSTTService(
            api_key="voicectl-fake-key", base_url=fakes.env["DEEPGRAM_BASE_URL"], sample_rate=RATE
        )
        chunks = audio_frames(call, RATE)[: round((utterances[-1].end + 1.5) / 0.02)]
        sent_s: list[float] = [0.0]  # seconds of call audio sent so far
        async with running([stt], sample_rate=RATE) as run:
            start = time.monotonic()
            for i, chunk in enumerate(chunks):
                await run.queue(InputAudioRawFrame(chunk, RATE, 1))
                sent_s[0] = (i + 1) * 0.02
                wait = start + (i + 1) * 0.02 / SPEEDUP - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            await run.wait_for(lambda: len(run.of_type(TranscriptionFrame)) >= 2, timeout=10)
            arrived = [(t, f) for t, f in run.frames if isinstance(f, TranscriptionFrame)]
            interims = run.of_type(InterimTranscriptionFrame)
    assert [f.text for _, f in arrived] == [u.text for u in utterances]
    assert interims and all(isinstance(f.text, str) and f.text for f in interims)
    # When each final arrived, the audio sent had to reach past its utterance's end.
    for (t, _), utterance in zip(arrived, utterances, strict=True):
        audio_sent_by_then = (t - start) * SPEEDUP
        assert audio_sent_by_then >= utterance.end, (audio_sent_by_then, utterance.end)
    connections = fakes["deepgram"].log.records()
    assert len(connections) == 1 and connections[0].path.startswith("/v1/listen?")
    assert "sample_rate=16000" in connections[0].path


async def test_deepgram_stt_service_gets_no_transcript_for_silence() -> None:
    from pipecat.services.deepgram.stt import DeepgramSTTService

    async with FakeSet(plan_fakes(["deepgram"])) as fakes:
        stt = DeepgramSTTService(
            api_key="k", base_url=fakes.env["DEEPGRAM_BASE_URL"], sample_rate=RATE
        )
        async with running([stt], sample_rate=RATE) as run:
            for _ in range(150):  # 3 s of silence, sent at once
                await run.queue(InputAudioRawFrame(b"\x00" * 640, RATE, 1))
            await asyncio.sleep(1.0)
            assert fakes["deepgram"].log.bytes_in >= 150 * 640
            assert run.of_type((TranscriptionFrame, InterimTranscriptionFrame)) == []


async def test_openai_llm_service_calls_the_offered_tool_then_answers_with_its_result() -> None:
    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
    from pipecat.services.llm_service import FunctionCallParams
    from pipecat.services.openai.llm import OpenAILLMService

    script = LLMScript((LLMRule(match="order", say="Let me check.", tool="check_order_status"),))
    plan = plan_fakes(["openai"], llm_script=script, llm_timing=LLMTiming(0.01, 0.001))
    tool = FunctionSchema(
        name="check_order_status",
        description="Look up an order",
        properties={"order_id": {"type": "string"}, "verbose": {"type": "boolean"}},
        required=["order_id"],
    )
    calls: list[dict[str, object]] = []

    async def check_order_status(params: FunctionCallParams) -> None:
        calls.append(dict(params.arguments))
        await params.result_callback({"status": "shipped"})

    async with FakeSet(plan) as fakes:
        base_url = fakes.env["OPENAI_BASE_URL"]
        assert base_url.endswith("/v1")
        llm = OpenAILLMService(api_key="voicectl-fake-key", base_url=base_url)
        llm.register_function("check_order_status", check_order_status)
        context = LLMContext(
            messages=[{"role": "user", "content": "Where is my order?"}],
            tools=ToolsSchema(standard_tools=[tool]),
        )
        pair = LLMContextAggregatorPair(context)
        async with running([pair.user(), llm], tail=[pair.assistant()]) as run:
            await run.queue(LLMRunFrame())
            await run.wait_for(lambda: len(run.of_type(LLMFullResponseEndFrame)) >= 2, timeout=10)
            text = "".join(f.text for f in run.of_type(LLMTextFrame))
            in_progress = run.of_type(FunctionCallInProgressFrame)
    assert calls == [{"order_id": "order_id-1"}]
    assert [f.function_name for f in in_progress] == ["check_order_status"]
    assert text.startswith("Let me check.")
    assert 'Here is what I found: {"status": "shipped"}' in text
    requests = fakes["openai"].log.records()
    assert [r.path for r in requests] == ["/v1/chat/completions"] * 2
    answers = [s.text for s in fakes["openai"].log.transcripts]
    assert answers[0].startswith("Let me check. + check_order_status(")


SENTENCE = "Your order shipped yesterday and should arrive on Thursday afternoon."


def tts_service(kind: str, env: dict[str, str], rate: int):
    if kind == "deepgram":
        from pipecat.services.deepgram.tts import DeepgramTTSService

        return DeepgramTTSService(
            api_key="k", base_url=env["DEEPGRAM_BASE_URL"], sample_rate=rate, encoding="linear16"
        )
    if kind == "openai":
        from pipecat.services.openai.tts import OpenAITTSService

        return OpenAITTSService(api_key="k", base_url=env["OPENAI_BASE_URL"], sample_rate=rate)
    if kind == "cartesia":
        from pipecat.services.cartesia.tts import CartesiaTTSService

        return CartesiaTTSService(
            api_key="k",
            url=env["CARTESIA_BASE_URL"] + "/tts/websocket",
            sample_rate=rate,
            settings=CartesiaTTSService.Settings(voice="voicectl-fake-voice"),
        )
    from pipecat.services.elevenlabs.tts import ElevenLabsTTSService

    return ElevenLabsTTSService(
        api_key="k",
        url=env["ELEVENLABS_BASE_URL"],
        sample_rate=rate,
        settings=ElevenLabsTTSService.Settings(voice="voicectl-fake-voice"),
    )


@pytest.mark.parametrize(
    ("kind", "rate"),
    [("deepgram", 16000), ("openai", 24000), ("cartesia", 8000), ("elevenlabs", 16000)],
)
async def test_tts_service_gets_speech_as_long_as_the_text_at_its_rate(
    kind: str, rate: int
) -> None:
    from pipecat.frames.frames import TTSAudioRawFrame, TTSSpeakFrame

    from voicectl.providers.tts_audio import speech_seconds

    async with FakeSet(plan_fakes([kind])) as fakes:
        tts = tts_service(kind, fakes.env, rate)
        async with running([tts], sample_rate=rate) as run:
            await run.queue(TTSSpeakFrame(SENTENCE))
            expected = speech_seconds(SENTENCE)

            def heard() -> float:
                audio = run.of_type(TTSAudioRawFrame)
                return sum(len(f.audio) for f in audio) / 2 / rate

            await run.wait_for(lambda: heard() >= expected - 0.05, timeout=10)
            await asyncio.sleep(0.3)
            frames = run.of_type(TTSAudioRawFrame)
    assert {f.sample_rate for f in frames} == {rate}
    assert heard() == pytest.approx(expected, abs=0.05)
    samples = np.frombuffer(b"".join(f.audio for f in frames), dtype="<i2").astype(np.float64)
    assert np.sqrt(np.mean(samples**2)) > 300  # speech-shaped, not silence


def stt_service(provider: str, env: dict[str, str]):
    from voicectl.harness.targets import BUILTIN_TARGETS

    target, url = {
        "cartesia": ("cartesia-stt", env.get("CARTESIA_BASE_URL", "")),
        "soniox": ("soniox", env.get("SONIOX_BASE_URL", "") + "/transcribe-websocket"),
        "assemblyai": ("assemblyai", env.get("ASSEMBLYAI_BASE_URL", "") + "/v3/ws"),
        "deepgram": ("deepgram-flux", env.get("DEEPGRAM_BASE_URL", "") + "/v2/listen"),
        "openai-stt": ("openai-stt", env.get("OPENAI_STT_BASE_URL", "") + "/v1/realtime"),
    }[provider]
    return BUILTIN_TARGETS[target].build(url, sample_rate=RATE)


@pytest.mark.parametrize("provider", ["cartesia", "soniox", "assemblyai", "deepgram", "openai-stt"])
async def test_every_stt_fake_transcribes_what_it_heard_for_the_real_service(provider: str) -> None:
    call = order_call()
    assert call.script is not None
    first = call.script.utterances[0]
    plan = plan_fakes([provider], utterances=[u.text for u in call.script.utterances])
    async with FakeSet(plan) as fakes:
        service = stt_service(provider, fakes.env)
        chunks = audio_frames(call, RATE)[: round((first.end + 1.5) / 0.02)]
        async with running([service], sample_rate=RATE) as run:
            start = time.monotonic()
            for i, chunk in enumerate(chunks):
                await run.queue(InputAudioRawFrame(chunk, RATE, 1))
                wait = start + (i + 1) * 0.02 / SPEEDUP - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            await run.wait_for(lambda: bool(run.of_type(TranscriptionFrame)), timeout=10)
            arrived = next(t for t, f in run.frames if isinstance(f, TranscriptionFrame))
            texts = [f.text.strip() for f in run.of_type(TranscriptionFrame)]
    assert texts == [first.text]
    assert (arrived - start) * SPEEDUP >= first.end  # not before its audio was sent


async def test_anthropic_llm_service_reaches_the_fake_through_its_env_var_and_calls_the_tool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
    from pipecat.services.anthropic.llm import AnthropicLLMService
    from pipecat.services.llm_service import FunctionCallParams

    script = LLMScript((LLMRule(match="order", say="One moment.", tool="check_order_status"),))
    plan = plan_fakes(["anthropic"], llm_script=script, llm_timing=LLMTiming(0.01, 0.001))
    tool = FunctionSchema(
        name="check_order_status",
        description="Look up an order",
        properties={"order_id": {"type": "string"}},
        required=["order_id"],
    )
    calls: list[dict[str, object]] = []

    async def check_order_status(params: FunctionCallParams) -> None:
        calls.append(dict(params.arguments))
        await params.result_callback({"status": "shipped"})

    async with FakeSet(plan) as fakes:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fakes.env["ANTHROPIC_BASE_URL"])
        llm = AnthropicLLMService(api_key="voicectl-fake-key")
        llm.register_function("check_order_status", check_order_status)
        context = LLMContext(
            messages=[{"role": "user", "content": "Where is my order?"}],
            tools=ToolsSchema(standard_tools=[tool]),
        )
        pair = LLMContextAggregatorPair(context)
        async with running([pair.user(), llm], tail=[pair.assistant()]) as run:
            await run.queue(LLMRunFrame())
            await run.wait_for(lambda: len(run.of_type(LLMFullResponseEndFrame)) >= 2, timeout=10)
            text = "".join(f.text for f in run.of_type(LLMTextFrame))
    assert calls == [{"order_id": "order_id-1"}]
    assert text.startswith("One moment.")
    assert 'Here is what I found: {"status": "shipped"}' in text
    assert [r.path for r in fakes["anthropic"].log.records()] == ["/v1/messages?beta=true"] * 2


@pytest.mark.slow
async def test_deepgram_stt_service_retries_a_1008_after_4_s_then_gives_up_on_the_401() -> None:
    from pipecat.services.deepgram.stt import DeepgramSTTService

    plan = plan_fakes(
        ["deepgram"], ["deepgram=ws-close:1008@1s#first", "deepgram=handshake:401#2.."]
    )
    async with FakeSet(plan) as fakes:
        stt = DeepgramSTTService(
            api_key="k", base_url=fakes.env["DEEPGRAM_BASE_URL"], sample_rate=RATE
        )
        async with running([stt], sample_rate=RATE) as run:
            for _ in range(400):  # 8 s of silence in real time
                await run.queue(InputAudioRawFrame(b"\x00" * 640, RATE, 1))
                await asyncio.sleep(0.02)
            usable = stt.is_usable
            errors = list(run.errors)
        records = fakes["deepgram"].log.records()
    assert [(r.status, r.close_sent) for r in records] == [(101, (1008, "")), (401, None)]
    assert records[1].opened_at - records[0].closed_at >= 4.0  # Pipecat's minimum backoff
    assert not usable
    assert any("401" in e for e in errors), errors
