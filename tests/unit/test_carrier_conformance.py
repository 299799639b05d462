"""The carrier's view of a bot's messages: counted by kind, the first of each kept."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from voicectl.audio.g711 import alaw_encode, ulaw_encode
from voicectl.audio.script import bundled_fixtures_dir
from voicectl.carriers import CallIdentity
from voicectl.carriers.conformance import (
    ENCODING_MIN_BYTES,
    LAW_SMOOTHNESS,
    LAW_STEP_RATIO,
    ProtocolLedger,
    Violation,
)
from voicectl.carriers.events import BotMedia
from voicectl.carriers.twilio import TwilioSession
from voicectl.checks.protocol import judge_carrier_protocol
from voicectl.report.model import Verdict

SESSION = TwilioSession(CallIdentity.generate("twilio"))
SID = SESSION.identity.stream_id
PAYLOAD = base64.b64encode(b"\xff" * 160).decode()


def _feed(ledger: ProtocolLedger, message: str | bytes, *, after_end: bool = False) -> None:
    ledger.observe(SESSION.parse(message), message, after_end=after_end)


def _media(sid: str | None = SID, payload: str = PAYLOAD) -> str:
    data: dict[str, object] = {"event": "media", "media": {"payload": payload}}
    if sid is not None:
        data["streamSid"] = sid
    return json.dumps(data)


def test_a_conforming_bot_passes_with_its_counts() -> None:
    ledger = ProtocolLedger("twilio")
    for _ in range(3):
        _feed(ledger, _media())
    _feed(ledger, json.dumps({"event": "mark", "streamSid": SID, "mark": {"name": "m1"}}))
    check = judge_carrier_protocol("call", ledger)
    assert check.verdict is Verdict.PASS
    assert check.observed == "4 messages accepted (3 media, 1 marks)"


def test_every_kind_of_message_a_carrier_rejects_is_counted_with_the_first_kept() -> None:
    ledger = ProtocolLedger("twilio")
    _feed(ledger, _media("MZ000"))
    _feed(ledger, _media("MZ000"))
    _feed(ledger, _media(None))
    _feed(ledger, _media(payload="not base64!"))
    _feed(ledger, b"\x00\x01")
    _feed(ledger, json.dumps({"event": "speak", "streamSid": SID}))
    _feed(ledger, _media(), after_end=True)
    assert ledger.counts == {
        Violation.WRONG_STREAM: 2,
        Violation.MISSING_STREAM: 1,
        Violation.BAD_BASE64: 1,
        Violation.NOT_CARRIER_JSON: 1,
        Violation.UNKNOWN_EVENT: 1,
        Violation.AFTER_END: 1,
    }
    assert ledger.dropped_media == 6  # the unknown event is not media
    assert ledger.first[Violation.WRONG_STREAM].startswith("media: streamSid 'MZ000' is not")
    check = judge_carrier_protocol("call", ledger)
    assert check.verdict is Verdict.FAIL
    assert check.observed.startswith("7 of 7 messages rejected: 2 addressed to another stream")
    assert "addressed to 'MZ000', not this call's stream: the carrier drops them" in check.observed
    assert "first unknown event: " in check.detail


def test_the_first_offending_message_is_truncated_and_redacted() -> None:
    ledger = ProtocolLedger("twilio")
    secret = json.dumps(
        {"event": "speak", "url": "wss://x.example/ws?token=s3cr3tvalue", "pad": "x" * 500}
    )
    _feed(ledger, secret)
    check = judge_carrier_protocol("call", ledger)
    assert "s3cr3tvalue" not in check.detail
    assert len(check.detail) < 260


def test_a_call_where_the_bot_sent_nothing_is_an_error_not_a_pass() -> None:
    check = judge_carrier_protocol("call", ProtocolLedger("twilio"))
    assert check.verdict is Verdict.ERROR
    assert check.observed == "not exercised: the bot sent no message"


def test_plivo_dtmf_and_raw_control_messages_are_accepted() -> None:
    plivo = ProtocolLedger("plivo")
    from voicectl.carriers.events import BotOther

    plivo.observe(BotOther("sendDTMF", {}), "{}")
    raw = ProtocolLedger("raw")
    raw.observe(BotOther("hello", {}), "{}")
    assert not plivo.counts and not raw.counts


def _speech() -> np.ndarray:
    """The bundled order_status call's first 4 s, 8 kHz 16-bit."""
    samples, _rate = sf.read(bundled_fixtures_dir() / "order_status.wav", dtype="int16")
    return samples[: 4 * 8000]


