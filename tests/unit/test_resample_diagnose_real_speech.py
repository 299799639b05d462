"""Rate diagnosis on real human speech: the corpus figures, and one real case per verdict."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest
from real_speech_corpus import CorpusItem, real_speech_corpus

from voicectl.checks.rate_diagnosis import rate_check
from voicectl.report import Verdict
from voicectl.resample.diagnose import (
    MIN_TRUE_RATE,
    RateDiagnosis,
    RateFeatures,
    _candidate_rates,
    _pitch_cue,
    _spectral_cue,
    _voice_cue,
    diagnose_rate,
)

# Measured on the female corpus the issue asks for (docs/commands/resample-check.md): 237/238
# right, 1 warning (an Italian prompt played fast), no correctly labelled file warned or
# failed. The target is >= 95 % right and <= 5 % warn; these bounds pin what the rule
# achieves (99.6 % and 0.4 %), one file of slack each.
MIN_CORRECT = 0.99
MAX_WARN = 0.01


@cache
def _verdicts() -> tuple[tuple[CorpusItem, RateDiagnosis], ...]:
    return tuple((item, diagnose_rate(item.audio())) for item in real_speech_corpus())


def _item(name: str, variant: str) -> CorpusItem:
    return next(i for i in real_speech_corpus() if i.name == name and i.variant == variant)


def _right(item: CorpusItem, diagnosis: RateDiagnosis) -> bool:
    if item.correctly_labelled:
        return diagnosis.verdict is Verdict.PASS
    return diagnosis.verdict is Verdict.FAIL and diagnosis.likely_rate == item.true_rate


def test_the_corpus_is_real_speech_at_every_label_and_mislabel() -> None:
    items = real_speech_corpus()
    assert len(items) >= 40
    rates = {i.declared_rate for i in items if i.correctly_labelled}
    assert {8000, 16000, 44100, 48000} <= rates
    variants = {i.variant for i in items}
    assert {"8k mu-law", "8k PCM declared 16k", "16k declared 8k"} <= variants


def test_no_correctly_labelled_real_recording_is_called_mislabelled() -> None:
    wrong = [
        (i.name, i.variant, d.summary)
        for i, d in _verdicts()
        if i.correctly_labelled and d.verdict is Verdict.FAIL
    ]
    assert wrong == []


def test_every_correctly_labelled_female_recording_passes() -> None:
    wrong = [
        (i.name, i.variant, d.verdict.value, d.summary)
        for i, d in _verdicts()
        if not i.male and i.correctly_labelled and d.verdict is not Verdict.PASS
    ]
    assert wrong == []


def test_no_mislabelled_real_recording_names_a_wrong_rate() -> None:
    wrong = [
        (i.name, i.variant, d.likely_rate)
        for i, d in _verdicts()
        if not i.correctly_labelled
        and d.likely_rate not in (None, i.true_rate)
        and d.verdict is not Verdict.PASS
    ]
    assert wrong == []


def test_only_male_voices_played_fast_pass_unnoticed() -> None:
    # A male voice at 2x has a plausible (female) pitch, a spectrum within speech and often
    # too little speech for an envelope: nothing measured says "fast". Documented limit.
    missed = {
        (i.male, i.declared_rate == 2 * i.true_rate)
        for i, d in _verdicts()
        if not i.correctly_labelled and d.verdict is Verdict.PASS
    }
    assert missed <= {(True, True)}


def test_real_speech_corpus_figures() -> None:
    verdicts = [(i, d) for i, d in _verdicts() if not i.male]
    correct = sum(_right(i, d) for i, d in verdicts) / len(verdicts)
    warned = Counter(d.verdict for _, d in verdicts)[Verdict.WARN] / len(verdicts)
    assert correct >= MIN_CORRECT, f"{correct:.1%} correct"
    assert warned <= MAX_WARN, f"{warned:.1%} warned"


def test_real_8_khz_prompt_with_a_16_khz_header_fails_naming_8000_on_its_pitch() -> None:
    check = rate_check(diagnose_rate(_item("8k_en_vm-intro", "8k PCM declared 16k").audio()))
    assert check.verdict is Verdict.FAIL
    assert check.metrics["likely_rate"] == 8000
    assert check.observed.startswith("likely 8000 Hz audio labelled 16000 Hz (plays 2x)")
    assert check.metrics["cues"]["pitch"]["weight"] == 2.0  # above any adult voice


def test_real_16_khz_call_with_an_8_khz_header_fails_naming_16000() -> None:
    check = rate_check(diagnose_rate(_item("call_16k_en_1", "16k declared 8k").audio()))
    assert check.verdict is Verdict.FAIL, check.observed
    assert check.metrics["likely_rate"] == 16000
    assert {"spectrum", "speaking rate"} <= {
        name for name, cue in check.metrics["cues"].items() if cue["rate"] == 16000
    }


def test_real_48_khz_call_with_a_24_khz_header_fails_naming_48000() -> None:
    diagnosis = diagnose_rate(_item("call_16k_en_1", "48k declared 24k").audio())
    assert diagnosis.verdict is Verdict.FAIL and diagnosis.likely_rate == 48000


def test_wideband_call_recorded_at_48_khz_passes_as_upsampled_16_khz_audio() -> None:
    check = rate_check(diagnose_rate(_item("call_16k_en_1", "48k from 16k").audio()))
    assert check.verdict is Verdict.PASS
    assert "content to 7.5 kHz: upsampled ~16.7 kHz audio" in check.observed


def test_real_mu_law_call_passes_with_its_g711_levels() -> None:
    check = rate_check(diagnose_rate(_item("call_8k_en_1", "8k mu-law").audio()))
    assert check.verdict is Verdict.PASS and check.metrics["g711_law"] == "mu-law"


def test_a_high_voice_at_half_speed_fails_on_its_dark_spectrum_and_womans_harmonics() -> None:
    # Russian female voice, 16 kHz declared 8 kHz: pitch 107 Hz is a plausible man's and the
    # envelope 2.7 Hz is plausible too, but the harmonics keep a woman's shape (centre 1.3,
    # men's voices >= 1.9) and the spectrum is dark: two cues for 16 kHz.
    check = rate_check(diagnose_rate(_item("16k_ru_queue-youarenext", "16k declared 8k").audio()))
    assert check.verdict is Verdict.FAIL and check.metrics["likely_rate"] == 16000
    assert sorted(n for n, c in check.metrics["cues"].items() if c["rate"] == 16000) == [
        "spectrum",
        "voice",
    ]
    assert check.metrics["harmonic_centre"] < 1.9


def test_a_real_mans_voice_labelled_right_keeps_a_mans_harmonics() -> None:
    # The same pitch range as the slowed Russian voice, but the harmonics of a man: no vote.
    check = rate_check(diagnose_rate(_item("16k_male-librivox_0920", "16k PCM").audio()))
    assert check.verdict is Verdict.PASS
    assert check.metrics["f0_median_hz"] < 150 and check.metrics["harmonic_centre"] >= 1.9
    assert check.metrics["cues"]["voice"]["rate"] is None


def test_harmonic_centre_does_not_change_with_playback_speed() -> None:
    right = diagnose_rate(_item("16k_ru_queue-youarenext", "16k PCM").audio()).features
    slow = diagnose_rate(_item("16k_ru_queue-youarenext", "16k declared 8k").audio()).features
    assert right.harmonic_centre is not None and slow.harmonic_centre is not None
    assert slow.f0_median_hz is not None and right.f0_median_hz is not None
    assert slow.f0_median_hz == pytest.approx(right.f0_median_hz / 2, rel=0.05)
    assert slow.harmonic_centre == pytest.approx(right.harmonic_centre, abs=0.2)


def _features(
    rate: int,
    *,
    f0: float | None = None,
    centre: float | None = None,
    harmonic_centre: float | None = None,
) -> RateFeatures:
    return RateFeatures(
        rate, 10.0, 10.0, f0, 300, None, 0.0, None, centre, None, None, harmonic_centre
    )


@pytest.mark.parametrize(
    ("f0", "rate", "weight"), [(400.0, 8000, 2.0), (330.0, 8000, 1.0), (200.0, 16000, 0.5)]
)
def test_pitch_cue_weighs_by_how_far_outside_adult_speech(
    f0: float, rate: int, weight: float
) -> None:
    cue = _pitch_cue(_features(16000, f0=f0), _candidate_rates(16000))
    assert (cue.rate, cue.weight) == (rate, weight)


def test_pitch_cue_tells_no_story_of_a_rate_below_8_khz() -> None:
    assert _candidate_rates(8000) == {16000}
    assert min(_candidate_rates(16000)) == MIN_TRUE_RATE
    cue = _pitch_cue(_features(8000, f0=450.0), _candidate_rates(8000))
    assert cue.rate is None and cue.weight == 0.0


@pytest.mark.parametrize(
    ("centre", "rate", "weight"), [(200.0, 16000, 1.0), (320.0, 8000, 0.5), (750.0, None, 0.0)]
)
def test_spectral_cue_votes_for_twice_the_rate_only_when_dark(
    centre: float, rate: int | None, weight: float
) -> None:
    cue = _spectral_cue(_features(8000, centre=centre), _candidate_rates(8000))
    assert (cue.rate, cue.weight) == (rate, weight)


@pytest.mark.parametrize(
    ("f0", "harmonic_centre", "declared", "rate", "weight"),
    [
        (110.0, 1.3, 8000, 16000, 1.0),  # a man's pitch, a woman's harmonics: played slow
        (110.0, 2.5, 8000, None, 0.0),  # a man's voice
        (210.0, 1.3, 8000, None, 0.0),  # a woman's voice
        (210.0, 3.3, 16000, None, 0.0),  # synthetic voices: a high centre says nothing
        (110.0, 1.3, 192000, None, 0.0),  # no true rate above 192 kHz
    ],
)
def test_voice_cue_votes_for_twice_the_rate_only_for_a_mans_pitch_with_a_womans_harmonics(
    f0: float, harmonic_centre: float, declared: int, rate: int | None, weight: float
) -> None:
    features = _features(declared, f0=f0, harmonic_centre=harmonic_centre)
    cue = _voice_cue(features, _candidate_rates(declared))
    assert (cue.rate, cue.weight) == (rate, weight)
