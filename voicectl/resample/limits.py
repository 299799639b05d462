"""Physical limits the resampler thresholds are stated against, in theory and as measured here.

A resampler that hands int16 back cannot beat 16-bit quantisation, and libsoxr adds TPDF
dither to int16 output by default; a resampler feeding G.711 only has to stay clear of the
codec's ~38 dB. The thresholds sit a fixed margin from those floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voicectl.audio import g711
from voicectl.resample.signals import FULL_SCALE, from_int16, sine, snr_vs_ideal

__all__ = [
    "ALIAS_PASS_DB",
    "ALIAS_WARN_DB",
    "BOUNDARY_PASS_DB",
    "G711_SNR_DB",
    "HELD_BACK_GROWTH_MS",
    "INT16_DITHERED_SNR_DB",
    "INT16_SNR_DB",
    "LATENCY_WARN_MS",
    "LENGTH_TOLERANCE",
    "MARGIN_DB",
    "PASSBAND_PASS_DB",
    "PASSBAND_WARN_DB",
    "SNR_PASS_DB",
    "SNR_WARN_DB",
    "Limit",
    "measure_limits",
]

TEST_LEVEL_DB = -3.0
# 6.02·N + 1.76 dB for a full-scale sine; the test tone is 3 dB below full scale.
INT16_SNR_DB = 6.02 * 16 + 1.76 + TEST_LEVEL_DB
# TPDF dither (variance 2·q²/12) on top of rounding (q²/12) triples the noise: -4.77 dB.
INT16_DITHERED_SNR_DB = INT16_SNR_DB - 10 * math.log10(3)
# G.711 mu-law for large signals: 6.02·8 + 4.77 - 20·log10(ln(1 + 255)) dB, about level-flat.
G711_SNR_DB = 6.02 * 8 + 4.77 - 20 * math.log10(math.log(256))

MARGIN_DB = 6.0
SNR_PASS_DB = round(INT16_DITHERED_SNR_DB - MARGIN_DB)  # 84: transparent for int16 audio
SNR_WARN_DB = round(G711_SNR_DB + MARGIN_DB)  # 44: still clear of a G.711 phone line
ALIAS_PASS_DB = -SNR_PASS_DB
ALIAS_WARN_DB = -SNR_WARN_DB
PASSBAND_PASS_DB = 0.5  # about the smallest level change a listener notices
PASSBAND_WARN_DB = 3.0  # the band edge has moved below 0.9 x Nyquist
# Two int16 renderings with independent TPDF dither differ by about -87 dB re a -3 dBFS sine;
# a one-shot resampler called per chunk leaves errors of -17..-37 dB at the chunk edges.
BOUNDARY_PASS_DB = -80.0
LATENCY_WARN_MS = 40.0  # two 20 ms frames, of ITU-T G.114's 150 ms one-way budget for everything
LENGTH_TOLERANCE = 1.0  # output samples after flush, against the exact count
# Growth of the audio held back, second half of a run vs the first: one 20 ms frame. A stream
# that loses or hoards one sample per chunk grows by 2.5 ms per second at 8 kHz.
HELD_BACK_GROWTH_MS = 20.0


@dataclass(frozen=True)
class Limit:
    """One physical floor: the theory and what this machine's code measures."""

    name: str
    theory_db: float
    measured_db: float


def measure_limits(seconds: float = 1.0, rate: int = 8000, seed: int = 0) -> list[Limit]:
    """SNR of a 997 Hz -3 dBFS sine through int16 rounding, int16 + TPDF dither, and G.711."""
    amplitude = 10 ** (TEST_LEVEL_DB / 20)
    n = round(seconds * rate)
    x = sine(997.0, rate, n, amplitude=amplitude)
    rng = np.random.default_rng(seed)
    rounded = np.rint(x * FULL_SCALE)
    tpdf = rng.uniform(-0.5, 0.5, n) + rng.uniform(-0.5, 0.5, n)
    dithered = np.rint(x * FULL_SCALE + tpdf)
    pcm = np.clip(rounded, -32768, 32767).astype(np.int16)
    mulaw = g711.ulaw_decode(g711.ulaw_encode(pcm))

    def snr(y: np.ndarray) -> float:
        return snr_vs_ideal(y, rate, 997.0, amplitude)

    return [
        Limit("int16, rounded", INT16_SNR_DB, snr(rounded / FULL_SCALE)),
        Limit(
            "int16 + TPDF dither (libsoxr's int16 output)",
            INT16_DITHERED_SNR_DB,
            snr(dithered / FULL_SCALE),
        ),
        Limit("G.711 mu-law", G711_SNR_DB, snr(from_int16(mulaw))),
    ]
