"""Bundled fixture calls and the sidecar transcript format they use."""

from __future__ import annotations

import base64
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import voicectl
from voicectl.audio import g711
from voicectl.audio.io import load_audio, write_wav
from voicectl.audio.script import (
    Call,
    CallScript,
    Utterance,
    bundled_call_paths,
    bundled_calls,
    bundled_fixtures_dir,
    load_call,
    load_script,
    parse_script,
    script_for,
    sidecar_path,
)
from voicectl.errors import InputError

CALLS = bundled_calls()
FRAME = 160  # 20 ms at 8 kHz


def _db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-12))


def _speech_mask(call: Call) -> np.ndarray:
    """True inside the sidecar's utterances, pauses excluded."""
    assert call.script is not None
    rate = call.audio.sample_rate
    mask = np.zeros(len(call.audio.samples), dtype=bool)
    for utterance in call.script.utterances:
        mask[round(utterance.start * rate) : round(utterance.end * rate)] = True
        for start, end in utterance.pauses:
            mask[round(start * rate) : round(end * rate)] = False
    return mask


# --- the bundled calls --------------------------------------------------------------------


def test_fixtures_ship_inside_the_package() -> None:
    package = Path(voicectl.__file__).parent
    assert bundled_fixtures_dir() == package / "data" / "fixtures"
    assert [path.stem for path in bundled_call_paths()] == [call.name for call in CALLS]
    assert len(CALLS) >= 3


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.name)
def test_bundled_call_is_telephony_audio_with_a_valid_script(call: Call) -> None:
    assert (call.audio.sample_rate, call.audio.encoding) == (8000, "mulaw")
    assert 20 <= call.audio.duration_s <= 60
    assert call.script is not None and len(call.script.utterances) >= 3
    assert call.script.description
    assert load_script(sidecar_path(call.audio.source)) == call.script


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.name)
def test_gaps_leave_room_for_the_bots_reply(call: Call) -> None:
    assert call.script is not None
    utterances = call.script.utterances
    gaps = [after.start - before.end for before, after in itertools.pairwise(utterances)]
    assert min(gaps) >= 2.4
    assert call.audio.duration_s - utterances[-1].end >= 2.0


def test_one_call_has_a_mid_sentence_pause() -> None:
    paused = [u for call in CALLS if call.script for u in call.script.utterances if u.pauses]
    assert len(paused) == 1
    [(start, end)] = paused[0].pauses
    assert 0.6 <= end - start <= 0.9
    assert paused[0].start + 0.5 < start and end + 0.5 < paused[0].end


def test_fixture_directory_is_small() -> None:
    total = sum(path.stat().st_size for path in bundled_fixtures_dir().iterdir())
    assert total < 3 * 1024 * 1024


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.name)
def test_speech_is_inside_the_sidecar_windows(call: Call) -> None:
    mask = _speech_mask(call)
    inside, outside = call.audio.samples[mask], call.audio.samples[~mask]
    noise_db = _db(outside)
    assert _db(inside) >= noise_db + 20
    # and the windows are tight: speech in their first/last 20 ms, only noise just outside
    assert call.script is not None
    rate = call.audio.sample_rate
    for utterance in call.script.utterances:
        start, end = round(utterance.start * rate), round(utterance.end * rate)
        samples = call.audio.samples
        assert _db(samples[start : start + FRAME]) >= noise_db + 5
        assert _db(samples[end - FRAME : end]) >= noise_db + 5
        assert _db(samples[start - FRAME : start]) <= noise_db + 3
        assert _db(samples[end : end + FRAME]) <= noise_db + 3
        for pause_start, pause_end in utterance.pauses:
            pause = samples[round(pause_start * rate) : round(pause_end * rate)]
            assert _db(pause) <= noise_db + 3


