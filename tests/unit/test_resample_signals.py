"""Test signals and sinusoid fits give the answers the maths says they must."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voicectl.resample.limits import (
    G711_SNR_DB,
    INT16_DITHERED_SNR_DB,
    INT16_SNR_DB,
    SNR_PASS_DB,
    SNR_WARN_DB,
    measure_limits,
)
from voicectl.resample.signals import (
    alias_frequencies,
    alias_test_tone,
    db,
    fit_sines,
    from_int16,
    image_frequencies,
    image_test_tone,
    multitone,
    passband_frequencies,
    sine,
    snr_vs_ideal,
    to_int16,
)


def test_fit_recovers_amplitudes_phases_and_dc_of_known_tones() -> None:
    rate, n = 16000, 4000
    t = np.arange(n) / rate
    y = 0.3 * np.sin(2 * np.pi * 440 * t + 0.5) + 0.1 * np.sin(2 * np.pi * 3000 * t - 1.0) + 0.02
    fit = fit_sines(y, rate, [440.0, 3000.0])
    assert fit.amplitudes == pytest.approx((0.3, 0.1), abs=1e-12)
    assert fit.phases == pytest.approx((0.5, -1.0), abs=1e-9)
    assert fit.dc == pytest.approx(0.02, abs=1e-12)
    assert np.max(np.abs(fit.residual)) < 1e-12


def test_fit_offset_keeps_the_phase_of_a_slice() -> None:
    y = sine(997.0, 8000, 8000, amplitude=0.5, phase=0.25)
    whole = fit_sines(y, 8000, [997.0])
    part = fit_sines(y[1234:5000], 8000, [997.0], offset=1234)
    assert part.phases[0] == pytest.approx(whole.phases[0], abs=1e-9)


def test_snr_of_a_perfect_sine_is_enormous_and_of_a_known_error_is_exact() -> None:
    amplitude = 10 ** (-3 / 20)
    y = sine(997.0, 8000, 4000, amplitude=amplitude, phase=1.1)
    assert snr_vs_ideal(y, 8000, 997.0, amplitude) > 250
    # A gain of 0.9 leaves an error of 0.1 x the signal: exactly 20 dB.
    assert snr_vs_ideal(0.9 * y, 8000, 997.0, amplitude) == pytest.approx(20.0, abs=1e-6)
    # A delay is only a phase: it costs nothing.
    delayed = sine(997.0, 8000, 4000, amplitude=amplitude, phase=1.1 - 2 * math.pi * 997 * 7 / 8000)
    assert snr_vs_ideal(delayed, 8000, 997.0, amplitude) > 250


def test_int16_rounding_lands_on_the_16_bit_limit() -> None:
    amplitude = 10 ** (-3 / 20)
    x = sine(997.0, 8000, 16000, amplitude=amplitude)
    measured = snr_vs_ideal(from_int16(to_int16(x)), 8000, 997.0, amplitude)
    assert measured == pytest.approx(INT16_SNR_DB, abs=0.5)


def test_limits_match_theory_and_thresholds_sit_6_db_from_them() -> None:
    for limit in measure_limits():
        assert limit.measured_db == pytest.approx(limit.theory_db, abs=0.6), limit.name
    assert round(INT16_DITHERED_SNR_DB - 6) == SNR_PASS_DB == 84
    assert round(G711_SNR_DB + 6) == SNR_WARN_DB == 44


def test_db_floors_zero_and_converts_ratios() -> None:
    assert db(0.0) == -300.0
    assert db(1.0) == 0.0
    assert db(0.1) == pytest.approx(-20.0)


@pytest.mark.parametrize(
    ("in_rate", "out_rate", "tone", "alias"),
    [
        (16000, 8000, 6037.0, 1963.0),
        (24000, 16000, 10037.0, 5963.0),
        (48000, 44100, 23062.0, 21038.0),
    ],
)
def test_alias_tone_is_between_the_two_nyquists_and_folds_where_expected(
    in_rate: int, out_rate: int, tone: float, alias: float
) -> None:
    assert alias_test_tone(in_rate, out_rate) == pytest.approx(tone)
    assert out_rate / 2 < tone < in_rate / 2
    assert alias_frequencies(tone, in_rate, out_rate) == [pytest.approx(alias)]


def test_image_tone_puts_its_images_inside_the_output_band() -> None:
    tone = image_test_tone(8000, 48000)
    assert tone == pytest.approx(2963.0)
    assert image_frequencies(tone, 8000, 48000) == pytest.approx(
        [5037.0, 10963.0, 13037.0, 18963.0, 21037.0]
    )
    tone = image_test_tone(44100, 48000)
    assert image_frequencies(tone, 44100, 48000) == pytest.approx([44100 - tone])
    assert 22050 < 44100 - tone < 24000


def test_multitone_passband_tones_span_50_hz_to_0_9_nyquist() -> None:
    freqs = passband_frequencies(8000, 16000)
    assert freqs[0] == pytest.approx(50.0) and freqs[-1] == pytest.approx(3600.0)
    x = multitone(freqs, 8000, 8000, amplitude=0.5 / len(freqs))
    fit = fit_sines(x, 8000, freqs)
    assert fit.amplitudes == pytest.approx([0.5 / len(freqs)] * len(freqs), rel=1e-9)
    assert np.max(np.abs(x)) < 1.0
