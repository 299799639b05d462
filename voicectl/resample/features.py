"""What :mod:`voicectl.resample.diagnose` measures on a recording, at its declared rate: pitch and
harmonic centre (YIN at 8 kHz), the speech envelope's modulation centre, bandwidth, spectral
centre, G.711 levels and a sidecar's duration. The cues, their bounds and the verdict are in
:mod:`voicectl.resample.diagnose`."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from voicectl.audio import g711
from voicectl.audio.io import Audio
from voicectl.audio.script import sidecar_path

__all__ = [
    "ANALYSIS_LIMIT_S",
    "EDGE_DROP_DB",
    "MIN_LOUD_S",
    "MIN_SPEECH_S",
    "MIN_VOICED_FRAMES",
    "TELEPHONY_EDGE_HZ",
    "RateFeatures",
    "measure_features",
]

TELEPHONY_EDGE_HZ = 3400.0  # G.712 telephone channel
EDGE_DROP_DB = 40.0  # the bandwidth is where the long-term spectrum falls this far below its peak
MIN_VOICED_FRAMES = 25  # 0.5 s of voiced speech (20 ms hops) before pitch counts
MIN_SPEECH_S = 2.0  # speech needed before the speaking rate counts
MIN_LOUD_S = 1.0  # loud audio needed before the bandwidth counts
ANALYSIS_LIMIT_S = 600.0  # cues are measured on at most the first 10 minutes

_PITCH_RATE = 8000  # pitch and spectral centre need nothing above 4 kHz
_ENVELOPE_RATE = 16000  # the envelope's 300-3400 Hz band needs nothing above 8 kHz
_FRAME_HOP_S = 0.01
_PITCH_HOP_S = 0.02
_BLOCK_FRAMES = 2000
_HARMONICS = 8
_HARMONIC_FFT = 1024  # 7.8 Hz bins for a 50 ms pitch frame at 8 kHz


@dataclass(frozen=True)
class RateFeatures:
    """What was measured, at the declared rate."""

    declared_rate: int
    duration_s: float
    analysed_s: float
    f0_median_hz: float | None
    voiced_frames: int
    modulation_hz: float | None
    speech_s: float
    bandwidth_hz: float | None
    spectral_centre_hz: float | None
    g711_law: str | None  # "mu-law" / "A-law" when every sample sits on its levels
    sidecar_duration_s: float | None
    harmonic_centre: float | None = None  # median power-weighted mean harmonic number, H1-H8


def _frames(x: npt.NDArray[np.float64], size: int, hop: int) -> npt.NDArray[np.float64]:
    count = 1 + max(0, (len(x) - size) // hop)
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return x[index] if len(x) >= size else np.zeros((0, size))


def _frame_blocks(
    x: npt.NDArray[np.float64], size: int, hop: int, threshold_db: float
) -> Iterator[npt.NDArray[np.float64]]:
    """Frames louder than ``threshold_db`` re the loudest, a block at a time (bounded memory)."""
    count = 1 + (len(x) - size) // hop if len(x) >= size else 0
    if not count:
        return
    energy = np.concatenate([[0.0], np.cumsum(x**2)])
    starts = hop * np.arange(count)
    level = np.sqrt((energy[starts + size] - energy[starts]) / size)
    loud = level > np.max(level) * 10 ** (threshold_db / 20) if np.max(level) > 0 else level >= 0
    for first in range(0, count, _BLOCK_FRAMES):
        chosen = starts[first : first + _BLOCK_FRAMES][loud[first : first + _BLOCK_FRAMES]]
        if len(chosen):
            yield x[chosen[:, None] + np.arange(size)[None, :]]


def _at_rate(x: npt.NDArray[np.float64], rate: int, to_rate: int) -> npt.NDArray[np.float64]:
    """``x`` (declared ``rate``) at ``to_rate``, frequencies kept in declared Hz."""
    return x if rate == to_rate else np.asarray(soxr.resample(x, rate, to_rate, quality="HQ"))


def _harmonic_centre(
    voiced: npt.NDArray[np.float64], f0: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per voiced frame: the power-weighted mean harmonic number of H1-H8 (those below 3.4 kHz).

    Where the first formant sits in the harmonic series: both scale with playback speed, so
    the figure is the same at any speed and tells a voice's kind (women's voices near H1-H2,
    men's, with F1 four or five harmonics up, higher).
    """
    size = voiced.shape[1]
    magnitude = np.abs(np.fft.rfft(voiced * np.hanning(size), _HARMONIC_FFT, axis=1))
    # Each harmonic's level: the largest bin within 2 bins of k * F0 (F0 is a whole lag).
    padded = np.pad(magnitude, ((0, 0), (2, 2)))
    peak = np.max([padded[:, i : i + magnitude.shape[1]] for i in range(5)], axis=0)
    numbers = np.arange(1, _HARMONICS + 1)
    hz = f0[:, None] * numbers[None, :]
    bins = np.minimum(np.rint(hz * _HARMONIC_FFT / _PITCH_RATE).astype(int), magnitude.shape[1] - 1)
    power = np.where(hz <= TELEPHONY_EDGE_HZ, np.take_along_axis(peak, bins, axis=1) ** 2, 0.0)
    return np.asarray(np.sum(power * numbers, axis=1) / np.maximum(power.sum(axis=1), 1e-30))


