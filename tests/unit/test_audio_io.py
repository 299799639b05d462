"""Audio loading: every supported format, every way a file can be wrong, and the fuzzer."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicectl.audio import g711
from voicectl.audio.io import Audio, load_audio, resample, write_wav
from voicectl.errors import InputError

RNG = np.random.default_rng(7)
SPEECHLIKE = (RNG.standard_normal(800) * 6000).clip(-32768, 32767).astype(np.int16)
FLOAT_SIGNAL = np.sin(np.linspace(0, 40 * np.pi, 1600)) * 0.8


def _input_error(path: Path, *, rate: int | None = None) -> str:
    """Load, expecting an InputError; return its message after checking it is one line."""
    with pytest.raises(InputError) as caught:
        load_audio(path, rate=rate)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def _write(path: Path, samples: np.ndarray, rate: int = 8000, subtype: str = "PCM_16") -> Path:
    sf.write(path, samples, rate, subtype=subtype, format="WAV")
    return path


def _media(chunk: int | None, payload: bytes, track: str | None = "inbound") -> dict[str, object]:
    media: dict[str, object] = {"payload": base64.b64encode(payload).decode()}
    if track is not None:
        media["track"] = track
    if chunk is not None:
        media["chunk"] = str(chunk)
        media["timestamp"] = str((chunk - 1) * 20)
    return {"event": "media", "sequenceNumber": "2", "media": media, "streamSid": "MZ1"}


START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "streamSid": "MZ1",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
    "streamSid": "MZ1",
}


def _capture(path: Path, *messages: object) -> Path:
    lines = [json.dumps(m) if not isinstance(m, str) else m for m in messages]
    path.write_text("\n".join(lines) + "\n")
    return path


def _chunk_codes(value: int) -> bytes:
    """160 mu-law bytes that all decode to one distinctive value."""
    return g711.ulaw_encode(np.full(160, value, dtype=np.int16))


# --- WAV via soundfile ---------------------------------------------------------------------


def test_pcm16_wav_is_read_exactly(tmp_path: Path) -> None:
    audio = load_audio(_write(tmp_path / "call.wav", SPEECHLIKE, 16000))
    assert np.array_equal(audio.samples, SPEECHLIKE)
    assert (audio.sample_rate, audio.encoding, audio.channels_in_file) == (16000, "pcm16", 1)
    assert audio.source == str(tmp_path / "call.wav")
    assert audio.duration_s == pytest.approx(800 / 16000)


@pytest.mark.parametrize(
    ("subtype", "encoding"),
    [("PCM_24", "pcm24"), ("PCM_32", "pcm32"), ("FLOAT", "float"), ("DOUBLE", "float")],
)
def test_wide_and_float_wavs_are_rounded_to_int16(
    tmp_path: Path, subtype: str, encoding: str
) -> None:
    audio = load_audio(_write(tmp_path / "wide.wav", FLOAT_SIGNAL, 48000, subtype))
    expected = np.rint(FLOAT_SIGNAL * 32768)
    assert audio.samples.dtype == np.int16
    assert np.max(np.abs(audio.samples - expected)) <= 1
    assert (audio.sample_rate, audio.encoding) == (48000, encoding)


def test_float_wav_is_clipped_and_nan_becomes_silence(tmp_path: Path) -> None:
    values = np.array([1.5, -2.0, 1.0, -1.0, np.nan, 0.5])
    audio = load_audio(_write(tmp_path / "hot.wav", values, 8000, "FLOAT"))
    assert audio.samples.tolist() == [32767, -32768, 32767, -32768, 0, 16384]


@pytest.mark.parametrize(
    ("subtype", "encoding", "codec"),
    [
        ("ULAW", "mulaw", (g711.ulaw_encode, g711.ulaw_decode)),
        ("ALAW", "alaw", (g711.alaw_encode, g711.alaw_decode)),
    ],
)
def test_g711_wavs_decode_like_the_reference(
    tmp_path: Path, subtype: str, encoding: str, codec: tuple
) -> None:
    encode, decode = codec
    grid = decode(bytes(range(256)))
    audio = load_audio(_write(tmp_path / "g711.wav", grid, 8000, subtype))
    assert np.array_equal(audio.samples, grid)
    assert np.array_equal(audio.samples, decode(encode(audio.samples)))
    assert audio.encoding == encoding


# --- two-party (dual-channel) recordings -------------------------------------------------

CALLER = (RNG.standard_normal(4000) * 5000).clip(-32768, 32767).astype(np.int16)
BOT = (RNG.standard_normal(4000) * 3000).clip(-32768, 32767).astype(np.int16)


def test_two_party_stereo_replays_the_left_channel_and_keeps_the_right_as_the_bot(
    tmp_path: Path,
) -> None:
    audio = load_audio(_write(tmp_path / "dual.wav", np.stack([CALLER, BOT], axis=1)))
    assert np.array_equal(audio.samples, CALLER)
    assert audio.other_track is not None and np.array_equal(audio.other_track, BOT)
    assert (audio.channels_in_file, audio.caller_channel) == (2, "left")
    assert audio.notice == (
        f"{tmp_path / 'dual.wav'}: two-party recording: the left channel is replayed as the "
        "caller, the right channel is kept as the original bot's track (--caller-channel right "
        "to swap)"
    )


def test_caller_channel_right_swaps_the_parties(tmp_path: Path) -> None:
    path = _write(tmp_path / "dual.wav", np.stack([BOT, CALLER], axis=1))
    audio = load_audio(path, caller_channel="right")
    assert np.array_equal(audio.samples, CALLER)
    assert audio.other_track is not None and np.array_equal(audio.other_track, BOT)
    assert (
        audio.notice is not None and "the right channel is replayed as the caller" in audio.notice
    )


def test_stereo_with_the_same_signal_on_both_channels_is_a_mono_call(tmp_path: Path) -> None:
    audio = load_audio(_write(tmp_path / "mono2.wav", np.stack([CALLER, CALLER], axis=1)))
    assert np.array_equal(audio.samples, CALLER)
    assert (audio.caller_channel, audio.other_track, audio.notice) == (None, None, None)


def test_stereo_with_the_same_signal_at_another_level_is_two_parties(tmp_path: Path) -> None:
    quieter = (CALLER // 4).astype(np.int16)
    audio = load_audio(_write(tmp_path / "levels.wav", np.stack([CALLER, quieter], axis=1)))
    assert audio.caller_channel == "left"


def test_silent_caller_channel_is_rejected_naming_the_other(tmp_path: Path) -> None:
    path = _write(tmp_path / "dual.wav", np.stack([np.zeros_like(BOT), BOT], axis=1))
    message = _input_error(path)
    assert message.endswith(
        "the left channel (the caller) is silent and the right channel is not; "
        "try --caller-channel right"
    )


def test_unknown_caller_channel_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "dual.wav", np.stack([CALLER, BOT], axis=1))
    with pytest.raises(InputError, match="--caller-channel must be left or right"):
        load_audio(path, caller_channel="middle")


def test_more_than_two_channels_is_rejected_not_mixed(tmp_path: Path) -> None:
    channels = np.stack([FLOAT_SIGNAL] * 4, axis=1)
    message = _input_error(_write(tmp_path / "quad.wav", channels, 8000, "FLOAT"))
    assert message.endswith(
        "4 channels; voicectl reads mono recordings and two-party (caller + bot) stereo recordings"
    )


# --- compressed formats through libsndfile --------------------------------------------------

TONE = (np.sin(2 * np.pi * 440 * np.arange(8000) / 8000) * 12000).astype(np.int16)


@pytest.mark.parametrize(
    ("suffix", "file_format", "subtype", "rate", "encoding"),
    [
        (".mp3", "MP3", "MPEG_LAYER_III", 8000, "mpeg_layer_iii"),
        (".flac", "FLAC", "PCM_16", 8000, "pcm16"),
        (".ogg", "OGG", "VORBIS", 8000, "vorbis"),
        (".opus", "OGG", "OPUS", 48000, "opus"),
    ],
)
def test_compressed_formats_are_read_through_libsndfile(
    tmp_path: Path, suffix: str, file_format: str, subtype: str, rate: int, encoding: str
) -> None:
    path = tmp_path / f"call{suffix}"
    sf.write(
        path,
        np.stack([TONE, BOT.repeat(2)[: len(TONE)]], axis=1) / 32768.0,
        rate,
        format=file_format,
        subtype=subtype,
    )
    audio = load_audio(path)
    assert (audio.sample_rate, audio.encoding, audio.caller_channel) == (rate, encoding, "left")
    assert abs(len(audio.samples) - len(TONE)) <= rate // 10
    # Lossy codecs keep the caller's tone (440 Hz at 8 kHz, so 2640 Hz in the 48 kHz Opus file).
    spectrum = np.abs(np.fft.rfft(audio.samples.astype(np.float64)))
    peak_hz = np.argmax(spectrum) * rate / len(audio.samples)
    assert peak_hz == pytest.approx(440 * rate / 8000, abs=5)


def test_corrupt_mp3_is_one_line_and_the_decoder_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.mp3"
    path.write_bytes(
        b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(RNG.integers(0, 256, 3000).astype(np.uint8))
    )
    message = _input_error(path)
    assert message.endswith("not a readable audio file (corrupt or unsupported audio data)")
    assert capfd.readouterr().err == ""


def test_matching_rate_is_accepted(tmp_path: Path) -> None:
    assert load_audio(_write(tmp_path / "call.wav", SPEECHLIKE), rate=8000).sample_rate == 8000


def test_mismatching_rate_names_both_rates(tmp_path: Path) -> None:
    message = _input_error(_write(tmp_path / "call.wav", SPEECHLIKE, 16000), rate=8000)
    assert message.endswith("header says 16000 Hz but --rate 8000 was given")


@pytest.mark.parametrize("header_rate", [2000, 384_000])
def test_header_rate_outside_range_is_rejected(tmp_path: Path, header_rate: int) -> None:
    message = _input_error(_write(tmp_path / "odd.wav", SPEECHLIKE, header_rate))
    assert f"{header_rate} Hz is outside 4000..192000 Hz" in message


@pytest.mark.parametrize("rate", [1000, 200_000, 0, -8000])
def test_declared_rate_outside_range_is_rejected(tmp_path: Path, rate: int) -> None:
    assert f"--rate {rate} is outside" in _input_error(tmp_path / "x.ulaw", rate=rate)


# --- raw files ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".ulaw", ".mulaw", ".ULAW"])
def test_raw_ulaw_needs_only_a_rate(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"call{suffix}"
    path.write_bytes(g711.ulaw_encode(SPEECHLIKE))
    audio = load_audio(path, rate=8000)
    assert np.array_equal(audio.samples, g711.ulaw_decode(g711.ulaw_encode(SPEECHLIKE)))
    assert (audio.sample_rate, audio.encoding) == (8000, "mulaw")


def test_raw_alaw(tmp_path: Path) -> None:
    path = tmp_path / "call.alaw"
    path.write_bytes(g711.alaw_encode(SPEECHLIKE))
    audio = load_audio(path, rate=8000)
    assert np.array_equal(audio.samples, g711.alaw_decode(g711.alaw_encode(SPEECHLIKE)))
    assert audio.encoding == "alaw"


@pytest.mark.parametrize("suffix", [".pcm", ".raw"])
def test_raw_pcm_is_signed_16_bit_little_endian(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"call{suffix}"
    path.write_bytes(SPEECHLIKE.astype("<i2").tobytes())
    audio = load_audio(path, rate=16000)
    assert np.array_equal(audio.samples, SPEECHLIKE)
    assert (audio.sample_rate, audio.encoding) == (16000, "pcm16")


@pytest.mark.parametrize("suffix", [".ulaw", ".alaw", ".pcm", ".raw", ".mulaw"])
def test_raw_without_rate_is_rejected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"call{suffix}"
    path.write_bytes(b"\xff" * 320)
    assert _input_error(path) == f"{path}: raw audio needs --rate"


def test_odd_length_pcm_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "call.pcm"
    path.write_bytes(b"\x00" * 321)
    assert "odd number of bytes (321)" in _input_error(path, rate=8000)


# --- Twilio Media Streams captures -------------------------------------------------------


def test_capture_decodes_inbound_media_in_chunk_order(tmp_path: Path) -> None:
    path = _capture(
        tmp_path / "call.jsonl",
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        START,
        _media(2, _chunk_codes(2000)),
        _media(1, _chunk_codes(1000)),
        {"event": "mark", "mark": {"name": "m1"}, "streamSid": "MZ1"},
        _media(1, _chunk_codes(-5000), track="outbound"),
        _media(3, _chunk_codes(3000), track=None),
        {"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "1"}},
        "",
        {"event": "stop", "sequenceNumber": "9", "stop": {}},
    )
    audio = load_audio(path)
    expected = np.concatenate([g711.ulaw_decode(_chunk_codes(v)) for v in (1000, 2000, 3000)])
    assert np.array_equal(audio.samples, expected)
    assert (audio.sample_rate, audio.encoding) == (8000, "twilio-capture")


def test_capture_gaps_are_filled_with_mulaw_silence(tmp_path: Path) -> None:
    path = _capture(tmp_path / "gaps.jsonl", _media(2, _chunk_codes(800)), _media(5, b"\x00"))
    samples = load_audio(path).samples
    # chunk 1 (before the first received one), 3 and 4 are missing: 160 silent samples each
    assert len(samples) == 160 * 4 + 1
    assert not samples[:160].any()
    assert np.array_equal(samples[160:320], g711.ulaw_decode(_chunk_codes(800)))
    assert not samples[320:640].any()
    assert samples[640] == g711.ulaw_decode(b"\x00")[0]


def test_capture_may_start_at_chunk_zero(tmp_path: Path) -> None:
    path = _capture(tmp_path / "zero.jsonl", _media(0, b"\x10"), _media(1, b"\x20"))
    assert len(load_audio(path).samples) == 2


def test_capture_as_json_array_with_json_suffix(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text(json.dumps([START, _media(1, _chunk_codes(500))], indent=2))
    assert np.array_equal(load_audio(path).samples, g711.ulaw_decode(_chunk_codes(500)))


def test_capture_accepts_rate_8000_and_rejects_others(tmp_path: Path) -> None:
    path = _capture(tmp_path / "call.jsonl", _media(1, b"\xff" * 160))
    assert load_audio(path, rate=8000).sample_rate == 8000
    assert "Twilio captures are 8000 Hz but --rate 16000" in _input_error(path, rate=16000)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (['{"event": "connected"}', "{not json"], "line 2: not valid JSON"),
        ([json.dumps(START), "[1, 2]"], "line 2: not a JSON object"),
        (['{"sequenceNumber": "1"}'], 'line 1: not a Twilio Media Streams message (no "event")'),
        (['{"event": "media", "media": {"chunk": "1"}}'], "line 1: media message has no payload"),
        (['{"event": "media", "media": {"chunk": "1", "payload": ""}}'], "has no payload"),
        (['{"event": "media", "media": {"chunk": "1", "payload": "!!"}}'], "not valid base64"),
        (['{"event": "media", "media": {"chunk": "1", "payload": "/w="}}'], "not valid base64"),
        (['{"event": "media", "media": {"payload": "/w=="}}'], 'media has no "chunk"'),
        (['{"event": "media", "media": {"chunk": "-1", "payload": "/w=="}}'], "not a whole"),
        (['{"event": "media", "media": {"chunk": "x", "payload": "/w=="}}'], "not a whole"),
        (['{"event": "media", "media": "nope"}'], 'no "media" object'),
        ([json.dumps(_media(1, b"\xff")), json.dumps(_media(1, b"\xff"))], "duplicate inbound"),
        ([json.dumps(_media(1, b"\xff")), json.dumps(_media(10**7, b"\xff"))], "span more"),
        (
            ['{"event": "start", "start": {"mediaFormat": {"encoding": "audio/x-l16"}}}'],
            "line 1: stream format is 'audio/x-l16' at 8000 Hz",
        ),
        (['{"event": "connected"}', json.dumps(START), '{"event": "stop"}'], "no inbound media"),
        ([json.dumps(_media(1, b"\xff", track="outbound"))], "(1 outbound only)"),
        (["\xff\xfe garbage"], "line 1: not valid JSON"),
    ],
)
def test_malformed_capture_is_rejected_naming_the_line(
    tmp_path: Path, lines: list[str], problem: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert problem in _input_error(path)


def test_capture_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"event": "connected"}\n\xff\xfe\n')
    assert "line 2: not UTF-8 text" in _input_error(path)


def test_transcript_sidecar_is_not_mistaken_for_a_capture(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"utterances": []}, indent=2))
    assert _input_error(path).endswith("is a transcript sidecar, not audio or a Twilio capture")


def test_json_array_that_is_not_a_capture_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text("[1, 2]")
    assert "message 1: not a JSON object" in _input_error(path)


# --- files that are not audio -------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert _input_error(tmp_path / "nope.wav").endswith(": no such file")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.wav").mkdir()
    assert "is a directory" in _input_error(tmp_path / "dir.wav")


@pytest.mark.parametrize("name", ["empty.wav", "empty.ulaw", "empty.jsonl"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    assert _input_error(tmp_path / name, rate=8000).endswith(": file is empty")


def test_text_file_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("these are my meeting notes, not audio\n" * 20)
    assert "not a readable audio file" in _input_error(path)


def test_truncated_wav_header(tmp_path: Path) -> None:
    data = _write(tmp_path / "full.wav", SPEECHLIKE).read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:30])
    assert "not a readable audio file" in _input_error(tmp_path / "cut.wav")


def test_wav_with_zero_samples(tmp_path: Path) -> None:
    path = _write(tmp_path / "silent.wav", np.zeros(0, dtype=np.int16))
    assert _input_error(path).endswith(": contains no audio samples")


def test_audio_is_read_only_and_validated(tmp_path: Path) -> None:
    audio = load_audio(_write(tmp_path / "call.wav", SPEECHLIKE))
    with pytest.raises(ValueError):
        audio.samples[0] = 1
    with pytest.raises(ValueError, match="int16"):
        Audio(np.zeros(4, dtype=np.float32), 8000, "x", "pcm16")
    with pytest.raises(ValueError, match="positive"):
        Audio(np.zeros(4, dtype=np.int16), 0, "x", "pcm16")


# --- write_wav and resample ---------------------------------------------------------------


def test_write_wav_pcm16_round_trips(tmp_path: Path) -> None:
    write_wav(tmp_path / "out.wav", SPEECHLIKE, 16000)
    audio = load_audio(tmp_path / "out.wav")
    assert np.array_equal(audio.samples, SPEECHLIKE)
    assert (audio.sample_rate, audio.encoding) == (16000, "pcm16")
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_write_wav_mulaw_holds_the_reference_codes(tmp_path: Path) -> None:
    everything = np.arange(-32768, 32768, dtype=np.int16)
    write_wav(tmp_path / "out.wav", everything, 8000, encoding="mulaw")
    with sf.SoundFile(tmp_path / "out.wav") as written:
        assert written.subtype == "ULAW"
    audio = load_audio(tmp_path / "out.wav")
    assert audio.encoding == "mulaw"
    assert np.array_equal(audio.samples, g711.ulaw_decode(g711.ulaw_encode(everything)))


def test_write_wav_mulaw_keeps_two_channels_apart(tmp_path: Path) -> None:
    write_wav(tmp_path / "dual.wav", np.stack([CALLER, BOT], axis=1), 8000, encoding="mulaw")
    with sf.SoundFile(tmp_path / "dual.wav") as written:
        assert (written.channels, written.frames) == (2, len(CALLER))
    audio = load_audio(tmp_path / "dual.wav")
    assert np.array_equal(audio.samples, g711.ulaw_decode(g711.ulaw_encode(CALLER)))
    assert audio.other_track is not None
    assert np.array_equal(audio.other_track, g711.ulaw_decode(g711.ulaw_encode(BOT)))


def test_write_wav_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_text("old")
    write_wav(target, SPEECHLIKE, 8000)
    assert np.array_equal(load_audio(target).samples, SPEECHLIKE)


def test_write_wav_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encoding"):
        write_wav(tmp_path / "out.wav", SPEECHLIKE, 8000, encoding="alaw")
    with pytest.raises(ValueError, match="int16"):
        write_wav(tmp_path / "out.wav", SPEECHLIKE.astype(np.float32), 8000)


def test_write_wav_to_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_wav(tmp_path / "no" / "out.wav", SPEECHLIKE, 8000)


def test_resample_same_rate_returns_the_input() -> None:
    assert resample(SPEECHLIKE, 8000, 8000) is SPEECHLIKE


def test_resample_keeps_a_tone_and_is_repeatable() -> None:
    tone = np.rint(np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000 + 0.3) * 16000)
    up = resample(tone.astype(np.int16), 8000, 16000)
    assert up.dtype == np.int16 and len(up) == 16000
    ideal = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000 + 0.3) * 16000
    middle = slice(2000, 14000)
    error = up[middle] - ideal[middle]
    assert 10 * np.log10(np.mean(ideal[middle] ** 2) / np.mean(error**2)) > 60
    assert np.array_equal(up, resample(tone.astype(np.int16), 8000, 16000))
    assert len(resample(np.zeros(0, dtype=np.int16), 8000, 16000)) == 0


def test_resample_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="int16"):
        resample(SPEECHLIKE.astype(np.float32), 8000, 16000)
    with pytest.raises(ValueError, match="positive"):
        resample(SPEECHLIKE, 0, 16000)


# --- fuzzing: anything at all in the file is audio or an InputError ------------------------


def _valid_wav_bytes(tmp: Path) -> bytes:
    return _write(tmp / "seed.wav", SPEECHLIKE[:64]).read_bytes()


def _load_or_input_error(path: Path, data: bytes, rate: int | None) -> None:
    path.write_bytes(data)
    try:
        audio = load_audio(path, rate=rate)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert audio.samples.dtype == np.int16 and len(audio.samples) > 0


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from([".wav", ".jsonl", ".ulaw", ".pcm"]),
    rate=st.sampled_from([None, 8000]),
)
def test_arbitrary_bytes_are_audio_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str, rate: int | None
) -> None:
    _load_or_input_error(tmp_path_factory.mktemp("fuzz") / f"x{suffix}", data, rate)


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 171), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 172),
)
def test_corrupted_wavs_are_audio_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, int]], cut: int
) -> None:
    tmp = tmp_path_factory.mktemp("wav")
    data = bytearray(_valid_wav_bytes(tmp))
    for position, value in edits:
        data[position % len(data)] = value
    _load_or_input_error(tmp / "x.wav", bytes(data[: len(data) - cut]), None)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
_MEDIA_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "track": st.sampled_from(["inbound", "outbound", "inbound_track", ""]) | _JSON_VALUES,
        "chunk": st.integers(-2, 40).map(str) | _JSON_VALUES,
        "payload": st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())
        | _JSON_VALUES,
    },
)
_MESSAGES = st.fixed_dictionaries(
    {},
    optional={
        "event": st.sampled_from(["connected", "start", "media", "mark", "stop"]) | _JSON_VALUES,
        "media": _MEDIA_FIELDS | _JSON_VALUES,
        "start": st.fixed_dictionaries({}, optional={"mediaFormat": _JSON_VALUES}),
    },
)


@FUZZ
@given(messages=st.lists(_MESSAGES | _JSON_VALUES, max_size=8))
def test_structured_capture_fuzz_is_audio_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, messages: list[object]
) -> None:
    text = "\n".join(json.dumps(message) for message in messages)
    _load_or_input_error(tmp_path_factory.mktemp("cap") / "x.jsonl", text.encode(), None)