def _audio_ledger(carrier: str, encoding: str, wire: bytes, chunk: int = 321) -> ProtocolLedger:
    """A ledger fed ``wire`` in odd-sized media payloads (so byte offsets are tracked across
    messages, as the carrier hears one stream)."""
    ledger = ProtocolLedger(carrier, encoding)
    for start in range(0, len(wire), chunk):
        ledger.observe(BotMedia(wire[start : start + chunk]), "media")
    return ledger


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("mulaw", ulaw_encode), ("alaw", alaw_encode), ("pcm16", lambda x: x.astype("<i2").tobytes())],
)
def test_audio_in_the_carriers_own_sample_format_passes(encoding: str, encode: Any) -> None:
    ledger = _audio_ledger("twilio", encoding, encode(_speech()))
    assert ledger.encoding_finding() == ""
    assert judge_carrier_protocol("call", ledger).verdict is Verdict.PASS


def test_16_bit_pcm_sent_to_a_mulaw_carrier_fails_as_noise_to_the_caller() -> None:
    ledger = _audio_ledger("twilio", "mulaw", _speech().astype("<i2").tobytes())
    check = judge_carrier_protocol("call", ledger)
    assert check.verdict is Verdict.FAIL
    assert check.observed.startswith("the bot's audio is 16-bit PCM, not mulaw (")
    assert "twilio plays it as noise" in check.observed
    assert ledger.cause().endswith("(see carrier.protocol)")


def test_mulaw_sent_to_a_16_bit_pcm_carrier_fails_and_pcm_silence_does_not() -> None:
    ledger = _audio_ledger("exotel", "pcm16", ulaw_encode(_speech()))
    assert "one byte per sample (G.711), not 16-bit PCM" in ledger.encoding_finding()
    silence = _audio_ledger("exotel", "pcm16", bytes(16000))
    assert silence.encoding_finding() == ""  # digital silence: no signal to judge by


def test_too_little_audio_is_not_judged_for_its_sample_format() -> None:
    wire = _speech().astype("<i2").tobytes()[: ENCODING_MIN_BYTES - 2]
    assert _audio_ledger("twilio", "mulaw", wire).encoding_finding() == ""


@pytest.mark.parametrize(
    ("carrier", "law", "encode", "other"),
    [("twilio", "mulaw", alaw_encode, "alaw"), ("telnyx", "alaw", ulaw_encode, "mulaw")],
)
def test_speech_in_the_other_g711_law_fails_naming_both_laws(
    carrier: str, law: str, encode: Any, other: str
) -> None:
    ledger = _audio_ledger(carrier, law, encode(_speech()), chunk=160)
    check = judge_carrier_protocol("call", ledger)
    assert check.verdict is Verdict.FAIL
    assert check.observed.startswith(f"the bot's audio is {other}, not {law} (decoded as {law},")
    assert check.observed.endswith(f"{carrier} plays it distorted")
    assert check.metrics["law_step_ratio"] > LAW_STEP_RATIO
    assert ledger.cause().endswith("(see carrier.protocol)")


@pytest.mark.parametrize(("law", "encode"), [("mulaw", ulaw_encode), ("alaw", alaw_encode)])
def test_a_tone_and_silence_in_the_calls_own_g711_law_pass(law: str, encode: Any) -> None:
    tone = (4000 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype(np.int16)
    quiet = np.zeros(4000, np.int16)
    ledger = _audio_ledger("telnyx", law, encode(np.concatenate([quiet, tone, quiet])))
    check = judge_carrier_protocol("call", ledger)
    assert check.verdict is Verdict.PASS, check.observed
    assert check.metrics["law_step_ratio"] < LAW_STEP_RATIO


def test_loud_white_noise_in_the_calls_own_law_is_not_judged_for_its_law() -> None:
    """White noise steps as far under either law (here 1.1x as far under its own), so the
    smoothness guard keeps the law from being judged on it."""
    rng = np.random.default_rng(0)
    noise = np.clip(rng.standard_normal(8000) * 16000, -32768, 32767).astype(np.int16)
    ledger = _audio_ledger("twilio", "mulaw", ulaw_encode(noise), chunk=160)
    assert (ratio := ledger.law_step_ratio()) is not None and ratio > LAW_STEP_RATIO
    assert all((ledger.law_smoothness(law) or 0) > LAW_SMOOTHNESS for law in ("mulaw", "alaw"))
    assert judge_carrier_protocol("call", ledger).verdict is Verdict.PASS


def test_a_load_run_sums_each_calls_law_steps() -> None:
    calls = [alaw_encode(_speech()[start : start + 2000]) for start in (8000, 16000, 24000)]
    wrong = [_audio_ledger("twilio", "mulaw", wire) for wire in calls]
    assert [w.encoding_finding() for w in wrong] == ["", "", ""]  # 2 000 bytes: too little
    merged = ProtocolLedger.merged("twilio", wrong)
    assert merged.encoding_finding().startswith("the bot's audio is alaw, not mulaw")
