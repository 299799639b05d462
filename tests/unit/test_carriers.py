"""Carrier wire formats: counters, parsing, codecs, and round trips through Pipecat's own code."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.clocks.system_clock import SystemClock
from pipecat.frames.frames import (
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameProcessorSetup
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.serializers.exotel import ExotelFrameSerializer
from pipecat.serializers.plivo import PlivoFrameSerializer
from pipecat.serializers.telnyx import TelnyxFrameSerializer
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.utils.asyncio.task_manager import TaskManager

from voicectl.carriers import (
    BotClear,
    BotMalformed,
    BotMark,
    BotMedia,
    BotOther,
    CallIdentity,
    CarrierName,
    CarrierSession,
    WireEncoding,
    open_session,
)
from voicectl.errors import InputError

TELEPHONY = [CarrierName.TWILIO, CarrierName.TELNYX, CarrierName.PLIVO, CarrierName.EXOTEL]

# (carrier, encoding, wire rate): every wire format Pipecat's serializers can decode.
PIPECAT_FORMATS = [
    (CarrierName.TWILIO, WireEncoding.MULAW, 8000),
    (CarrierName.TELNYX, WireEncoding.MULAW, 8000),
    (CarrierName.TELNYX, WireEncoding.ALAW, 8000),
    (CarrierName.PLIVO, WireEncoding.MULAW, 8000),
    (CarrierName.EXOTEL, WireEncoding.PCM16, 8000),
    (CarrierName.EXOTEL, WireEncoding.PCM16, 16000),
]


def _tone(rate: int, ms: int, hz: float = 440.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (np.sin(2 * np.pi * hz * t) * level * 32767).astype(np.int16)


class _FakeWebSocket:
    """Just enough of a Starlette WebSocket for ``parse_telephony_websocket``."""

    def __init__(self, messages: list[str | bytes]) -> None:
        self._messages = messages

    async def iter_text(self) -> AsyncIterator[str]:
        for message in self._messages:
            assert isinstance(message, str), "telephony carriers only send text frames"
            yield message


async def _detect(messages: list[str | bytes]) -> tuple[str, Any]:
    """What Pipecat's runner makes of a carrier's first messages."""
    return await parse_telephony_websocket(cast(Any, _FakeWebSocket(messages)))


async def _pipecat_serializer(session: CarrierSession) -> FrameSerializer:
    """Build the bot's serializer from what Pipecat's runner detects in our opening messages."""
    opening = [*session.open_messages(), session.media_message(session.silence())]
    transport, call = await _detect(opening)
    assert transport == session.name
    serializer: FrameSerializer
    if session.name is CarrierName.TWILIO:
        serializer = TwilioFrameSerializer(
            stream_sid=call["stream_id"],
            call_sid=call["call_id"],
            params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
        )
    elif session.name is CarrierName.TELNYX:
        serializer = TelnyxFrameSerializer(
            stream_id=call["stream_id"],
            outbound_encoding=call["outbound_encoding"],
            inbound_encoding=call["outbound_encoding"],
            call_control_id=call["call_id"],
            params=TelnyxFrameSerializer.InputParams(auto_hang_up=False),
        )
    elif session.name is CarrierName.PLIVO:
        serializer = PlivoFrameSerializer(
            stream_id=call["stream_id"],
            call_id=call["call_id"],
            params=PlivoFrameSerializer.InputParams(auto_hang_up=False),
        )
    else:
        serializer = ExotelFrameSerializer(
            stream_sid=call["stream_id"],
            call_sid=call["call_id"],
            params=ExotelFrameSerializer.InputParams(exotel_sample_rate=session.wire_rate),
        )
    # The pipeline runs at the wire rate, so Pipecat's stream resamplers pass audio through
    # untouched instead of withholding the first chunks.
    await serializer.setup(
        FrameProcessorSetup(
            clock=SystemClock(),
            task_manager=TaskManager(),
            pipeline_worker=cast(Any, None),  # serializers only read the sample rates
            audio_in_sample_rate=session.wire_rate,
            audio_out_sample_rate=session.wire_rate,
        )
    )
    return serializer


# Pipecat's runner: carrier detection ---------------------------------------------------------


@pytest.mark.parametrize("carrier", TELEPHONY)
async def test_pipecat_runner_detects_each_carrier_and_reads_its_ids(carrier: CarrierName) -> None:
    session = open_session(carrier, custom_parameters={"from_number": "+15550100"})
    opening = [*session.open_messages(), session.media_message(session.silence())]
    transport, call = await _detect(opening)
    assert transport == carrier.value
    assert call["stream_id"] == session.identity.stream_id
    assert call["call_id"] == session.identity.call_id


async def test_pipecat_runner_reads_telnyx_codec_and_numbers() -> None:
    session = open_session("telnyx", encoding="alaw")
    transport, call = await _detect(session.open_messages())
    assert transport == "telnyx"
    assert call["outbound_encoding"] == "PCMA"
    assert (call["from"], call["to"]) == ("+15550100", "+15550199")


async def test_pipecat_runner_reads_twilio_custom_parameters() -> None:
    session = open_session("twilio", custom_parameters={"from_number": "+15550123", "lang": "en"})
    _, call = await _detect(session.open_messages())
    assert call["body"] == {"from_number": "+15550123", "lang": "en"}
    assert call["from"] == "+15550123"


async def test_pipecat_runner_reads_exotel_account_and_numbers() -> None:
    session = open_session("exotel")
    _, call = await _detect(session.open_messages())
    assert call["account_sid"] == session.identity.account_id
    assert (call["from"], call["to"]) == ("+15550100", "+15550199")


# Pipecat's serializers: caller audio in, bot audio out ---------------------------------------


@pytest.mark.parametrize(("carrier", "encoding", "rate"), PIPECAT_FORMATS)
async def test_pipecat_serializer_decodes_our_media_to_the_same_audio(
    carrier: CarrierName, encoding: WireEncoding, rate: int
) -> None:
    session = open_session(carrier, encoding=encoding, sample_rate=rate)
    serializer = await _pipecat_serializer(session)
    pcm = _tone(rate, 400)
    payload = session.encode_audio(pcm)
    step = session.frame_bytes(20)
    heard = []
    for start in range(0, len(payload), step):
        frame = await serializer.deserialize(session.media_message(payload[start : start + step]))
        assert isinstance(frame, InputAudioRawFrame)
        assert (frame.sample_rate, frame.num_channels) == (rate, 1)
        heard.append(np.frombuffer(frame.audio, dtype=np.int16))
    np.testing.assert_array_equal(np.concatenate(heard), session.decode_audio(payload))
    if encoding is WireEncoding.PCM16:
        np.testing.assert_array_equal(np.concatenate(heard), pcm)


@pytest.mark.parametrize(("carrier", "encoding", "rate"), PIPECAT_FORMATS)
async def test_pipecat_serializer_audio_parses_as_the_same_wire_bytes(
    carrier: CarrierName, encoding: WireEncoding, rate: int
) -> None:
    session = open_session(carrier, encoding=encoding, sample_rate=rate)
    serializer = await _pipecat_serializer(session)
    pcm = _tone(rate, 100, hz=1000.0)
    message = await serializer.serialize(
        OutputAudioRawFrame(audio=pcm.tobytes(), sample_rate=rate, num_channels=1)
    )
    assert message is not None
    event = session.parse(message)
    assert event == BotMedia(session.encode_audio(pcm))
    np.testing.assert_array_equal(
        session.decode_audio(event.payload), session.decode_audio(session.encode_audio(pcm))
    )


@pytest.mark.parametrize("carrier", TELEPHONY)
async def test_pipecat_interruption_parses_as_clear(carrier: CarrierName) -> None:
    session = open_session(carrier)
    serializer = await _pipecat_serializer(session)
    message = await serializer.serialize(InterruptionFrame())
    assert message is not None
    assert session.parse(message) == BotClear()


@pytest.mark.parametrize("carrier", TELEPHONY)
@pytest.mark.parametrize("digit", ["0", "7", "*", "#"])
async def test_pipecat_serializer_reads_our_dtmf(carrier: CarrierName, digit: str) -> None:
    session = open_session(carrier)
    serializer = await _pipecat_serializer(session)
    frame = await serializer.deserialize(session.dtmf_message(digit))
    assert isinstance(frame, InputDTMFFrame)
    assert frame.button == KeypadEntry(digit)


@pytest.mark.parametrize("carrier", TELEPHONY)
async def test_pipecat_serializer_ignores_our_control_messages(carrier: CarrierName) -> None:
    session = open_session(carrier)
    serializer = await _pipecat_serializer(session)
    control = [
        *session.open_messages(),
        session.mark_message("m1"),
        *session.clear_ack_messages(),
        *session.stop_messages(),
    ]
    for message in control:
        assert await serializer.deserialize(message) is None


# Counters ------------------------------------------------------------------------------------


def test_twilio_counters_are_strings_and_advance_exactly() -> None:
    session = open_session("twilio")
    start = json.loads(session.open_messages()[1])
    assert start["sequenceNumber"] == "1"
    frames = [json.loads(session.media_message(session.silence())) for _ in range(5)]
    assert [f["sequenceNumber"] for f in frames] == ["2", "3", "4", "5", "6"]
    assert [f["media"]["chunk"] for f in frames] == ["1", "2", "3", "4", "5"]
    assert [f["media"]["timestamp"] for f in frames] == ["0", "20", "40", "60", "80"]
    assert all(len(base64.b64decode(f["media"]["payload"])) == 160 for f in frames)
    assert (session.chunks_sent, session.samples_sent, session.audio_ms_sent) == (5, 800, 100)


def test_control_messages_take_a_sequence_number_but_no_chunk() -> None:
    session = open_session("telnyx")
    session.open_messages()
    session.media_message(session.silence())
    dtmf = json.loads(session.dtmf_message("5"))
    media = json.loads(session.media_message(session.silence()))
    mark = json.loads(session.mark_message("greeting"))
    stop = json.loads(session.stop_messages()[0])
    assert dtmf["sequence_number"] == "3"
    assert dtmf["occurred_at"] == "2025-01-01T00:00:00.020000Z"
    assert (media["sequence_number"], media["media"]["chunk"]) == ("4", "2")
    assert media["media"]["timestamp"] == "20"
    assert mark == {
        "event": "mark",
        "sequence_number": "5",
        "stream_id": session.identity.stream_id,
        "mark": {"name": "greeting"},
    }
    assert stop["sequence_number"] == "6"


def test_plivo_counters_are_numbers_and_timestamps_are_wall_clock() -> None:
    identity = CallIdentity("stream", "call", "MA123", started_at_ms=1_700_000_000_000)
    session = open_session("plivo", identity)
    assert json.loads(session.open_messages()[0])["sequenceNumber"] == 1
    frames = [json.loads(session.media_message(session.silence())) for _ in range(3)]
    assert [f["sequenceNumber"] for f in frames] == [2, 3, 4]
    assert [f["media"]["chunk"] for f in frames] == [1, 2, 3]
    assert [f["media"]["timestamp"] for f in frames] == [
        "1700000000000",
        "1700000000020",
        "1700000000040",
    ]


def test_exotel_frames_are_100_ms_of_pcm16() -> None:
    session = open_session("exotel")
    assert session.frame_bytes() == 1600
    session.open_messages()
    frames = [json.loads(session.media_message(session.silence())) for _ in range(3)]
    assert [f["sequence_number"] for f in frames] == ["2", "3", "4"]
    assert [f["media"]["chunk"] for f in frames] == ["1", "2", "3"]
    assert [f["media"]["timestamp"] for f in frames] == ["0", "100", "200"]


def test_raw_session_counts_binary_frames() -> None:
    session = open_session("raw", sample_rate=16000)
    assert session.open_messages() == [] and session.stop_messages() == []
    frame = session.silence(20)
    assert session.media_message(frame) == frame == bytes(640)
    assert (session.chunks_sent, session.audio_ms_sent) == (1, 20)


# Message shapes ------------------------------------------------------------------------------


def test_twilio_start_matches_the_documented_shape() -> None:
    ids = CallIdentity.generate("twilio", "shape")
    connected, start = (json.loads(m) for m in open_session("twilio", ids).open_messages())
    assert connected == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    assert start == {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": ids.account_id,
            "streamSid": ids.stream_id,
            "callSid": ids.call_id,
            "tracks": ["inbound"],
            "customParameters": {},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": ids.stream_id,
    }


def test_plivo_answers_checkpoint_and_clear_and_sends_no_stop() -> None:
    session = open_session("plivo")
    played = json.loads(session.mark_message("m1"))
    cleared = json.loads(session.clear_ack_messages()[0])
    assert played == {
        "event": "playedStream",
        "sequenceNumber": 1,
        "streamId": session.identity.stream_id,
        "name": "m1",
    }
    assert cleared["event"] == "clearedAudio" and cleared["sequenceNumber"] == 2
    assert session.stop_messages() == []


def test_generated_ids_look_like_each_carriers_and_are_reproducible() -> None:
    twilio = CallIdentity.generate("twilio", "seed")
    assert re.fullmatch(r"MZ[0-9a-f]{32}", twilio.stream_id)
    assert re.fullmatch(r"CA[0-9a-f]{32}", twilio.call_id)
    assert re.fullmatch(r"AC[0-9a-f]{32}", twilio.account_id)
    telnyx = CallIdentity.generate("telnyx", "seed")
    assert re.fullmatch(r"v3:[A-Za-z0-9_-]{54}", telnyx.call_id)
    assert re.fullmatch(
        r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", telnyx.stream_id
    )
    assert re.fullmatch(r"MA[A-Z2-7]{18}", CallIdentity.generate("plivo", "seed").account_id)
    assert CallIdentity.generate("twilio", "seed") == twilio
    assert CallIdentity.generate("twilio", "other") != twilio


# Parsing what the bot sends ------------------------------------------------------------------


def _twilio(**fields: Any) -> str:
    return json.dumps(fields)


def test_twilio_parse_media_mark_clear_and_other() -> None:
    session = open_session("twilio")
    sid = session.identity.stream_id
    payload = base64.b64encode(b"\xff\x7f\x00").decode()
    assert session.parse(_twilio(event="media", streamSid=sid, media={"payload": payload})) == (
        BotMedia(b"\xff\x7f\x00")
    )
    assert session.parse(_twilio(event="mark", streamSid=sid, mark={"name": "a"})) == BotMark("a")
    assert session.parse(_twilio(event="clear", streamSid=sid)) == BotClear()
    assert session.parse(_twilio(event="hello", x=1)) == BotOther(
        "hello", {"event": "hello", "x": 1}
    )


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b'{"event":"clear"}', "binary frame"),
        ("not json", "not JSON"),
        ("[1, 2]", "JSON list is not an object"),
        ('{"streamSid": "x"}', "event is missing"),
        ('{"event": "media", "media": {"payload": "AAAA"}}', "streamSid is missing"),
        ('{"event": "clear", "streamSid": "MZother"}', "is not this call's"),
        ('{"event": "media", "streamSid": "SID", "media": {}}', "media.payload is missing"),
        ('{"event": "media", "streamSid": "SID", "media": 3}', "media is not an object"),
        ('{"event": "media", "streamSid": "SID", "media": {"payload": 5}}', "not a string"),
        ('{"event": "media", "streamSid": "SID", "media": {"payload": ""}}', "is empty"),
        ('{"event": "media", "streamSid": "SID", "media": {"payload": "%%%"}}', "not valid base64"),
        ('{"event": "mark", "streamSid": "SID", "mark": {}}', "mark.name is missing"),
    ],
)
def test_twilio_parse_rejects_what_twilio_would(message: str | bytes, reason: str) -> None:
    session = open_session("twilio", CallIdentity("SID", "CA1", "AC1"))
    event = session.parse(message)
    assert isinstance(event, BotMalformed)
    assert reason in event.reason
    assert event.raw == message
    assert "\n" not in event.reason


def test_plivo_parse_checks_play_audio_format() -> None:
    session = open_session("plivo")
    payload = base64.b64encode(b"\xff" * 160).decode()

    def play(content_type: str, rate: object) -> str:
        media = {"contentType": content_type, "sampleRate": rate, "payload": payload}
        return json.dumps({"event": "playAudio", "media": media})

    assert session.parse(play("audio/x-mulaw", 8000)) == BotMedia(b"\xff" * 160)
    assert session.parse(play("audio/x-mulaw", "8000")) == BotMedia(b"\xff" * 160)
    wrong_type = session.parse(play("audio/x-l16", 8000))
    assert isinstance(wrong_type, BotMalformed) and "contentType" in wrong_type.reason
    wrong_rate = session.parse(play("audio/x-mulaw", 16000))
    assert isinstance(wrong_rate, BotMalformed) and "sampleRate" in wrong_rate.reason
    assert session.parse('{"event": "checkpoint", "name": "c1"}') == BotMark("c1")
    assert session.parse('{"event": "clearAudio"}') == BotClear()
    assert isinstance(session.parse('{"event": "sendDTMF", "dtmf": "1"}'), BotOther)


def test_exotel_parse_rejects_odd_pcm16_payload() -> None:
    session = open_session("exotel")
    even = json.dumps(
        {"event": "media", "media": {"payload": base64.b64encode(b"\x01\x00").decode()}}
    )
    odd = json.dumps({"event": "media", "media": {"payload": base64.b64encode(b"\x01").decode()}})
    assert session.parse(even) == BotMedia(b"\x01\x00")
    assert isinstance(session.parse(odd), BotMalformed)


def test_raw_parse_binary_is_audio_and_text_is_other() -> None:
    session = open_session("raw")
    assert session.parse(b"\x00\x01") == BotMedia(b"\x00\x01")
    assert isinstance(session.parse(b"\x00"), BotMalformed)
    assert session.parse('{"type": "ping"}') == BotOther("ping", {"type": "ping"})
    assert isinstance(session.parse("hello"), BotMalformed)
    assert isinstance(session.parse("[]"), BotMalformed)


# Bad input -----------------------------------------------------------------------------------


def test_unknown_carrier_is_a_one_line_input_error_listing_the_valid_names() -> None:
    with pytest.raises(InputError) as caught:
        open_session("nope")
    message = str(caught.value)
    assert "\n" not in message
    assert "'nope'" in message
    assert "twilio, telnyx, plivo, exotel, raw" in message


def test_carrier_names_are_case_insensitive() -> None:
    assert open_session(" Twilio ").name is CarrierName.TWILIO


@pytest.mark.parametrize(
    ("carrier", "options"),
    [
        ("twilio", {"encoding": "alaw"}),
        ("twilio", {"sample_rate": 16000}),
        ("plivo", {"encoding": "pcm16"}),
        ("exotel", {"sample_rate": 44100}),
        ("telnyx", {"encoding": "opus"}),
        ("raw", {"sample_rate": 0}),
    ],
)
def test_unsupported_formats_are_input_errors(carrier: str, options: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        open_session(carrier, **options)


def test_bad_dtmf_digit_and_raw_control_messages_are_input_errors() -> None:
    with pytest.raises(InputError):
        open_session("twilio").dtmf_message("x")
    with pytest.raises(InputError):
        open_session("raw").dtmf_message("1")
    with pytest.raises(InputError):
        open_session("raw").mark_message("m")


# Properties ----------------------------------------------------------------------------------

ALL_CARRIERS = list(CarrierName)
SESSIONS = {carrier: open_session(carrier) for carrier in ALL_CARRIERS}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
BOT_EVENT_NAMES = ["media", "mark", "clear", "playAudio", "checkpoint", "clearAudio", "start"]
ID_KEYS = ["streamSid", "stream_id", "streamId", "stream_sid"]
BOT_LIKE_MESSAGES = st.fixed_dictionaries(
    {"event": st.sampled_from(BOT_EVENT_NAMES) | JSON_VALUES},
    optional={
        "media": JSON_VALUES
        | st.fixed_dictionaries(
            {},
            optional={
                "payload": st.text() | st.binary().map(lambda b: base64.b64encode(b).decode()),
                "contentType": st.sampled_from(["audio/x-mulaw", "audio/x-l16"]) | JSON_VALUES,
                "sampleRate": st.sampled_from([8000, "8000", 16000]) | JSON_VALUES,
            },
        ),
        "mark": JSON_VALUES | st.fixed_dictionaries({"name": JSON_VALUES}),
        "name": JSON_VALUES,
        **{key: JSON_VALUES for key in ID_KEYS},
    },
)


@given(st.sampled_from(ALL_CARRIERS), st.text())
def test_parse_never_raises_on_any_text(carrier: CarrierName, text: str) -> None:
    assert SESSIONS[carrier].parse(text) is not None


@given(st.sampled_from(ALL_CARRIERS), st.binary())
def test_parse_never_raises_on_any_bytes(carrier: CarrierName, data: bytes) -> None:
    assert SESSIONS[carrier].parse(data) is not None


@given(st.sampled_from(ALL_CARRIERS), JSON_VALUES)
def test_parse_never_raises_on_any_json(carrier: CarrierName, value: object) -> None:
    assert SESSIONS[carrier].parse(json.dumps(value)) is not None


@given(st.sampled_from(ALL_CARRIERS), BOT_LIKE_MESSAGES)
def test_parse_never_raises_on_bot_like_json(carrier: CarrierName, message: object) -> None:
    assert SESSIONS[carrier].parse(json.dumps(message)) is not None


def test_parse_never_raises_on_deeply_nested_json() -> None:
    for session in SESSIONS.values():
        assert isinstance(session.parse("[" * 100_000 + "]" * 100_000), BotMalformed)
        deep_id = '{"event": "clear", "streamSid": ' + "[" * 900 + "]" * 900 + "}"
        assert session.parse(deep_id) is not None


PCM = st.lists(st.integers(-32768, 32767), max_size=400).map(lambda v: np.array(v, np.int16))


@given(st.sampled_from([CarrierName.EXOTEL, CarrierName.RAW]), PCM)
def test_pcm16_round_trip_is_exact(carrier: CarrierName, pcm: np.ndarray) -> None:
    session = SESSIONS[carrier]
    np.testing.assert_array_equal(session.decode_audio(session.encode_audio(pcm)), pcm)


@given(st.sampled_from([WireEncoding.MULAW, WireEncoding.ALAW]), PCM, st.binary(max_size=400))
def test_g711_round_trip_is_idempotent(
    encoding: WireEncoding, pcm: np.ndarray, wire: bytes
) -> None:
    session = open_session("telnyx", encoding=encoding)
    once = session.decode_audio(session.encode_audio(pcm))
    np.testing.assert_array_equal(session.decode_audio(session.encode_audio(once)), once)
    decoded = session.decode_audio(wire)
    np.testing.assert_array_equal(session.decode_audio(session.encode_audio(decoded)), decoded)


@pytest.mark.parametrize(
    ("carrier", "encoding", "byte"),
    [("twilio", None, 0xFF), ("telnyx", "alaw", 0xD5), ("exotel", None, 0x00)],
)
def test_silence_is_the_encoding_of_zeros(carrier: str, encoding: str | None, byte: int) -> None:
    session = open_session(carrier, encoding=encoding)
    silence = session.silence(20)
    assert set(silence) == {byte}
    assert silence == session.encode_audio(np.zeros(160, np.int16))
    # A-law has no code for 0: its idle byte decodes to +8, the smallest step.
    assert np.abs(session.decode_audio(silence)).max() <= 8
