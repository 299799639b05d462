"""Caller utterances found from the audio: the rule on plain scores, and Silero on real speech."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voicectl.audio.io import load_audio
from voicectl.audio.segment import (
    DEFAULT_RULE,
    SegmentationRule,
    SegmentationScore,
    find_speech_runs,
    runs_from_scores,
    score_segmentation,
)

REAL_CALLS = Path(__file__).resolve().parent.parent / "data" / "real_calls"
WINDOW_S = 0.032
RULE = SegmentationRule(start_offset_s=0.0, end_offset_s=0.0)


def _scores(*pattern: tuple[float, float]) -> list[float]:
    """Window scores from (probability, seconds) pieces."""
    out: list[float] = []
    for probability, seconds in pattern:
        out += [probability] * round(seconds / WINDOW_S)
    return out


def _runs(scores: list[float], rule: SegmentationRule = RULE) -> list[tuple[float, float]]:
    found = runs_from_scores(scores, WINDOW_S, len(scores) * WINDOW_S, rule)
    return [(run.start, run.end) for run in found]


# --- the rule, on plain window scores ------------------------------------------------------


def test_short_pause_inside_a_sentence_stays_in_one_utterance_and_is_listed() -> None:
    scores = _scores((0.0, 1.0), (0.9, 1.0), (0.05, 0.32), (0.9, 1.0), (0.0, 1.0))
    found = runs_from_scores(scores, WINDOW_S, len(scores) * WINDOW_S, RULE)
    assert len(found) == 1
    assert found[0].start == pytest.approx(0.992, abs=0.001)
    assert found[0].end == pytest.approx(3.296, abs=0.001)
    assert found[0].pauses == ((1.984, 2.304),)


def test_pause_as_long_as_min_pause_ends_the_utterance() -> None:
    scores = _scores((0.0, 1.0), (0.9, 1.0), (0.05, 0.64), (0.9, 1.0), (0.0, 1.0))
    assert len(_runs(scores)) == 2


def test_a_click_or_breath_shorter_than_min_speech_is_not_an_utterance() -> None:
    scores = _scores((0.0, 1.0), (0.95, 0.064), (0.0, 2.0), (0.9, 1.0), (0.0, 1.0))
    assert _runs(scores) == [(pytest.approx(3.04, abs=0.001), pytest.approx(4.032, abs=0.001))]


def test_speech_as_long_as_min_speech_is_an_utterance() -> None:
    scores = _scores((0.0, 1.0), (0.95, 0.224), (0.0, 1.0))
    assert len(_runs(scores)) == 1


def test_a_dip_above_stay_confidence_does_not_split_a_word() -> None:
    held = _scores((0.0, 1.0), (0.9, 0.5), (0.3, 0.7), (0.9, 0.5), (0.0, 1.0))
    assert len(runs_from_scores(held, WINDOW_S, 4.0, RULE)[0].pauses) == 0
    split = _scores((0.0, 1.0), (0.9, 0.5), (0.2, 0.7), (0.9, 0.5), (0.0, 1.0))
    assert len(_runs(split)) == 2


def test_timing_offsets_are_applied_and_clamped_to_the_audio() -> None:
    scores = _scores((0.9, 1.0), (0.0, 1.0))
    rule = SegmentationRule(start_offset_s=-0.05, end_offset_s=0.02)
    assert _runs(scores, rule) == [(0.0, pytest.approx(1.012, abs=0.001))]


def test_scoring_counts_matches_within_tolerance_and_spurious_utterances() -> None:
    reference = [(1.0, 2.0), (4.0, 5.0), (8.0, 9.0)]
    found = [(1.1, 2.1), (4.0, 5.3), (6.0, 6.5)]
    score = score_segmentation(found, reference)
    assert (score.reference, score.found, score.matched, score.spurious) == (3, 3, 1, 1)
    assert score.matched_fraction == pytest.approx(1 / 3)
    assert score.spurious_fraction == pytest.approx(1 / 3)


# --- Silero on real human speech (tests/data/real_calls, see its ATTRIBUTION.md) -----------


def _reference(wav: Path) -> list[tuple[float, float]]:
    document = json.loads(wav.with_suffix(".reference.json").read_text())
    return [(u["start"], u["end"]) for u in document["utterances"]]


def _score(rule: SegmentationRule) -> SegmentationScore:
    total = SegmentationScore(0, 0, 0, 0)
    for wav in sorted(REAL_CALLS.glob("*.wav")):
        audio = load_audio(wav)
        runs = find_speech_runs(audio.samples, audio.sample_rate, rule)
        total += score_segmentation([(r.start, r.end) for r in runs], _reference(wav))
    return total


def test_real_calls_are_committed_with_references_and_attribution() -> None:
    wavs = sorted(REAL_CALLS.glob("*.wav"))
    assert [w.stem for w in wavs] == ["call_a", "call_b", "call_c", "two_party"]
    assert sum(p.stat().st_size for p in REAL_CALLS.iterdir()) < 1_200_000
    assert "Allison Smith" in (REAL_CALLS / "ATTRIBUTION.md").read_text()
    assert sum(len(_reference(w)) for w in wavs) == 23


def test_default_rule_finds_real_caller_utterances_within_150_ms() -> None:
    score = _score(DEFAULT_RULE)
    assert score.reference == 23
    assert score.matched_fraction >= 0.95, score
    assert score.spurious_fraction <= 0.05, score


def test_a_rule_that_splits_at_every_short_pause_fails_the_same_bar() -> None:
    score = _score(SegmentationRule(min_pause_s=0.1, min_speech_s=0.0))
    assert score.matched_fraction < 0.95 or score.spurious_fraction > 0.05, score


def test_silence_and_line_noise_hold_no_utterance() -> None:
    noise = (np.random.default_rng(5).standard_normal(8000 * 5) * 30).astype(np.int16)
    assert find_speech_runs(noise, 8000) == ()


def test_other_rates_are_resampled_for_silero() -> None:
    audio = load_audio(REAL_CALLS / "call_a.wav")
    from voicectl.audio.io import resample

    at_44k = resample(audio.samples, 8000, 44100)
    found_8k = [(r.start, r.end) for r in find_speech_runs(audio.samples, 8000)]
    found_44k = [(r.start, r.end) for r in find_speech_runs(at_44k, 44100)]
    assert score_segmentation(found_44k, found_8k, tolerance_s=0.1).matched == len(found_8k)
