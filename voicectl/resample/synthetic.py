"""Speech-like audio with a known pitch and syllable rate, for checking the rate diagnosis.

Voiced syllables are harmonics of a slowly wandering pitch shaped by vowel formants, spaced at
a chosen syllable rate with phrase pauses, and separated by fricative noise that reaches
7.5 kHz, so the signal is wideband. Played at the wrong rate, its pitch and syllable rate move
by exactly the rate ratio, which is what a mislabelled recording does to real speech.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

__all__ = ["speech_like"]

# (F1, F2, F3) in Hz for a few vowels.
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410))
_SYNTH_RATE = 16000
_TOP_HZ = 7500.0


def _formant_gain(
    freqs: npt.NDArray[np.float64], vowel: tuple[int, int, int]
) -> npt.NDArray[np.float64]:
    gain = np.zeros_like(freqs)
    for k, centre in enumerate(vowel):
        bandwidth = 80.0 + 40.0 * k
        gain += (0.8**k) / (1.0 + ((freqs - centre) / bandwidth) ** 2)
    return gain / np.maximum(freqs / 500.0, 1.0)  # the source's -6 dB/octave tilt


def speech_like(
    rate: int,
    seconds: float,
    *,
    f0: float = 120.0,
    syllables_per_s: float = 4.0,
    seed: int = 0,
    level_dbfs: float = -12.0,
) -> npt.NDArray[np.int16]:
    """``seconds`` of int16 speech-like audio at ``rate`` (content up to 7.5 kHz)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * _SYNTH_RATE)
    t = np.arange(n) / _SYNTH_RATE
    pitch = f0 * (1.0 + 0.08 * np.sin(2 * np.pi * 0.6 * t + rng.uniform(0, 6.3)))
    phase = 2 * np.pi * np.cumsum(pitch) / _SYNTH_RATE
    voiced = np.zeros(n)
    syllable = round(_SYNTH_RATE / syllables_per_s)
    for index, start in enumerate(range(0, n, syllable)):
        if index % 6 == 5:  # a phrase pause every few syllables
            continue
        stop = min(n, start + round(0.8 * syllable))
        length = stop - start
        vowel = _VOWELS[int(rng.integers(len(_VOWELS)))]
        harmonics = np.arange(1, int(_TOP_HZ // f0) + 1, dtype=np.float64)
        gains = _formant_gain(harmonics * f0, vowel)
        piece = np.zeros(length)
        for k, gain in zip(harmonics, gains, strict=True):
            piece += gain * np.sin(k * phase[start:stop])
        voiced[start:stop] = piece * np.sin(np.linspace(0, np.pi, length)) ** 0.7
        # A fricative in the gap after the vowel: noise from 2.5 kHz to 7.5 kHz.
        gap = slice(stop, min(n, start + syllable))
        if index % 2 == 0 and gap.stop > gap.start:
            noise = rng.standard_normal(gap.stop - gap.start)
            spectrum = np.fft.rfft(noise)
            freqs = np.fft.rfftfreq(len(noise), 1 / _SYNTH_RATE)
            spectrum[(freqs < 2500) | (freqs > _TOP_HZ)] = 0
            burst = np.fft.irfft(spectrum, len(noise))
            voiced[gap] = 0.15 * burst * np.hanning(len(burst)) / (np.std(burst) + 1e-12)
    audio = voiced / (np.max(np.abs(voiced)) or 1.0) * 10 ** (level_dbfs / 20)
    if rate != _SYNTH_RATE:
        audio = np.asarray(soxr.resample(audio, _SYNTH_RATE, rate, quality="VHQ"))
    return np.clip(np.rint(audio * 32768), -32768, 32767).astype(np.int16)
