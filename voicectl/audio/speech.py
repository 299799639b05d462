"""Speech-shaped audio for the reference bot's replies: voiced syllables, formants, pauses.

A reply is not meant to be intelligible; it only has to look like speech to whatever listens
(a VAD, a level meter, a person reading a spectrogram): a glottal pulse train with a moving
pitch, shaped by three vowel formants, chopped into syllables at about 4 per second.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["resonate", "synthesize_reply"]

# (F1, F2, F3) in Hz for a few vowels.
_VOWELS = (
    (730, 1090, 2440),
    (270, 2290, 3010),
    (530, 1840, 2480),
    (570, 840, 2410),
    (440, 1020, 2240),
)


def resonate(
    signal: npt.NDArray[np.float64], freq: float, bandwidth: float, rate: int
) -> npt.NDArray[np.float64]:
    """Two-pole resonator (a formant filter), run over the whole signal."""
    r = np.exp(-np.pi * bandwidth / rate)
    a1 = -2.0 * r * np.cos(2.0 * np.pi * freq / rate)
    a2 = r * r
    gain = 1.0 - r
    out = np.empty_like(signal)
    y1 = y2 = 0.0
    for i, x in enumerate(signal):
        y = gain * x - a1 * y1 - a2 * y2
        out[i] = y
        y2, y1 = y1, y
    return out


def synthesize_reply(
    duration_s: float, sample_rate: int, *, seed: int = 0, level_dbfs: float = -12.0
) -> npt.NDArray[np.int16]:
    """Return ``duration_s`` of speech-shaped int16 audio at ``sample_rate`` (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    total = max(1, round(duration_s * sample_rate))
    # Synthesize at 8 kHz (telephony band, cheap) and resample once at the end.
    base_rate = 8000
    n = max(1, round(duration_s * base_rate))
    t = np.arange(n) / base_rate
    f0 = (
        150.0
        + 25.0 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.28))
        - 20.0 * t / max(duration_s, 1e-3)
    )
    phase = np.cumsum(f0 / base_rate)
    pulses = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)
    syllable_len = int(0.24 * base_rate)
    envelope = np.zeros(n)
    voiced = np.zeros(n)
    for k, start in enumerate(range(0, n, syllable_len)):
        seg = slice(start, min(n, start + syllable_len))
        length = seg.stop - seg.start
        if k % 7 == 6:  # a short pause every few syllables
            continue
        envelope[seg] = np.sin(np.linspace(0, np.pi, length)) ** 0.6
        vowel = _VOWELS[int(rng.integers(len(_VOWELS)))]
        excitation = pulses[seg] + 0.02 * rng.standard_normal(length)
        voiced[seg] = sum(
            resonate(excitation, f, 80.0 + 40.0 * j, base_rate) * (0.9**j)
            for j, f in enumerate(vowel)
        )
    audio = voiced * envelope
    peak = float(np.max(np.abs(audio))) or 1.0
    audio *= 10 ** (level_dbfs / 20.0) / peak
    if sample_rate != base_rate:
        import soxr

        audio = soxr.resample(audio, base_rate, sample_rate, quality="HQ")
    audio = np.clip(audio[:total], -1.0, 1.0)
    if audio.size < total:
        audio = np.pad(audio, (0, total - audio.size))
    return (audio * 32767.0).astype(np.int16)
