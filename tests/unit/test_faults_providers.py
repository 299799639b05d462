"""Fake provider protocols (sans-I/O), the bounded connection log and transcript schedules."""

from __future__ import annotations

import base64
import json

import pytest

from voicectl.audio.script import bundled_calls
from voicectl.errors import InputError
from voicectl.faults import MalformedKind, SendMalformed
from voicectl.outcome.connections import HEAD_RECORDS, TAIL_RECORDS
from voicectl.providers import (
    PROTOCOLS,
    CloseNormally,
    ConnectionLog,
    EndedBy,
    Output,
    ScriptedTranscript,
    ServiceKind,
    TranscriptSchedule,
    get_protocol,
    protocol_names,
)
from voicectl.providers.elevenlabs_tts import ElevenLabsTTSProtocol
from voicectl.providers.tts_audio import speech_for_text


def test_every_protocol_the_issue_names_is_registered() -> None:
    assert set(protocol_names()) == {
        "generic",
        "soniox",
        "cartesia-stt",
        "deepgram",
        "deepgram-tts",
        "deepgram-flux",
        "assemblyai",
        "openai-stt",
        "cartesia-tts",
        "elevenlabs-tts",
    }
    with pytest.raises(InputError, match="unknown protocol 'nope'"):
        get_protocol("nope")


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("soniox", "ws://127.0.0.1:9/transcribe-websocket"),
        ("cartesia-stt", "ws://127.0.0.1:9"),
        ("deepgram-flux", "ws://127.0.0.1:9/v2/listen"),
        ("assemblyai", "ws://127.0.0.1:9/v3/ws"),
        ("openai-stt", "ws://127.0.0.1:9/v1/realtime"),
        ("cartesia-tts", "ws://127.0.0.1:9/tts/websocket"),
        ("elevenlabs-tts", "ws://127.0.0.1:9"),
        ("generic", "ws://127.0.0.1:9/"),
    ],
)
def test_each_protocol_gives_the_url_its_pipecat_class_expects(name: str, url: str) -> None:
    assert get_protocol(name).url_for("ws://127.0.0.1:9") == url


def test_soniox_transcript_ends_with_the_end_token() -> None:
    (message,) = get_protocol("soniox")().transcript("hello")
    tokens = json.loads(message)["tokens"]
    assert tokens == [{"text": "hello", "is_final": True}, {"text": "<end>", "is_final": True}]


def test_soniox_in_band_error_has_no_tokens_key_as_documented() -> None:
    protocol = get_protocol("soniox")()
    (message,) = protocol.malformed(SendMalformed(MalformedKind.ERROR, 401, "Invalid API key."))
    assert json.loads(message) == {"error_code": 401, "error_message": "Invalid API key."}
    (keys,) = protocol.malformed(SendMalformed(MalformedKind.KEYS))
    assert "tokens" not in json.loads(keys)
    assert protocol.malformed(SendMalformed(MalformedKind.JSON)) == ["{not json"]


def test_deepgram_flux_confirms_every_connection() -> None:
    (connected,) = get_protocol("deepgram-flux")().on_open()
    assert isinstance(connected, str) and json.loads(connected)["type"] == "Connected"


def test_assemblyai_begins_and_answers_terminate() -> None:
    protocol = get_protocol("assemblyai")()
    assert json.loads(str(protocol.on_open()[0]))["type"] == "Begin"
    (answer,) = protocol.on_message(json.dumps({"type": "Terminate"}))
    assert json.loads(str(answer))["type"] == "Termination"
    assert protocol.on_message(b"\x00" * 1600) == []
    turn = json.loads(str(protocol.transcript("hi")[0]))
    assert turn["type"] == "Turn" and turn["end_of_turn"] and turn["transcript"] == "hi"


def test_openai_confirms_the_session_update() -> None:
    protocol = get_protocol("openai-stt")()
    assert json.loads(str(protocol.on_open()[0]))["type"] == "session.created"
    update = {"type": "session.update", "session": {"type": "transcription"}}
    (answer,) = protocol.on_message(json.dumps(update))
    assert json.loads(str(answer))["type"] == "session.updated"