def _pitch(x: npt.NDArray[np.float64]) -> tuple[float | None, int, float | None]:
    """Median F0 (declared Hz) over voiced frames by YIN, how many frames were voiced, and
    their median harmonic centre (``_harmonic_centre``).

    ``x`` is the audio brought to 8 kHz, so every rate costs the same.
    """
    min_lag, max_lag = int(_PITCH_RATE / 800), int(_PITCH_RATE / 40)
    size = 2 * max_lag + 2  # two periods of the lowest pitch
    window = size - max_lag
    hop = round(_PITCH_HOP_S * _PITCH_RATE)
    f0s: list[npt.NDArray[np.float64]] = []
    centres: list[npt.NDArray[np.float64]] = []
    nfft = 1 << math.ceil(math.log2(2 * size))
    lags = np.arange(max_lag + 1)
    for block in _frame_blocks(x, size, hop, -35.0):
        head = block.copy()
        head[:, window:] = 0.0
        corr = np.fft.irfft(
            np.fft.rfft(block, nfft, axis=1) * np.conj(np.fft.rfft(head, nfft, axis=1)),
            nfft,
            axis=1,
        )[:, : max_lag + 1]
        energy = np.cumsum(np.pad(block**2, ((0, 0), (1, 0))), axis=1)
        diff = energy[:, window : window + 1] + energy[:, lags + window] - energy[:, lags]
        diff -= 2.0 * corr
        cumulative = np.cumsum(diff[:, 1:], axis=1)
        normalised = diff[:, 1:] * np.arange(1, max_lag + 1) / np.maximum(cumulative, 1e-12)
        below = normalised[:, min_lag - 1 :] < 0.15
        voiced = below.any(axis=1)
        if not voiced.any():
            continue
        rows, below = normalised[voiced, min_lag - 1 :], below[voiced]
        # YIN's pick: the lowest point of the first dip under the threshold.
        first = np.argmax(below, axis=1)
        after = np.arange(below.shape[1])[None, :] >= first[:, None]
        still_below = np.cumprod(below | ~after, axis=1).astype(bool) & after
        lag = np.argmin(np.where(still_below, rows, np.inf), axis=1) + min_lag - 1
        f0 = _PITCH_RATE / (lag + 1)
        f0s.append(f0)
        centres.append(_harmonic_centre(block[voiced], f0))
    if not f0s:
        return None, 0, None
    every = np.concatenate(f0s)
    return float(np.median(every)), len(every), float(np.median(np.concatenate(centres)))


