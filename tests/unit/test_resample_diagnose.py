"""Rate diagnosis on recordings whose true rate is known: correct, 2x fast, 0.5x slow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soxr

from voicectl.audio.io import Audio, write_wav
from voicectl.audio.script import bundled_call_paths, bundled_calls
from voicectl.checks.rate_diagnosis import rate_check, rate_table
from voicectl.report import Verdict
from voicectl.resample.diagnose import MODULATION_RANGE_HZ, diagnose_rate, measure_features
from voicectl.resample.synthetic import speech_like


def _audio(samples: np.ndarray, rate: int, source: str = "memory") -> Audio:
    return Audio(np.ascontiguousarray(samples, dtype=np.int16), rate, source, "pcm16")


def _resampled(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    y = soxr.resample(samples.astype(np.float64), in_rate, out_rate, quality="VHQ")
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def male16k() -> np.ndarray:
    return speech_like(16000, 12, f0=110, seed=1)


@pytest.fixture(scope="module")
def female16k() -> np.ndarray:
    return speech_like(16000, 12, f0=210, seed=2)


def test_synthetic_speech_measures_its_known_pitch_and_doubles_when_played_fast(
    male16k: np.ndarray,
) -> None:
    right = measure_features(_audio(male16k, 16000))
    fast = measure_features(_audio(male16k, 32000))
    slow = measure_features(_audio(male16k, 8000))
    assert right.f0_median_hz == pytest.approx(110, rel=0.03)
    assert fast.f0_median_hz == pytest.approx(220, rel=0.03)
    assert slow.f0_median_hz == pytest.approx(55, rel=0.03)
    assert right.modulation_hz is not None and fast.modulation_hz and slow.modulation_hz
    low, high = MODULATION_RANGE_HZ
    assert low < right.modulation_hz < high < fast.modulation_hz
    assert slow.modulation_hz < low
    assert right.bandwidth_hz == pytest.approx(7500, abs=100)
    assert right.g711_law is None and right.sidecar_duration_s is None


@pytest.mark.parametrize("rate", [16000, 48000])
@pytest.mark.parametrize("voice", ["male16k", "female16k"])
def test_correctly_labelled_wideband_speech_passes(
    rate: int, voice: str, request: pytest.FixtureRequest
) -> None:
    samples = request.getfixturevalue(voice)
    audio = _audio(samples if rate == 16000 else _resampled(samples, 16000, rate), rate)
    diagnosis = diagnose_rate(audio)
    assert diagnosis.verdict is Verdict.PASS, diagnosis.summary
    assert diagnosis.likely_rate == rate


@pytest.mark.parametrize("path", bundled_call_paths(), ids=lambda p: p.stem)
def test_bundled_fixtures_pass_with_every_cue_for_8_khz(path: Path) -> None:
    call = next(c for c in bundled_calls() if c.audio.source == str(path))
    check = rate_check(diagnose_rate(call.audio))
    assert check.verdict is Verdict.PASS, check.observed
    assert check.metrics["g711_law"] == "mu-law"
    assert check.metrics["cues"]["duration"]["rate"] == 8000
    assert "consistent with 8000 Hz" in check.observed


@pytest.mark.parametrize("rate", [16000, 48000])
def test_upsampled_telephony_is_fine_and_says_so(rate: int) -> None:
    call = bundled_calls()[0]
    diagnosis = diagnose_rate(_audio(_resampled(call.audio.samples, 8000, rate), rate))
    assert diagnosis.verdict is Verdict.PASS
    assert "upsampled telephony" in rate_check(diagnosis).observed


@pytest.mark.parametrize("index", [0, 1, 2])
def test_8_khz_telephony_with_a_16_khz_header_fails_naming_8000(index: int) -> None:
    call = bundled_calls()[index]
    check = rate_check(diagnose_rate(_audio(call.audio.samples, 16000)))
    assert check.verdict is Verdict.FAIL
    assert check.metrics["likely_rate"] == 8000
    assert "likely 8000 Hz audio labelled 16000 Hz (plays 2x)" in check.observed
    assert "mu-law levels" in check.observed


@pytest.mark.parametrize("index", [0, 1, 2])
def test_16_khz_audio_with_an_8_khz_header_fails_naming_16000(index: int) -> None:
    call = bundled_calls()[index]
    upsampled = _resampled(call.audio.samples, 8000, 16000)
    check = rate_check(diagnose_rate(_audio(upsampled, 8000)))
    assert check.verdict is Verdict.FAIL, check.observed
    assert check.metrics["likely_rate"] == 16000
    assert "content to 1.75 kHz" in check.observed


def test_wideband_male_speech_at_half_speed_fails_on_pitch_and_envelope(
    male16k: np.ndarray,
) -> None:
    diagnosis = diagnose_rate(_audio(male16k, 8000))
    assert diagnosis.verdict is Verdict.FAIL
    assert diagnosis.likely_rate == 16000
    assert {c.name for c in diagnosis.cues if c.rate == 16000} == {"pitch", "speaking rate"}


def test_one_cue_alone_only_warns(male16k: np.ndarray, female16k: np.ndarray) -> None:
    # A male voice at 2x has a plausible female pitch; only the envelope is off.
    fast = rate_check(diagnose_rate(_audio(male16k, 32000)))
    assert fast.verdict is Verdict.WARN
    assert "ambiguous: some cues point to 16000 Hz" in fast.observed
    assert "against: pitch 2" in fast.observed
    assert fast.metrics["f0_median_hz"] == pytest.approx(220, rel=0.03)
    # A female voice at 0.5x has a plausible male pitch.
    slow = diagnose_rate(_audio(female16k, 8000))
    assert slow.verdict is Verdict.WARN and slow.likely_rate == 16000


def test_no_speech_cannot_be_judged() -> None:
    noise = np.random.default_rng(0).normal(0, 300, 16000 * 5).astype(np.int16)
    check = rate_check(diagnose_rate(_audio(noise, 16000)))
    assert check.verdict is Verdict.WARN
    assert "cannot tell" in check.observed


def test_a_sidecar_duration_is_strong_evidence(tmp_path: Path, male16k: np.ndarray) -> None:
    # 16 kHz speech (not G.711) labelled 32 kHz; a male voice alone would only warn.
    path = tmp_path / "call.wav"
    write_wav(path, male16k, 32000)
    (tmp_path / "call.json").write_text(
        json.dumps({"duration_s": 12.0, "utterances": [{"start": 1, "end": 2, "text": "hi"}]})
    )
    diagnosis = diagnose_rate(_audio(male16k, 32000, str(path)))
    assert diagnosis.features.sidecar_duration_s == 12.0
    assert diagnosis.verdict is Verdict.FAIL and diagnosis.likely_rate == 16000
    assert any(c.name == "duration" and c.rate == 16000 for c in diagnosis.cues)


def test_g711_levels_are_recognised_only_when_every_sample_sits_on_them() -> None:
    call = bundled_calls()[0]
    assert measure_features(call.audio).g711_law == "mu-law"
    nudged = call.audio.samples.copy()
    nudged[::7] += 1
    assert measure_features(_audio(nudged, 8000)).g711_law is None


def test_rate_table_has_one_row_per_recording(male16k: np.ndarray) -> None:
    diagnoses = [diagnose_rate(_audio(male16k, 16000)), diagnose_rate(_audio(male16k, 8000))]
    title, columns, rows = rate_table(diagnoses)
    assert "declared rate" in title and columns[1] == "declared Hz"
    assert [row[-1] for row in rows] == ["pass", "fail: 16k"]


def test_a_fraction_of_a_second_is_too_little_to_judge() -> None:
    short = rate_check(diagnose_rate(_audio(speech_like(16000, 0.3), 16000)))
    assert short.verdict is Verdict.WARN
    assert short.metrics["bandwidth_hz"] is None
    assert "cannot tell" in short.observed


def test_long_recordings_are_analysed_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, male16k: np.ndarray
) -> None:
    import voicectl.resample.features as features_module

    monkeypatch.setattr(features_module, "ANALYSIS_LIMIT_S", 5.0)
    features = measure_features(_audio(male16k, 16000))
    assert features.analysed_s == 5.0 and features.duration_s == 12.0
    assert features.f0_median_hz == pytest.approx(110, rel=0.03)