def test_capture_decodes_to_the_same_samples_as_its_wav() -> None:
    directory = bundled_fixtures_dir()
    capture = load_call(directory / "order_status.capture.jsonl")
    source = load_call(directory / "order_status.wav")
    assert capture.audio.encoding == "twilio-capture"
    assert np.array_equal(capture.audio.samples, source.audio.samples)
    assert capture.script is not None and source.script is not None
    assert capture.script.utterances == source.script.utterances


def test_capture_numbers_messages_as_twilio_does() -> None:
    path = bundled_fixtures_dir() / "order_status.capture.jsonl"
    messages = [json.loads(line) for line in path.read_text().splitlines()]
    connected, start, *media, stop = messages
    assert connected == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    assert start["event"] == "start" and start["sequenceNumber"] == "1"
    assert start["start"]["mediaFormat"] == {
        "encoding": "audio/x-mulaw",
        "sampleRate": 8000,
        "channels": 1,
    }
    assert start["start"]["tracks"] == ["inbound"]
    assert start["start"]["callSid"].startswith("CA")
    stream = start["streamSid"]
    for number, message in enumerate(media, start=1):
        assert message["event"] == "media" and message["streamSid"] == stream
        assert message["sequenceNumber"] == str(number + 1)
        assert message["media"]["chunk"] == str(number)
        assert message["media"]["timestamp"] == str((number - 1) * 20)
        assert len(base64.b64decode(message["media"]["payload"])) == FRAME
    assert stop["event"] == "stop" and stop["sequenceNumber"] == str(len(media) + 2)


# --- the sidecar format -------------------------------------------------------------------

GOOD_UTTERANCES: list[dict[str, object]] = [
    {"start": 0.5, "end": 1.5, "text": "Hello."},
    {"start": 2.0, "end": 4.0, "text": "My number is... four.", "pauses": [[2.5, 3.2]]},
]
GOOD = {"description": "test call", "sample_rate": 8000, "utterances": GOOD_UTTERANCES}


def _with_utterance(number: int, **fields: object) -> dict[str, object]:
    utterances = [dict(u) for u in GOOD_UTTERANCES]
    utterances[number - 1].update(fields)
    return {**GOOD, "utterances": utterances}


def test_parse_script_reads_utterances_and_pauses() -> None:
    script = parse_script(GOOD, source="call.json")
    assert script == CallScript(
        (
            Utterance(0.5, 1.5, "Hello."),
            Utterance(2.0, 4.0, "My number is... four.", ((2.5, 3.2),)),
        ),
        "test call",
    )
    assert script.utterances[1].duration_s == 2.0


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "call1.json: not a JSON object"),
        ({"description": "x"}, 'call1.json: no "utterances" list'),
        ({**GOOD, "description": 3}, '"description" is not a string'),
        ({"utterances": ["hi"]}, "call1.json: utterance 1 is not a JSON object"),
        (_with_utterance(2, end=1.9), "call1.json: utterance 2 ends before it starts"),
        (_with_utterance(1, end=0.5), "utterance 1 has zero length"),
        (_with_utterance(1, start=-0.1), "utterance 1 starts before 0 s"),
        (_with_utterance(2, start=1.0), "utterance 2 starts at 1.00 s, before utterance 1 ends"),
        (_with_utterance(1, text=""), 'utterance 1 "text" is not a non-empty string'),
        (_with_utterance(1, text=None), 'utterance 1 "text" is not a non-empty string'),
        (_with_utterance(1, text=" "), 'utterance 1 "text" is not a non-empty string'),
        ({**GOOD, "duration_s": "long"}, '"duration_s" is not a number of seconds'),
        (_with_utterance(1, start="0.5"), 'utterance 1 "start" is not a number of seconds'),
        (_with_utterance(1, end=True), 'utterance 1 "end" is not a number of seconds'),
        (_with_utterance(2, pauses=[[1.0, 2.5]]), "utterance 2 pause 1 (1.0 s -> 2.5 s) is not"),
        (_with_utterance(2, pauses=[[2.5]]), "utterance 2 pause 1 is not a [start, end] pair"),
        (_with_utterance(2, pauses={"a": 1}), '"pauses" is not a list'),
        (_with_utterance(2, pauses=[[2.5, 2.8], [2.7, 3.0]]), "pause 2 overlaps or precedes"),
    ],
)
def test_malformed_sidecars_name_the_problem(document: object, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_script(document, source="call1.json")
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_text_is_optional_and_an_utterance_without_it_is_called_by_its_number() -> None:
    untranscribed = {k: v for k, v in GOOD_UTTERANCES[1].items() if k != "text"}
    script = parse_script({"utterances": [GOOD_UTTERANCES[0], untranscribed]}, source="c.json")
    assert [u.text for u in script.utterances] == ["Hello.", "utterance 2"]
    assert [u.transcribed for u in script.utterances] == [True, False]
    assert script.utterances[1].pauses == ((2.5, 3.2),)


# --- the JSON Schema shipped in the package ------------------------------------------------

SCHEMA = json.loads((Path(voicectl.__file__).parent / "data" / "sidecar.schema.json").read_text())
REAL_CALLS = Path(__file__).resolve().parent.parent / "data" / "real_calls"


def _schema_errors(document: object) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(document)]