def _band_envelope(x: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Per 10 ms frame: the amplitude in the 300-3400 Hz speech band."""
    size = max(8, round(0.025 * rate))
    hop = max(1, round(_FRAME_HOP_S * rate))
    freqs = np.fft.rfftfreq(size, 1 / rate)
    band = (freqs >= 300) & (freqs <= min(TELEPHONY_EDGE_HZ, 0.45 * rate))
    envelope: list[npt.NDArray[np.float64]] = []
    window = np.hanning(size)
    for start in range(0, max(1, len(x) - size + 1), hop * _BLOCK_FRAMES):
        block = _frames(x[start : start + hop * (_BLOCK_FRAMES - 1) + size], size, hop)
        power = np.abs(np.fft.rfft(block * window, axis=1)) ** 2
        envelope.append(np.sqrt(power[:, band].sum(axis=1)))
    return np.concatenate(envelope) if envelope else np.zeros(0)


def _speaking_rate(x: npt.NDArray[np.float64], rate: int) -> tuple[float | None, float]:
    """Centre of the 1-20 Hz envelope modulation spectrum over speech (Hz), and seconds of speech.

    The centre is a log-frequency centroid weighted by power squared, so the syllable peak
    dominates and the figure scales with playback speed.
    """
    env = _band_envelope(x, rate)
    if len(env) < 50:
        return None, 0.0
    level = 20 * np.log10(env + 1e-9)
    active = level > max(np.percentile(level, 10) + 15, np.percentile(level, 99) - 40)
    speech_s = float(active.sum()) * _FRAME_HOP_S
    frames = np.flatnonzero(active)
    if speech_s < MIN_SPEECH_S:
        return None, speech_s
    # Speech stretches: active frames with gaps shorter than 0.3 s bridged.
    breaks = np.flatnonzero(np.diff(frames) > 30)
    starts = np.concatenate([[frames[0]], frames[breaks + 1]])
    stops = np.concatenate([frames[breaks] + 1, [frames[-1] + 1]])
    size = 256  # 2.56 s of envelope per window
    power = np.zeros(size // 2 + 1)
    for start, stop in zip(starts, stops, strict=True):
        for first in range(start, max(start + 1, stop - size // 2), size // 2):
            piece = env[first : min(first + size, stop)]
            if len(piece) < 50:
                continue
            piece = (piece - piece.mean()) * np.hanning(len(piece))
            power += np.abs(np.fft.rfft(piece, size)) ** 2
    mod_freqs = np.fft.rfftfreq(size, _FRAME_HOP_S)
    keep = (mod_freqs >= 1.0) & (mod_freqs <= 20.0)
    weight = power[keep] ** 2
    if weight.sum() <= 0:
        return None, speech_s
    centre = math.exp(float(np.sum(weight * np.log(mod_freqs[keep])) / weight.sum()))
    return centre, speech_s


def _bandwidth(x: npt.NDArray[np.float64], rate: int) -> float | None:
    """Highest frequency where the long-term spectrum of the loud frames is within 40 dB of its peak.

    None when there is less than ``MIN_LOUD_S`` of loud audio to average.
    """
    size = max(16, round(0.032 * rate))
    window = np.hanning(size)
    spectrum = np.zeros(size // 2 + 1)
    loud_frames = 0
    for block in _frame_blocks(x, size, size // 2, -40.0):
        spectrum += np.sum(np.abs(np.fft.rfft(block * window, axis=1)) ** 2, axis=0)
        loud_frames += len(block)
    if loud_frames * size / 2 < MIN_LOUD_S * rate:
        return None
    db = 10 * np.log10(spectrum + 1e-30)
    freqs = np.fft.rfftfreq(size, 1 / rate)
    above = np.flatnonzero(db >= db.max() - EDGE_DROP_DB)
    return float(freqs[above[-1]]) if len(above) else 0.0


def _spectral_centre(x: npt.NDArray[np.float64]) -> float | None:
    """Log-frequency centroid (Hz) of the long-term spectrum of loud frames over 100-3400 Hz.

    Measured in declared Hz on the audio brought to 8 kHz (``x``), so every rate sees the same
    band. None when there is less than ``MIN_LOUD_S`` of loud audio.
    """
    size = 256
    window = np.hanning(size)
    spectrum = np.zeros(size // 2 + 1)
    loud_frames = 0
    for block in _frame_blocks(x, size, size // 2, -30.0):
        spectrum += np.sum(np.abs(np.fft.rfft(block * window, axis=1)) ** 2, axis=0)
        loud_frames += len(block)
    freqs = np.fft.rfftfreq(size, 1 / _PITCH_RATE)
    band = (freqs >= 100.0) & (freqs <= TELEPHONY_EDGE_HZ)
    power = spectrum[band]
    if loud_frames * size / 2 < MIN_LOUD_S * _PITCH_RATE or power.sum() <= 0:
        return None
    return math.exp(float(np.sum(power * np.log(freqs[band])) / power.sum()))


def _g711_law(samples: npt.NDArray[np.int16]) -> str | None:
    """``mu-law``/``A-law`` when (nearly) every sample is one of that law's decoded levels."""
    nonzero = samples[samples != 0]
    if len(nonzero) < 1000:
        return None
    for name, decode in (("mu-law", g711.ulaw_decode), ("A-law", g711.alaw_decode)):
        levels = decode(bytes(range(256)))
        # A prefix first: resampled or PCM audio leaves the levels within a few samples.
        if np.isin(nonzero[:4000], levels).mean() < 0.999:
            continue
        if len(np.unique(nonzero)) >= 64 and np.isin(nonzero, levels).mean() >= 0.999:
            return name
    return None


def _sidecar_duration(source: str) -> float | None:
    """``duration_s`` from the transcript sidecar next to the file, if it has one."""
    path = sidecar_path(source)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    value = document.get("duration_s") if isinstance(document, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def measure_features(audio: Audio) -> RateFeatures:
    """Measure every cue on ``audio`` as if its declared rate were right."""
    rate = audio.sample_rate
    head = audio.samples[: round(ANALYSIS_LIMIT_S * rate)]
    x = head.astype(np.float64) / 32768.0
    at_8k = _at_rate(x, rate, _PITCH_RATE)
    f0, voiced, harmonic_centre = _pitch(at_8k)
    envelope_rate = min(rate, _ENVELOPE_RATE)
    modulation, speech_s = _speaking_rate(_at_rate(x, rate, envelope_rate), envelope_rate)
    return RateFeatures(
        declared_rate=rate,
        duration_s=audio.duration_s,
        analysed_s=len(head) / rate,
        f0_median_hz=f0 if voiced >= MIN_VOICED_FRAMES else None,
        voiced_frames=voiced,
        harmonic_centre=harmonic_centre if voiced >= MIN_VOICED_FRAMES else None,
        modulation_hz=modulation,
        speech_s=speech_s,
        bandwidth_hz=_bandwidth(x, rate),
        spectral_centre_hz=_spectral_centre(at_8k),
        g711_law=_g711_law(head),
        sidecar_duration_s=_sidecar_duration(audio.source)
        if os.path.exists(audio.source)
        else None,
    )
