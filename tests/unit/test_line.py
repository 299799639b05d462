"""The caller-line model on plain frames: loss, concealment, jitter, noise, drift, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from voicectl.errors import InputError
from voicectl.replay.line import CallerLine, Concealment, LineSpec, parse_line, speech_level

FRAME = 160


def _frames(n: int, level: int = 8000) -> list[np.ndarray]:
    t = np.arange(FRAME) / 8000
    return [(level * np.sin(2 * np.pi * 300 * t + i)).astype(np.int16) for i in range(n)]


def _run(spec: LineSpec, n: int = 2000, seed: str = "call") -> tuple[CallerLine, list]:
    line = CallerLine(spec, seed, speech_rms=8000 / np.sqrt(2))
    out = []
    for i, frame in enumerate(_frames(n)):
        line.push(i, frame)
        out.extend(line.pop_due(line.send_time(i)))
    out.extend(line.flush())
    return line, out


def test_parse_reads_every_impairment_with_units() -> None:
    spec = parse_line("loss=5%,burst=3,conceal=silence,jitter=40ms,snr=15dB,drift=50ppm,seed=7")
    assert spec == LineSpec(0.05, 3.0, Concealment.SILENCE, 0.04, 15.0, 50.0, 7)
    assert parse_line(spec.describe()) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--line needs at least one impairment"),
        ("loss=120%", "loss must be a percentage 0-100%"),
        ("loss=five", "loss must be a percentage"),
        ("jitter=40s", "jitter must be milliseconds"),
        ("snr=loud", "snr must be decibels"),
        ("drift=1e9ppm", "drift must be ppm"),
        ("loss", "'loss' is not key=value"),
        ("lost=5%", "unknown impairment 'lost'"),
        ("loss=5%,loss=6%", "'loss' given twice"),
        ("conceal=magic,loss=1%", "conceal must be one of repeat, silence, drop"),
        ("burst=4", "burst needs a loss rate"),
        ("loss=90%,burst=2", "cannot have bursts of 2 frames"),
        ("seed=-1,loss=1%", "seed must be a non-negative integer"),
    ],
)
def test_bad_specs_raise_one_line_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")) as info:
        parse_line(text)
    assert "\n" not in str(info.value)


def test_a_clean_line_passes_every_frame_unchanged_in_order() -> None:
    line, out = _run(LineSpec(drift_ppm=0.0))
    frames = _frames(2000)
    assert [d.index for d in out] == list(range(2000))
    assert all(np.array_equal(d.samples, f) for d, f in zip(out, frames, strict=True))
    assert line.stats.lost == line.stats.reordered == 0


def test_random_loss_rate_matches_the_spec_and_repeats_with_the_seed() -> None:
    line, out = _run(LineSpec(loss=0.05), n=20000)
    assert 0.045 < line.stats.lost / 20000 < 0.055
    _, out_again = _run(LineSpec(loss=0.05), n=20000)
    assert [d.lost for d in out] == [d.lost for d in out_again]
    other, _ = _run(LineSpec(loss=0.05, seed=1), n=20000)
    assert other.stats.lost != line.stats.lost or other.stats.bursts != line.stats.bursts


def test_bursty_loss_keeps_the_rate_but_loses_frames_in_runs() -> None:
    random_line, _ = _run(LineSpec(loss=0.1), n=40000)
    bursty_line, _ = _run(LineSpec(loss=0.1, burst=5), n=40000)
    assert 0.085 < bursty_line.stats.lost / 40000 < 0.115
    random_mean = random_line.stats.lost / random_line.stats.bursts
    bursty_mean = bursty_line.stats.lost / bursty_line.stats.bursts
    assert random_mean < 1.3
    assert 4.0 < bursty_mean < 6.0


def test_repeat_concealment_fades_the_last_good_frame_then_mutes() -> None:
    line = CallerLine(LineSpec(loss=0.5, burst=50, seed=3), "x")
    frames = _frames(400)
    out = []
    for i, f in enumerate(frames):
        line.push(i, f)
        out.extend(line.pop_due(line.send_time(i)))
    run_start = next(k for k, d in enumerate(out) if d.lost and k > 0 and not out[k - 1].lost)
    good = frames[out[run_start - 1].index].astype(np.float64)
    first, second = out[run_start], out[run_start + 1]
    assert np.allclose(first.samples, good * 0.5, atol=1)
    assert np.allclose(second.samples, good * 0.25, atol=1)
    assert not np.any(out[run_start + 3].samples)  # muted after 3 lost frames


def test_drop_concealment_sends_nothing_for_a_lost_frame() -> None:
    line, out = _run(LineSpec(loss=0.2, conceal=Concealment.DROP))
    lost = [d for d in out if d.lost]
    assert lost and all(d.samples is None for d in lost)
    assert line.stats.dropped == len(lost) and line.stats.concealed == 0


def test_jitter_delays_frames_up_to_its_bound_and_reorders_some() -> None:
    line, out = _run(LineSpec(jitter_s=0.04))
    assert [d.arrival_s for d in out] == sorted(d.arrival_s for d in out)
    assert 0 < line.stats.reordered < 2000
    assert 0.035 < line.stats.late_max_s <= 0.04
    assert sorted(d.index for d in out) == list(range(2000))


def test_noise_is_added_at_the_requested_snr() -> None:
    _, out = _run(LineSpec(snr_db=15.0))
    clean = np.concatenate(_frames(2000)).astype(np.float64)
    noisy = np.concatenate([d.samples for d in out]).astype(np.float64)
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((noisy - clean) ** 2))
    assert 14.5 < snr < 15.5


def test_drift_makes_a_fast_caller_clock_send_sooner() -> None:
    line = CallerLine(LineSpec(drift_ppm=1000.0), "x")
    assert line.send_time(50_000) == pytest.approx(1000.0 / 1.001)
    slow = CallerLine(LineSpec(drift_ppm=-1000.0), "x")
    assert slow.send_time(50_000) > 1000.0


def test_speech_level_is_the_rms_of_the_utterances() -> None:
    audio = np.zeros(16000, np.int16)
    audio[8000:12000] = 1000
    assert speech_level(audio, [(1.0, 1.5)], 8000) == pytest.approx(1000.0)
    assert speech_level(audio, [], 8000) == pytest.approx(1000.0)  # the loud frames
    assert speech_level(np.zeros(800, np.int16), [], 8000) == pytest.approx(3276.7)
