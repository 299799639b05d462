"""The in-band DTMF detector hears each key once, and nothing in speech, noise or lone tones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
import soxr

import voicectl
from voicectl.audio.dtmf import DTMF_FREQUENCIES, dtmf_tone
from voicectl.audio.g711 import ulaw_decode, ulaw_encode
from voicectl.bot.inband_dtmf import DtmfToneDetector

KEYS = "0123456789*#ABCD"
_FIXTURES = Path(voicectl.__file__).parent / "data" / "fixtures"


def _keys(samples: npt.NDArray[np.int16], rate: int) -> str:
    return "".join(key for key, _t in DtmfToneDetector(rate).feed(samples))


def _silence(rate: int, seconds: float) -> npt.NDArray[np.int16]:
    return np.zeros(int(rate * seconds), dtype=np.int16)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_each_of_the_16_keys_is_heard_once(rate: int) -> None:
    for key in KEYS:
        press = np.concatenate(
            [_silence(rate, 0.05), dtmf_tone(key, rate, 0.1), _silence(rate, 0.2)]
        )
        assert _keys(press, rate) == key


def test_keys_pressed_in_a_row_over_mu_law_and_a_resampler_are_heard_in_order() -> None:
    # What the reference bot hears: 8 kHz mu-law from the carrier, resampled to 16 kHz.
    parts = [_silence(8000, 0.3)]
    for key in KEYS:
        parts += [dtmf_tone(key, 8000, 0.1), _silence(8000, 0.15)]
    line = ulaw_decode(ulaw_encode(np.concatenate(parts)))
    heard = DtmfToneDetector(16000).feed(soxr.resample(line, 8000, 16000))
    assert "".join(k for k, _t in heard) == KEYS
    # each reported within 80 ms of its tone's start (0.3 s, then every 0.25 s)
    onsets = 0.3 + 0.25 * np.arange(len(KEYS))
    lag = np.array([t for _k, t in heard]) - onsets
    assert np.all((lag > 0.0) & (lag < 0.08))


def test_a_held_key_counts_once_and_a_repeated_key_twice() -> None:
    tone = dtmf_tone("7", 8000, 0.1)
    assert _keys(dtmf_tone("7", 8000, 1.0), 8000) == "7"
    assert (
        _keys(np.concatenate([tone, _silence(8000, 0.1), tone, _silence(8000, 0.1)]), 8000) == "77"
    )


def test_tones_fed_in_odd_sized_chunks_are_heard_as_in_one_piece() -> None:
    signal = np.concatenate([dtmf_tone(k, 8000, 0.08) for k in "1#"] + [_silence(8000, 0.1)])
    detector = DtmfToneDetector(8000)
    heard = [k for chunk in np.array_split(signal, 37) for k, _t in detector.feed(chunk)]
    assert "".join(heard) == "1#"


def _noisy_key() -> npt.NDArray[np.int16]:
    tone = dtmf_tone("5", 8000, 0.2).astype(np.float64)
    noise = np.random.default_rng(3).standard_normal(tone.size) * 1.2 * np.sqrt(np.mean(tone**2))
    return np.clip(tone + noise, -32768, 32767).astype(np.int16)


@pytest.mark.parametrize(
    ("what", "signal"),
    [
        ("a 20 ms blip", dtmf_tone("5", 8000, 0.02)),
        ("tones at -40 dBFS", dtmf_tone("5", 8000, 0.2, level_dbfs=-40.0)),
        (
            "the row tone alone",
            (np.sin(2 * np.pi * 770 * np.arange(1600) / 8000) * 10000).astype(np.int16),
        ),
        (
            "a 1 kHz test tone",
            (np.sin(2 * np.pi * 1000 * np.arange(1600) / 8000) * 10000).astype(np.int16),
        ),
        (
            "two row tones and a column tone",
            (
                5000 * sum(np.sin(2 * np.pi * f * np.arange(1600) / 8000) for f in (697, 770, 1336))
            ).astype(np.int16),
        ),
        ("a key drowned in noise as loud", _noisy_key()),
        ("white noise", (np.random.default_rng(7).standard_normal(8000) * 3000).astype(np.int16)),
    ],
)
def test_short_quiet_single_or_noise_signals_are_no_key(
    what: str, signal: npt.NDArray[np.int16]
) -> None:
    assert _keys(np.concatenate([signal, _silence(8000, 0.1)]), 8000) == "", what


def test_silence_is_no_key() -> None:
    assert _keys(_silence(8000, 2.0), 8000) == ""


@pytest.mark.parametrize("name", ["billing_question", "order_status", "appointment_pause"])
def test_the_bundled_callers_speech_is_no_key(name: str) -> None:
    speech, rate = sf.read(_FIXTURES / f"{name}.wav", dtype="int16")
    assert _keys(speech, rate) == ""
    assert _keys(soxr.resample(speech, rate, 16000), 16000) == ""


def test_twisted_tones_within_the_limits_are_heard_and_beyond_them_are_not() -> None:
    t = np.arange(1600) / 8000
    low, high = DTMF_FREQUENCIES["9"]

    def twisted(column_db: float) -> npt.NDArray[np.int16]:
        wave = 6000 * (
            np.sin(2 * np.pi * low * t) + 10 ** (column_db / 20) * np.sin(2 * np.pi * high * t)
        )
        return np.concatenate([wave.astype(np.int16), _silence(8000, 0.1)])

    assert _keys(twisted(-6.0), 8000) == "9" and _keys(twisted(3.0), 8000) == "9"
    assert _keys(twisted(-12.0), 8000) == "" and _keys(twisted(6.0), 8000) == ""
