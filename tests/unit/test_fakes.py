"""The provider fakes' sans-I/O parts: speech detection, the Deepgram and OpenAI protocols, plans."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from voicectl.errors import InputError
from voicectl.faults import LLMError, LLMStall, Selector, parse_fault_spec
from voicectl.providers.deepgram_stt import DeepgramSTTProtocol
from voicectl.providers.fakeset import FakeSpec, plan_fakes
from voicectl.providers.openai_llm import (
    LLMRule,
    LLMScript,
    arguments_from_schema,
    completion_body,
    plan_completion,
    stream_chunks,
)
from voicectl.providers.protocol import CloseNormally, Output
from voicectl.providers.speech_detect import SpeechDetector, SpeechEventKind

RATE = 16000


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (level * 32767 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


def chunks(samples: np.ndarray, ms: int = 20) -> list[bytes]:
    step = RATE * ms // 1000
    data = samples.astype("<i2")
    return [data[i : i + step].tobytes() for i in range(0, len(data), step)]


def decoded(items: list[object]) -> list[dict[str, object]]:
    out = []
    for item in items:
        message = item.message if isinstance(item, Output) else item
        if isinstance(message, str):
            out.append(json.loads(message))
    return out


def test_detector_finds_speech_start_and_end_on_the_stream_clock() -> None:
    detector = SpeechDetector(RATE, endpoint_ms=500)
    events = detector.feed(np.concatenate([silence(1.0), tone(1.0), silence(1.0)]))
    kinds = [(e.kind, round(e.at_s, 2)) for e in events if e.kind is not SpeechEventKind.ONGOING]
    assert kinds == [(SpeechEventKind.STARTED, 1.0), (SpeechEventKind.ENDED, 2.0)]


def test_detector_hears_nothing_in_silence_or_quiet_noise() -> None:
    detector = SpeechDetector(RATE)
    noise = (np.random.default_rng(1).standard_normal(RATE * 2) * 50).astype(np.int16)
    assert detector.feed(np.concatenate([silence(1.0), noise])) == []


def test_a_pause_shorter_than_the_endpoint_keeps_one_utterance() -> None:
    detector = SpeechDetector(RATE, endpoint_ms=800)
    audio = np.concatenate([tone(0.5), silence(0.6), tone(0.5), silence(1.0)])
    ended = [e for e in detector.feed(audio) if e.kind is SpeechEventKind.ENDED]
    assert [(round(e.started_s, 2), round(e.at_s, 2)) for e in ended] == [(0.0, 1.6)]


def deepgram(query: str = "", texts: tuple[str, ...] = ()) -> DeepgramSTTProtocol:
    cls = DeepgramSTTProtocol.with_utterances(texts, endpoint_ms=500)
    return cls("/v1/listen?encoding=linear16&sample_rate=16000" + query)


def feed(protocol: DeepgramSTTProtocol, samples: np.ndarray) -> list[object]:
    out: list[object] = []
    for chunk in chunks(samples):
        out.extend(protocol.on_message(chunk))
    return out


def test_deepgram_final_results_carry_the_sidecar_words_in_order() -> None:
    protocol = deepgram(texts=("hello there", "my order"))
    audio = np.concatenate([tone(0.6), silence(0.8), tone(0.6), silence(0.8)])
    finals = [m for m in decoded(feed(protocol, audio)) if m.get("is_final")]
    texts = [m["channel"]["alternatives"][0]["transcript"] for m in finals]  # type: ignore[index]
    assert texts == ["hello there", "my order"]
    assert all(m["speech_final"] and m["type"] == "Results" for m in finals)


def test_deepgram_without_a_sidecar_numbers_the_utterances() -> None:
    protocol = deepgram()
    audio = np.concatenate([tone(0.5), silence(0.8), tone(0.5), silence(0.8)])
    finals = [m for m in decoded(feed(protocol, audio)) if m.get("is_final")]
    assert [m["channel"]["alternatives"][0]["transcript"] for m in finals] == [  # type: ignore[index]
        "utterance 1",
        "utterance 2",
    ]


def test_deepgram_vad_events_interims_and_utterance_end_follow_the_query() -> None:
    plain = decoded(feed(deepgram(), np.concatenate([tone(1.5), silence(0.8)])))
    assert [m["type"] for m in plain] == ["Results"]
    rich = deepgram("&interim_results=true&vad_events=true&utterance_end_ms=1000", ("a b c d e",))
    types = [m["type"] for m in decoded(feed(rich, np.concatenate([tone(1.5), silence(0.8)])))]
    assert types[0] == "SpeechStarted" and types[-1] == "UtteranceEnd"
    assert types.count("Results") >= 3  # interims, then the final


def test_deepgram_finalize_sends_the_pending_words_once_or_an_empty_final() -> None:
    protocol = deepgram(texts=("first words",))
    feed(protocol, tone(0.5))
    first = decoded(protocol.on_message('{"type": "Finalize"}'))
    assert first[0]["from_finalize"] is True
    assert first[0]["channel"]["alternatives"][0]["transcript"] == "first words"  # type: ignore[index]
    later = decoded(feed(protocol, silence(0.8)) + protocol.on_message('{"type": "Finalize"}'))
    assert [m["channel"]["alternatives"][0]["transcript"] for m in later] == [""]  # type: ignore[index]


def test_deepgram_finalize_in_a_pause_sends_what_was_said_and_the_rest_comes_after() -> None:
    """Deepgram transcribes the audio it has at a ``Finalize``; speech after it is a new final."""
    protocol = deepgram(texts=("Yes, that's the one. It was supposed to arrive yesterday.",))
    feed(protocol, np.concatenate([tone(1.2), silence(0.3)]))  # a breath, shorter than 500 ms
    first = decoded(protocol.on_message('{"type": "Finalize"}'))
    assert [m["channel"]["alternatives"][0]["transcript"] for m in first] == [  # type: ignore[index]
        "Yes, that's the one."
    ]
    rest = decoded(feed(protocol, np.concatenate([tone(2.0), silence(0.6)])))
    finals = [m for m in rest if m.get("is_final")]
    assert [m["channel"]["alternatives"][0]["transcript"] for m in finals] == [  # type: ignore[index]
        "It was supposed to arrive yesterday."
    ]
    assert finals[0]["speech_final"] is True


def test_deepgram_close_stream_sends_metadata_then_closes_normally() -> None:
    protocol = deepgram()
    feed(protocol, tone(0.3))
    out = protocol.on_message('{"type": "CloseStream"}')
    assert [m["type"] for m in decoded(out)] == ["Results", "Metadata"]
    assert out[-1] == CloseNormally(1000)
    assert protocol.on_message(b"\x00" * 640) == []


def test_deepgram_keepalive_gets_no_answer() -> None:
    assert deepgram().on_message('{"type": "KeepAlive"}') == []


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "check_order_status",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string"},
                    "carrier": {"type": "string", "enum": ["ups", "fedex"]},
                    "count": {"type": "integer", "minimum": 2},
                    "rush": {"type": "boolean"},
                },
                "required": ["order_id", "carrier", "count"],
            },
        },
    }
]


def test_arguments_are_built_from_the_schema_required_properties() -> None:
    schema = TOOLS[0]["function"]["parameters"]  # type: ignore[index]
    assert arguments_from_schema(schema) == {"order_id": "order_id-1", "carrier": "ups", "count": 2}


def test_default_reply_echoes_the_caller() -> None:
    request = {"messages": [{"role": "user", "content": "What time is it"}]}
    completion = plan_completion(request, LLMScript(), "call_1")
    assert completion.content == "Sure, I can help with that. You said: What time is it"
    assert completion.finish_reason == "stop"


def test_a_rule_calls_the_offered_tool_then_answers_after_its_result() -> None:
    script = LLMScript((LLMRule(match="order", tool="*", arguments={"order_id": "7294"}),))
    request = {"messages": [{"role": "user", "content": "my order?"}], "tools": TOOLS}
    call = plan_completion(request, script, "call_1")
    assert call.finish_reason == "tool_calls"
    assert json.loads(call.tool_calls[0].arguments)["order_id"] == "7294"
    request["messages"] += [  # type: ignore[operator]
        {"role": "assistant", "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
    ]
    answer = plan_completion(request, script, "call_2")
    assert answer.content == 'Here is what I found: {"status": "shipped"}'


def test_a_tool_the_request_does_not_offer_is_not_called() -> None:
    script = LLMScript((LLMRule(tool="transfer_call"),))
    completion = plan_completion({"messages": [{"role": "user", "content": "hi"}]}, script, "c")
    assert completion.tool_calls == () and "not offered" in completion.note


def test_streamed_tool_call_arrives_in_fragments_with_finish_reason_and_usage() -> None:
    script = LLMScript((LLMRule(say="One moment.", tool="check_order_status"),))
    request = {"messages": [{"role": "user", "content": "order"}], "tools": TOOLS}
    completion = plan_completion(request, script, "call_9")
    chunks = stream_chunks(completion, completion_id="x", model="m", created=1, include_usage=True)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas[0]["role"] == "assistant"
    content = "".join(d.get("content") or "" for d in deltas)
    assert content == "One moment."
    calls = [d["tool_calls"][0] for d in deltas if "tool_calls" in d]
    assert calls[0]["id"] == "call_9" and calls[0]["function"]["name"] == "check_order_status"
    arguments = "".join(c["function"]["arguments"] for c in calls)
    assert json.loads(arguments) == json.loads(completion.tool_calls[0].arguments)
    assert len(calls) > 2  # the arguments come in several fragments
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    body = completion_body(completion, completion_id="x", model="m", created=1)
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == arguments


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected"),
        ({"rules": [{"when": "x"}]}, "unknown keys when"),
        ({"rules": [{"match": "("}]}, "bad match pattern"),
        ({"rules": [{"arguments": []}]}, "arguments must be an object"),
    ],
)
def test_bad_llm_scripts_are_input_errors(data: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        LLMScript.parse(data)


def test_llm_fault_specs_parse_with_selectors() -> None:
    fault, selector = parse_fault_spec("llm-error:429~2#first")
    assert fault == LLMError(status=429, retry_after_s=2.0) and selector == Selector(1, 1)
    assert parse_fault_spec("llm-error:503")[0].describe().endswith("Retry-After 1 s")
    assert parse_fault_spec("llm-stall:5@3s")[0] == LLMStall(after_chunks=5, after=3.0)
    with pytest.raises(InputError, match="not a whole number"):
        parse_fault_spec("llm-truncate:x")
    with pytest.raises(InputError, match="@Nmsg"):
        parse_fault_spec("llm-slow:100@3msg")


def test_fake_specs_name_env_vars() -> None:
    assert FakeSpec.parse("deepgram").env_var == "DEEPGRAM_BASE_URL"
    assert FakeSpec.parse("deepgram:backup").env_var == "DEEPGRAM_BACKUP_BASE_URL"
    assert FakeSpec.parse("openai-stt").env_var == "OPENAI_STT_BASE_URL"


@pytest.mark.parametrize(
    ("fakes", "faults", "message"),
    [
        (["nope"], [], "unknown provider 'nope'"),
        ([], [], "no fakes"),
        (["deepgram", "deepgram"], [], "two fakes are named 'deepgram'"),
        (["deepgram"], ["openai=llm-error:429"], "fake 'openai', which is not started"),
        (["deepgram"], ["deepgram"], "not NAME=SPEC"),
        (["deepgram"], ["deepgram=llm-stall"], "is an LLM fault"),
        (["openai"], ["openai=ws-close:1008"], "the openai fake is HTTP"),
        (["deepgram"], ["deepgram=ws-close:999"], "close code 999"),
    ],
)
def test_bad_fake_plans_are_input_errors(fakes: list[str], faults: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        plan_fakes(fakes, faults)


def test_a_revoked_key_is_two_faults_on_one_fake_and_a_named_fake_takes_faults_by_name() -> None:
    plan = plan_fakes(
        ["deepgram", "deepgram:backup"],
        ["deepgram=ws-close:1008@8s#first", "deepgram=handshake:401#2..", "backup=stall"],
    )
    assert [(f.fault.name, f.selector) for f in plan.faults if f.fake == "deepgram"] == [
        ("ws-close", Selector(1, 1)),
        ("handshake", Selector(2, None)),
    ]
    assert [f.fake for f in plan.faults] == ["deepgram", "deepgram", "backup"]
    assert plan_fakes(["deepgram:backup"], ["deepgram:backup=stall"]).faults[0].fake == "backup"


@pytest.mark.parametrize(("encoding", "width"), [("linear16", 2), ("mulaw", 1), ("alaw", 1)])
def test_deepgram_tts_answers_speak_with_audio_in_the_requested_encoding_and_rate(
    encoding: str, width: int
) -> None:
    from voicectl.providers.deepgram_tts import DeepgramTTSProtocol
    from voicectl.providers.tts_audio import speech_seconds

    protocol = DeepgramTTSProtocol(f"/v1/speak?model=aura&encoding={encoding}&sample_rate=8000")
    assert json.loads(str(protocol.on_open()[0]))["type"] == "Metadata"
    out = protocol.on_message(json.dumps({"type": "Speak", "text": "Hello there, caller."}))
    audio = b"".join(o.message if isinstance(o, Output) else o for o in out)  # type: ignore[misc]
    assert len(audio) == round(speech_seconds("Hello there, caller.") * 8000) * width
    assert decoded(protocol.on_message('{"type": "Flush"}')) == [
        {"type": "Flushed", "sequence_id": 1}
    ]
    assert decoded(protocol.on_message('{"type": "Clear"}'))[0]["type"] == "Cleared"
    assert protocol.on_message('{"type": "Close"}') == [CloseNormally(1000)]


def test_tts_audio_length_follows_the_text() -> None:
    from voicectl.providers.tts_audio import speech_for_text

    short, long = speech_for_text("Hi.", 16000), speech_for_text("Hi. " * 60, 16000)
    assert len(short) == round(0.3 * 16000) * 2
    assert len(long) == round(len(("Hi. " * 60).strip()) / 15 * 16000) * 2


def test_sped_up_tts_audio_is_that_much_shorter_but_never_under_a_tenth_of_a_second() -> None:
    from voicectl.providers.tts_audio import speech_for_text, speech_seconds

    sentence = "Let me check that order for you, it will only take a moment."
    assert speech_seconds(sentence, 20.0) == pytest.approx(speech_seconds(sentence) / 20)
    assert (
        len(speech_for_text(sentence, 8000, 20.0))
        == round(speech_seconds(sentence) / 20 * 8000) * 2
    )
    assert speech_seconds("Hi.", 20.0) == 0.1  # 0.3 s / 20 would be under one output chunk
    assert speech_seconds("Hi.", 1.0) == 0.3


def test_a_sped_up_fake_set_streams_and_speaks_faster_and_a_bad_speed_is_an_input_error() -> None:
    from voicectl.providers.cartesia_tts import CartesiaTTSProtocol
    from voicectl.providers.fakeset import FakeSet
    from voicectl.providers.openai_http import LLMTiming
    from voicectl.providers.tts_audio import speech_seconds

    assert LLMTiming(0.15, 0.01).faster(20.0) == LLMTiming(0.0075, 0.0005)
    fakes = FakeSet(plan_fakes(["cartesia", "openai"], speed=20.0))
    tts = fakes._configure(CartesiaTTSProtocol)("/tts/websocket")
    said = "Your order shipped yesterday and will arrive on Friday."
    request = {"context_id": "c", "transcript": said, "continue": False}
    request["output_format"] = {"encoding": "pcm_s16le", "sample_rate": 8000}
    out = tts.on_message(json.dumps(request))
    messages = [json.loads(str(m.message if isinstance(m, Output) else m)) for m in out]
    audio = b"".join(base64.b64decode(m["data"]) for m in messages if m["type"] == "chunk")
    audio_s = len(audio) / 2 / 8000
    assert audio_s == pytest.approx(speech_seconds(said) / 20, abs=1e-3)
    assert fakes._configure(CartesiaTTSProtocol) is not CartesiaTTSProtocol
    assert FakeSet(plan_fakes(["cartesia"]))._configure(CartesiaTTSProtocol) is CartesiaTTSProtocol
    with pytest.raises(InputError, match="speed must be > 0"):
        plan_fakes(["cartesia"], speed=0)


def test_a_wrapped_stt_protocol_takes_its_rate_from_the_config_and_transcribes_on_speech_end() -> (
    None
):
    from voicectl.providers.heard import transcribing
    from voicectl.providers.soniox import SonioxProtocol

    protocol = transcribing(SonioxProtocol, ("hello there",), 500)("/transcribe-websocket")
    protocol.on_message(json.dumps({"sample_rate": 8000, "audio_format": "pcm_s16le"}))
    assert protocol.detector.sample_rate == 8000
    t = np.arange(8000) / 8000
    speech = (0.3 * 32767 * np.sin(2 * np.pi * 200 * t)).astype("<i2")
    out: list[object] = []
    for audio in (speech, np.zeros(8000, dtype="<i2")):
        data = audio.tobytes()
        for i in range(0, len(data), 320):
            out.extend(protocol.on_message(data[i : i + 320]))
    (message,) = decoded(out)
    assert [t["text"] for t in message["tokens"]] == ["hello there", "<end>"]  # type: ignore[union-attr]
    assert protocol.on_message(b"\x00" * 320) == []


def test_a_burst_of_audio_gets_only_the_transcripts_its_audio_completes() -> None:
    from voicectl.audio.io import resample
    from voicectl.audio.script import bundled_calls

    call = next(c for c in bundled_calls() if c.name == "order_status")
    assert call.script is not None
    pcm = resample(call.audio.samples, call.audio.sample_rate, RATE).astype("<i2")
    protocol = deepgram(texts=tuple(u.text for u in call.script.utterances))
    cut = round(6.0 * RATE)  # past utterance 1's end (4.33 s) plus the endpoint, before utterance 2
    finals = [m for m in decoded(protocol.on_message(pcm[:cut].tobytes())) if m.get("is_final")]
    assert [m["channel"]["alternatives"][0]["transcript"] for m in finals] == [  # type: ignore[index]
        call.script.utterances[0].text
    ]
    rest = [m for m in decoded(protocol.on_message(pcm[cut:].tobytes())) if m.get("is_final")]
    texts = [m["channel"]["alternatives"][0]["transcript"] for m in rest]  # type: ignore[index]
    assert texts == [u.text for u in call.script.utterances[1:]]


def test_deepgram_takes_a_bad_query_as_the_defaults_rather_than_failing() -> None:
    protocol = DeepgramSTTProtocol("/v1/listen?sample_rate=abc&channels=-2&encoding=linear16")
    assert (protocol.sample_rate, protocol.channels) == (16000, 1)


def test_an_anthropic_request_is_planned_like_a_chat_and_streamed_as_anthropic_events() -> None:
    from voicectl.providers.anthropic_http import as_chat_request, stream_events

    request = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "my order?"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x"}]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "late"}],
            },
        ],
        "tools": [
            {"name": "check_order_status", "input_schema": TOOLS[0]["function"]["parameters"]}
        ],  # type: ignore[index]
    }
    chat = as_chat_request(request)
    assert [m["role"] for m in chat["messages"]] == ["user", "assistant", "tool"]
    assert plan_completion(chat, LLMScript(), "c").content == "Here is what I found: late"
    script = LLMScript((LLMRule(say="One moment.", tool="check_order_status"),))
    completion = plan_completion(
        as_chat_request({**request, "messages": request["messages"][:1]}), script, "toolu_1"
    )
    events = stream_events(completion, "msg_1", "claude")
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["message_start", "ping", "content_block_start"]
    assert kinds[-2:] == ["message_delta", "message_stop"]
    tool_start = next(e for e in events if e.get("content_block", {}).get("type") == "tool_use")
    assert tool_start["index"] == 1 and tool_start["content_block"]["id"] == "toolu_1"
    partial = "".join(
        e["delta"]["partial_json"]
        for e in events
        if e.get("delta", {}).get("type") == "input_json_delta"
    )
    assert json.loads(partial) == {"order_id": "order_id-1", "carrier": "ups", "count": 2}
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