def test_schema_is_valid_draft_2020_12() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "path",
    [
        *sorted(bundled_fixtures_dir().glob("*.json")),
        *sorted(REAL_CALLS.glob("*.reference.json")),
    ],
    ids=lambda p: p.name,
)
def test_every_shipped_sidecar_matches_the_schema(path: Path) -> None:
    assert _schema_errors(json.loads(path.read_text())) == []


@pytest.mark.parametrize(
    "document",
    [
        {"description": "x"},
        {"utterances": [{"start": 0.5}]},
        _with_utterance(1, text=""),
        _with_utterance(1, start="0.5"),
        _with_utterance(1, start=-0.1),
        _with_utterance(2, pauses=[[2.5]]),
        {**GOOD, "duration_s": "long"},
    ],
)
def test_documents_the_parser_rejects_fail_the_schema_too(document: object) -> None:
    with pytest.raises(InputError):
        parse_script(document, source="c.json")
    assert _schema_errors(document)


def test_load_script_rejects_files_that_are_not_json(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"utterances": [}')
    with pytest.raises(InputError, match=r"bad\.json: not valid JSON \(line 1, column 17"):
        load_script(tmp_path / "bad.json")
    with pytest.raises(InputError, match="no such file"):
        load_script(tmp_path / "missing.json")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        load_script(tmp_path / "binary.json")


def test_sidecar_paths() -> None:
    assert sidecar_path("calls/a.wav") == Path("calls/a.json")
    assert sidecar_path("calls/a.capture.jsonl") == Path("calls/a.capture.script.json")
    assert sidecar_path("calls/a.json") == Path("calls/a.script.json")


def test_call_without_sidecar_gets_its_utterances_from_the_audio(tmp_path: Path) -> None:
    import shutil

    shutil.copy(REAL_CALLS / "call_a.wav", tmp_path / "lonely.wav")
    assert script_for(tmp_path / "lonely.wav") is None
    call = load_call(tmp_path / "lonely.wav")
    reference = json.loads((REAL_CALLS / "call_a.reference.json").read_text())["utterances"]
    assert (call.name, call.script.source) == ("lonely", "audio")
    assert len(call.script.utterances) == len(reference)
    assert [u.text for u in call.script.utterances][:2] == ["utterance 1", "utterance 2"]
    assert not any(u.transcribed for u in call.script.utterances)
    assert call.notices == [
        f"{tmp_path / 'lonely.wav'}: no sidecar (lonely.json); {len(reference)} caller "
        "utterances found by Silero VAD (voicectl segment writes them for review)"
    ]


def test_fake_stt_transcribes_an_utterance_of_unknown_text_by_its_number(tmp_path: Path) -> None:
    import shutil

    from voicectl.providers.schedule import TranscriptSchedule

    shutil.copy(REAL_CALLS / "call_b.wav", tmp_path / "call.wav")
    (tmp_path / "call.json").write_text(
        json.dumps(
            {"utterances": [{"start": 1.0, "end": 2.0, "text": "hi"}, {"start": 3, "end": 4}]}
        )
    )
    schedule = TranscriptSchedule.from_call(load_call(tmp_path / "call.wav"), repeat=False)
    assert [(item.at_s, item.text) for item in schedule] == [(2.0, "hi"), (4.0, "utterance 2")]


def test_sidecar_text_is_one_utterance_per_line_and_parses_back() -> None:
    from voicectl.audio.script import sidecar_text

    text = sidecar_text(GOOD)
    assert text.splitlines()[-4:] == [
        '    {"start": 0.5, "end": 1.5, "text": "Hello."},',
        '    {"start": 2.0, "end": 4.0, "text": "My number is... four.", "pauses": [[2.5, 3.2]]}',
        "  ]",
        "}",
    ]
    assert json.loads(text) == GOOD
    assert json.loads(sidecar_text({"utterances": []})) == {"utterances": []}


def test_two_party_call_keeps_the_bot_channel_as_turns_apart_from_the_caller(
    tmp_path: Path,
) -> None:
    import shutil

    shutil.copy(REAL_CALLS / "two_party.wav", tmp_path / "dual.wav")
    call = load_call(tmp_path / "dual.wav")
    assert call.audio.caller_channel == "left" and len(call.notices) == 2
    assert call.notices[0].startswith(f"{tmp_path / 'dual.wav'}: two-party recording")
    caller = [(u.start, u.end) for u in call.script.utterances]
    bot = call.original_bot_turns
    assert len(caller) == 5 and len(bot) >= 2
    assert not any(b.start < end and b.end > start for b in bot for start, end in caller)
    mono = load_call(REAL_CALLS / "call_a.wav")
    assert mono.original_bot_turns == () and mono.audio.notice is None


def test_sidecar_wins_over_the_audio(tmp_path: Path) -> None:
    import shutil

    shutil.copy(REAL_CALLS / "call_a.wav", tmp_path / "call.wav")
    (tmp_path / "call.json").write_text(
        json.dumps({"utterances": [{"start": 1.0, "end": 2.0, "text": "only this"}]})
    )
    call = load_call(tmp_path / "call.wav")
    assert call.script.source == "sidecar" and call.notices == []
    assert [u.text for u in call.script.utterances] == ["only this"]


def test_recording_with_no_speech_and_no_sidecar_is_rejected(tmp_path: Path) -> None:
    write_wav(tmp_path / "quiet.wav", np.zeros(8000 * 3, dtype=np.int16), 8000)
    with pytest.raises(InputError, match=r"quiet\.wav: no speech found \(Silero VAD"):
        load_call(tmp_path / "quiet.wav")


def test_sidecar_made_for_a_recording_of_another_length_is_rejected(tmp_path: Path) -> None:
    write_wav(tmp_path / "call.wav", np.zeros(8000 * 10, dtype=np.int16), 8000)
    sidecar = {"duration_s": 10.2, "utterances": [{"start": 1.0, "end": 2.0}]}
    (tmp_path / "call.json").write_text(json.dumps(sidecar))
    assert load_call(tmp_path / "call.wav").script.duration_s == 10.2  # within 0.25 s
    (tmp_path / "call.json").write_text(json.dumps({**sidecar, "duration_s": 34.6}))
    with pytest.raises(InputError) as caught:
        load_call(tmp_path / "call.wav")
    assert str(caught.value) == (
        f"{tmp_path / 'call.json'}: says the call lasts 34.60 s but {tmp_path / 'call.wav'} "
        "lasts 10.00 s; is it the sidecar of another recording?"
    )


def test_sidecar_that_outlasts_the_audio_is_rejected(tmp_path: Path) -> None:
    write_wav(tmp_path / "short.wav", np.zeros(8000, dtype=np.int16), 8000)  # 1.0 s
    (tmp_path / "short.json").write_text(
        json.dumps({"utterances": [{"start": 0.2, "end": 1.04, "text": "ok"}]})
    )
    assert load_call(tmp_path / "short.wav").script is not None  # within the 50 ms slack
    (tmp_path / "short.json").write_text(
        json.dumps({"utterances": [{"start": 0.2, "end": 1.2, "text": "too long"}]})
    )
    with pytest.raises(InputError, match=r"short\.json: utterance 1 ends at 1\.20 s, after"):
        load_call(tmp_path / "short.wav")


def test_load_call_passes_the_rate_through(tmp_path: Path) -> None:
    (tmp_path / "call.ulaw").write_bytes(g711.ulaw_encode(np.zeros(1600, dtype=np.int16)))
    (tmp_path / "call.json").write_text('{"utterances": []}')
    call = load_call(tmp_path / "call.ulaw", rate=16000)
    assert call.audio.sample_rate == 16000 and call.audio.duration_s == 0.1
    assert load_audio(tmp_path / "call.ulaw", rate=8000).duration_s == 0.2


def _twilio_capture_of(path: Path, out: Path) -> None:
    """A Twilio Media Streams capture of both tracks from a two-party recording, as Twilio
    sends it: inbound every 20 ms, outbound only while the bot's channel has sound."""
    import soundfile as sf

    frames, _ = sf.read(path, dtype="int16", always_2d=True)
    lines = [{"event": "connected", "protocol": "Call", "version": "1.0.0"}]
    sent_out = 0
    for index in range(len(frames) // 160):
        piece = frames[index * 160 : (index + 1) * 160]
        for track, samples in (("inbound", piece[:, 0]), ("outbound", piece[:, 1])):
            if track == "outbound":
                if not np.abs(samples.astype(np.int32)).max() > 100:
                    continue
                sent_out += 1
            chunk = index + 1 if track == "inbound" else sent_out
            payload = base64.b64encode(g711.ulaw_encode(np.ascontiguousarray(samples))).decode()
            media = {"track": track, "chunk": str(chunk), "timestamp": str(index * 20 + 7)}
            lines.append({"event": "media", "media": {**media, "payload": payload}})
    out.write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_twilio_capture_keeps_its_outbound_track_as_the_original_bot_turns(
    tmp_path: Path,
) -> None:
    import shutil

    shutil.copy(REAL_CALLS / "two_party.wav", tmp_path / "dual.wav")
    _twilio_capture_of(tmp_path / "dual.wav", tmp_path / "capture.jsonl")
    dual, capture = load_call(tmp_path / "dual.wav"), load_call(tmp_path / "capture.jsonl")
    assert capture.audio.caller_channel == "inbound" and capture.audio.other_side == "outbound"
    assert capture.notices[0] == (
        f"{tmp_path / 'capture.jsonl'}: Twilio capture of both tracks: the inbound track is "
        "replayed as the caller, the outbound track is kept as the original bot's track"
    )
    caller = [x for u in capture.script.utterances for x in (u.start, u.end)]
    assert caller == pytest.approx([x for u in dual.script.utterances for x in (u.start, u.end)])
    # Outbound chunks are numbered only while the bot speaks: placed by their timestamps, the
    # bot's turns land where the dual-channel recording has them.
    assert len(capture.original_bot_turns) == len(dual.original_bot_turns) >= 2
    bot = [x for t in capture.original_bot_turns for x in (t.start, t.end)]
    assert bot == pytest.approx(
        [x for t in dual.original_bot_turns for x in (t.start, t.end)], abs=0.05
    )


def test_twilio_capture_of_the_inbound_track_only_has_no_bot_track(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    payload = base64.b64encode(g711.ulaw_encode(np.zeros(160, dtype=np.int16))).decode()
    path.write_text(
        json.dumps({"event": "media", "media": {"chunk": "1", "payload": payload}}) + "\n"
    )
    audio = load_audio(path)
    assert audio.caller_channel is None and audio.other_track is None and audio.notice is None
