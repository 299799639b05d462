"""Backchannels: the short acknowledgements ("mm-hmm", "uh-huh", "oh") a caller makes while the
bot talks, which a bot should hear without stopping.

"oh" is a real recording (Asterisk core sounds, voice of Allison Smith, CC BY-SA 3.0; see
``voicectl/data/backchannels/ATTRIBUTION.md``); "mm-hmm" and "uh-huh" are synthesized: two voiced
syllables (glottal pulses through formant resonators) joined by a breathy "h".
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import numpy.typing as npt

from voicectl.audio.io import resample
from voicectl.audio.speech import resonate

__all__ = ["BACKCHANNELS", "backchannel"]

_RATE = 8000
# (first syllable s, "h" s, second syllable s, formants, pitch at start/middle/end Hz)
_SYNTHETIC: dict[str, tuple[float, float, float, tuple[float, ...], tuple[float, float, float]]] = {
    "mm-hmm": (0.17, 0.07, 0.21, (250.0, 1100.0, 2300.0), (190.0, 165.0, 215.0)),
    "uh-huh": (0.15, 0.07, 0.19, (620.0, 1200.0, 2550.0), (200.0, 170.0, 220.0)),
}
BACKCHANNELS = ("mm-hmm", "uh-huh", "oh")


def _syllable(
    duration_s: float, f0_from: float, f0_to: float, formants: tuple[float, ...]
) -> npt.NDArray[np.float64]:
    n = int(duration_s * _RATE)
    f0 = np.linspace(f0_from, f0_to, n)
    phase = np.cumsum(f0 / _RATE)
    pulses = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)
    rng = np.random.default_rng(11)
    excitation = pulses + 0.02 * rng.standard_normal(n)
    voiced = sum(
        resonate(excitation, f, 70.0 + 50.0 * j, _RATE) * (0.8**j) for j, f in enumerate(formants)
    )
    envelope = np.sin(np.linspace(0, np.pi, n)) ** 0.5
    return np.asarray(voiced * envelope)


def _synthesize(kind: str) -> npt.NDArray[np.float64]:
    first, breath, second, formants, (start, middle, end) = _SYNTHETIC[kind]
    rng = np.random.default_rng(5)
    h = int(breath * _RATE)
    aspiration = resonate(rng.standard_normal(h), 1500.0, 900.0, _RATE)
    aspiration *= np.sin(np.linspace(0, np.pi, h)) * 0.15
    parts = [
        _syllable(first, start, middle, formants),
        aspiration,
        _syllable(second, middle, end, formants),
    ]
    audio = np.concatenate(parts)
    return audio / (float(np.max(np.abs(audio))) or 1.0)


def backchannel(kind: str, sample_rate: int, level_dbfs: float = -6.0) -> npt.NDArray[np.int16]:
    """One backchannel (``mm-hmm``, ``uh-huh`` or ``oh``) at ``sample_rate``, peak ``level_dbfs``."""
    if kind not in BACKCHANNELS:
        raise ValueError(f"unknown backchannel {kind!r}; choose from {', '.join(BACKCHANNELS)}")
    if kind in _SYNTHETIC:
        audio = _synthesize(kind)
    else:
        import soundfile as sf

        clip = resources.files("voicectl.data").joinpath(f"backchannels/{kind}.wav")
        with resources.as_file(clip) as path:
            data, _ = sf.read(path, dtype="float64")
        audio = data / (float(np.max(np.abs(data))) or 1.0)
    samples = np.clip(audio * 10 ** (level_dbfs / 20) * 32767, -32768, 32767).astype(np.int16)
    return samples if sample_rate == _RATE else resample(samples, _RATE, sample_rate)