def test_cartesia_tts_streams_text_as_100_ms_audio_chunks_then_done() -> None:
    protocol = get_protocol("cartesia-tts")()
    said = "Hello there, this is your order status."
    request = {
        "transcript": said,
        "context_id": "c1",
        "continue": False,
        "output_format": {"sample_rate": 16000},
    }
    first, *rest, done = protocol.on_message(json.dumps(request))
    assert isinstance(first, Output)  # the answer's label rides on its first chunk
    chunks = [json.loads(str(first.message))] + [json.loads(str(m)) for m in rest]
    assert {(c["type"], c["context_id"], c["done"]) for c in chunks} == {("chunk", "c1", False)}
    sizes = [len(base64.b64decode(c["data"])) for c in chunks]
    assert sizes[:-1] == [3200] * (len(sizes) - 1) and 0 < sizes[-1] <= 3200  # 100 ms each
    audio = b"".join(base64.b64decode(c["data"]) for c in chunks)
    assert audio == speech_for_text(said, 16000)  # follows the text, as one answer would
    assert json.loads(str(done)) == {"type": "done", "context_id": "c1", "done": True}
    error = json.loads(protocol.in_band_error(500, "boom"))
    assert error["context_id"] == "c1" and error["type"] == "error"


def test_elevenlabs_answers_text_final_and_close_socket() -> None:
    protocol = ElevenLabsTTSProtocol(
        "/v1/text-to-speech/v/multi-stream-input?output_format=pcm_16000"
    )
    assert protocol.sample_rate == 16000
    assert protocol.on_message(json.dumps({"text": " ", "context_id": "c1"})) == []
    (audio,) = protocol.on_message(json.dumps({"text": "Hi there ", "context_id": "c1"}))
    assert isinstance(audio, Output) and json.loads(str(audio.message))["contextId"] == "c1"
    (final,) = protocol.on_message(json.dumps({"context_id": "c1", "close_context": True}))
    assert json.loads(str(final)) == {"isFinal": True, "contextId": "c1"}
    assert protocol.on_message(json.dumps({"close_socket": True})) == [CloseNormally(1000)]


def test_generic_answers_nothing() -> None:
    protocol = get_protocol("generic")()
    assert protocol.on_open() == [] and protocol.on_message("anything") == []
    assert protocol.transcript("hi") == []
    assert get_protocol("generic").kind is ServiceKind.GENERIC


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_can_build_every_malformed_kind(name: str) -> None:
    protocol = get_protocol(name)()
    for kind in MalformedKind:
        messages = protocol.malformed(SendMalformed(kind, 503, "down"))
        assert messages and all(isinstance(m, str) for m in messages)


def test_connection_log_keeps_first_and_latest_records_and_counts_all() -> None:
    log = ConnectionLog()
    total = HEAD_RECORDS + TAIL_RECORDS + 1000
    for i in range(total):
        record = log.open(i * 0.001, selected=True, doomed=True)
        log.fault_fired(record, i * 0.001, "close 1000")
        log.end(record, i * 0.001 + 0.0005, EndedBy.PROVIDER)
    assert len(log) == total
    kept = [r.number for r in log.records()]
    assert kept[:3] == [1, 2, 3] and kept[-1] == total
    assert len(kept) == HEAD_RECORDS + TAIL_RECORDS and log.truncated == 1000
    assert log.has_ended(total - 1) and log.is_doomed(0) and log.is_selected(5)


def test_connection_log_records_the_first_message_and_rejections() -> None:
    log = ConnectionLog()
    record = log.open(0.5, selected=True, doomed=True, path="/v1?api_key=***")
    log.message(record, 0.6, b"\x00" * 640)
    log.message(record, 0.62, "second")
    assert record.first_message == "<640 bytes binary>" and record.bytes_in == 646
    other = log.open(0.7, selected=False, doomed=False)
    log.message(other, 0.8, '{"api_key": "sk-123", "model": "m"}')
    assert other.first_message == '{"api_key": "***", "model": "m"}'
    rejected = log.open(1.0, selected=True, doomed=True)
    log.reject(rejected, 1.0, 401)
    assert rejected.status == 401 and rejected.ended_by is EndedBy.REJECTED
    assert log.is_rejected(2) and rejected.to_json()["fault"] == "HTTP 401"


def test_schedule_from_a_call_repeats_with_the_call() -> None:
    call = bundled_calls()[0]
    assert call.script is not None
    schedule = TranscriptSchedule.from_call(call)
    first_round = len(call.script.utterances)
    items = [item for _, item in zip(range(first_round + 1), schedule, strict=False)]
    assert items[0] == ScriptedTranscript(
        call.script.utterances[0].end, call.script.utterances[0].text
    )
    assert items[first_round].at_s == pytest.approx(call.audio.duration_s + items[0].at_s)


def test_schedule_must_be_in_time_order() -> None:
    with pytest.raises(ValueError, match="time order"):
        TranscriptSchedule((ScriptedTranscript(2.0, "b"), ScriptedTranscript(1.0, "a")))
    once = TranscriptSchedule((ScriptedTranscript(1.0, "a"),))
    assert [item.text for item in once] == ["a"]
