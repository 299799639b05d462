"""Test signals with known answers, and the measurements made on what a resampler returns.

Everything is float64 in [-1, 1] full scale; int16 is ``round(x * 32768)``. Measurements fit
sinusoids of known frequency by least squares, so they need no windowing and no FFT-bin luck,
and a delay through the resampler shows up only as a phase, which the fit absorbs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "FULL_SCALE",
    "FloatArray",
    "SineFit",
    "alias_frequencies",
    "alias_test_tone",
    "db",
    "fit_sines",
    "from_int16",
    "image_frequencies",
    "image_test_tone",
    "multitone",
    "passband_frequencies",
    "sine",
    "snr_vs_ideal",
    "to_int16",
]

FULL_SCALE = 32768.0
FloatArray = npt.NDArray[np.float64]

# Test tones sit this far off round frequencies (see alias_test_tone).
_OFF_GRID_HZ = 37.0
# Floor for levels in dB so an exact zero reads as a number in reports instead of -inf.
_DB_FLOOR = -300.0


def db(ratio: float) -> float:
    """20·log10 of an amplitude ratio, floored at -300 dB."""
    return _DB_FLOOR if ratio <= 0 else max(_DB_FLOOR, 20.0 * math.log10(ratio))


def sine(freq: float, rate: int, n: int, *, amplitude: float, phase: float = 0.0) -> FloatArray:
    """``amplitude·sin(2π·freq·t + phase)``, ``n`` samples at ``rate``."""
    t = np.arange(n, dtype=np.float64) / rate
    return amplitude * np.sin(2.0 * np.pi * freq * t + phase)


def multitone(
    freqs: Sequence[float], rate: int, n: int, *, amplitude: float, seed: int = 0
) -> FloatArray:
    """A sum of equal-amplitude sines with fixed pseudo-random phases (low crest factor)."""
    phases = np.random.default_rng(seed).uniform(0.0, 2.0 * np.pi, len(freqs))
    return sum(
        (
            sine(f, rate, n, amplitude=amplitude, phase=float(p))
            for f, p in zip(freqs, phases, strict=True)
        ),
        start=np.zeros(n),
    )


def to_int16(x: FloatArray) -> npt.NDArray[np.int16]:
    """Quantise full-scale floats to int16 by rounding (clipped)."""
    return np.clip(np.rint(x * FULL_SCALE), -32768, 32767).astype(np.int16)


def from_int16(x: npt.NDArray[np.int16]) -> FloatArray:
    """int16 samples as full-scale floats."""
    return x.astype(np.float64) / FULL_SCALE


@dataclass(frozen=True)
class SineFit:
    """Least-squares fit of sinusoids at known frequencies (plus DC) to a signal."""

    freqs: tuple[float, ...]
    amplitudes: tuple[float, ...]
    phases: tuple[float, ...]
    dc: float
    model: FloatArray
    residual: FloatArray


def fit_sines(y: FloatArray, rate: int, freqs: Sequence[float], *, offset: int = 0) -> SineFit:
    """Fit ``Σ a_k·sin(2π f_k n/rate + φ_k) + dc`` to ``y``; ``offset`` is y[0]'s sample index."""
    n = np.arange(offset, offset + len(y), dtype=np.float64)
    phase = np.outer(n, 2.0 * np.pi * np.asarray(freqs, dtype=np.float64) / rate)
    basis = np.empty((len(y), 1 + 2 * len(freqs)))
    basis[:, 0] = 1.0
    basis[:, 1::2] = np.sin(phase)
    basis[:, 2::2] = np.cos(phase)
    # Normal equations: the columns are near-orthogonal over many periods, so this is well
    # conditioned and several times faster than an SVD-based lstsq.
    try:
        coef = np.linalg.solve(basis.T @ basis, basis.T @ y)
    except np.linalg.LinAlgError:
        coef = np.linalg.lstsq(basis, y, rcond=None)[0]
    model = basis @ coef
    amplitudes = tuple(float(math.hypot(s, c)) for s, c in zip(coef[1::2], coef[2::2], strict=True))
    phases = tuple(float(math.atan2(c, s)) for s, c in zip(coef[1::2], coef[2::2], strict=True))
    return SineFit(tuple(freqs), amplitudes, phases, float(coef[0]), model, y - model)


def snr_vs_ideal(
    y: FloatArray, rate: int, freq: float, amplitude: float, *, offset: int = 0
) -> float:
    """SNR (dB) of ``y`` against the ideal sine of the input's ``amplitude``, delay aligned.

    The phase (= the delay) comes from a least-squares fit; the amplitude stays the input's, so
    a gain error counts as error, and so does DC.
    """
    fit = fit_sines(y, rate, [freq], offset=offset)
    n = np.arange(offset, offset + len(y), dtype=np.float64)
    ideal = amplitude * np.sin(2.0 * np.pi * freq * n / rate + fit.phases[0])
    error = y - ideal
    return 10.0 * math.log10(
        max(float(np.sum(ideal**2)), 1e-300) / max(float(np.sum(error**2)), 1e-300)
    )


def alias_test_tone(in_rate: int, out_rate: int) -> float:
    """A tone a resampler going down must remove: above the output Nyquist, below the input's.

    Halfway into the band that only the input can carry, at most 1.5 x the output Nyquist, and
    37 Hz off any round figure so that int16 rounding of the input does not put its own
    harmonics on the alias frequency: 6037 Hz for 16k->8k, 10037 Hz for 24k->16k.
    """
    out_nyq, in_nyq = out_rate / 2, in_rate / 2
    return out_nyq + min(0.5 * out_nyq, 0.5 * (in_nyq - out_nyq)) + _OFF_GRID_HZ


def image_test_tone(in_rate: int, out_rate: int) -> float:
    """A tone near the input Nyquist whose first image lands inside the output band (going up).

    2963 Hz for 8k->16k and 8k->48k (first image at 5037 Hz); 21038 Hz for 44.1k->48k (image
    at 23062 Hz). Off the round figures for the same reason as :func:`alias_test_tone`.
    """
    out_nyq, in_nyq = out_rate / 2, in_rate / 2
    return in_nyq - min(0.25 * in_nyq, 0.5 * (out_nyq - in_nyq)) - _OFF_GRID_HZ


def alias_frequencies(freq: float, in_rate: int, out_rate: int) -> list[float]:
    """Where ``freq`` lands in the output band after a resampler failed to remove it."""
    folded = math.fmod(freq, out_rate)
    return [min(folded, out_rate - folded)]


def image_frequencies(freq: float, in_rate: int, out_rate: int) -> list[float]:
    """Spectral images ``k·in_rate ± freq`` of an input tone that fall inside the output band."""
    out_nyq = out_rate / 2
    images: list[float] = []
    k = 1
    while k * in_rate - freq < out_nyq:
        for image in (k * in_rate - freq, k * in_rate + freq):
            if in_rate / 2 < image < out_nyq:
                images.append(image)
        k += 1
    return images


def passband_frequencies(in_rate: int, out_rate: int, count: int = 12) -> list[float]:
    """``count`` log-spaced tones from 50 Hz to 0.9 x the lower Nyquist."""
    top = 0.9 * min(in_rate, out_rate) / 2
    return [float(f) for f in np.geomspace(50.0, top, count)]
