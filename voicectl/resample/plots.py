"""``--plot DIR``: SVG pictures of what resample-check measured.

- matrix: each resampler's magnitude response per rate pair (white noise in, the output's
  spectrum over the input's), where passband droop, imaging and aliasing are plain to see;
- file diagnosis: spectrogram and long-term spectrum at the declared rate, edge marked;
- components: Smart Turn's probability per utterance, Silero's confidence over a call.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicectl.audio.io import Audio
from voicectl.errors import InputError
from voicectl.resample.components import CORRECT, VARIANTS, SmartTurnResult, VadResult
from voicectl.resample.diagnose import ANALYSIS_LIMIT_S, RateDiagnosis
from voicectl.resample.matrix import MatrixPlan, pair_label
from voicectl.resample.metrics import chunk_samples
from voicectl.resample.resamplers import Kind, ResamplerSpec
from voicectl.resample.svg import Chart, Series, heatmap_png

__all__ = [
    "plot_components",
    "plot_diagnosis",
    "plot_matrix",
    "plot_names",
    "response_db",
]

_NOISE_RMS = 0.1  # -20 dBFS
_NOISE_S = 1.0


def _welch(
    x: npt.NDArray[np.float64], rate: int, size: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One-sided power spectral density (per Hz) by Welch's method, Hann, 50% overlap."""
    window = np.hanning(size)
    hop = size // 2
    count = max(1, 1 + (len(x) - size) // hop)
    total = np.zeros(size // 2 + 1)
    for i in range(count):
        piece = x[i * hop : i * hop + size]
        if len(piece) < size:
            piece = np.pad(piece, (0, size - len(piece)))
        total += np.abs(np.fft.rfft(piece * window)) ** 2
    psd = total / count / (rate * np.sum(window**2))
    psd[1:-1] *= 2
    return np.fft.rfftfreq(size, 1 / rate).astype(np.float64), psd


def response_db(
    spec: ResamplerSpec, in_rate: int, out_rate: int, seed: int = 0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Magnitude response (dB) from white noise: output spectral density over the input's."""
    noise = np.random.default_rng(seed).normal(0.0, _NOISE_RMS, round(_NOISE_S * in_rate))
    if spec.kind is Kind.STREAM:
        y = spec.chunked(noise, in_rate, out_rate, chunk_samples(in_rate)).output
    else:
        y = spec.whole(noise, in_rate, out_rate).output
    size = 1 << max(8, round(math.log2(out_rate / 8)))
    freqs, psd = _welch(y, out_rate, size)
    flat = 2 * _NOISE_RMS**2 / in_rate  # the input's one-sided density
    return freqs, 10 * np.log10(np.maximum(psd / flat, 1e-30))


def _write(directory: Path, name: str, svg: str) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        path.write_text(svg, encoding="utf-8")
    except OSError as error:
        raise InputError(f"--plot {directory}: cannot write ({error.strerror or error})") from None
    return path


def plot_matrix(plan: MatrixPlan, directory: Path) -> list[Path]:
    """One response chart per rate pair, every chosen resampler on it."""
    written = []
    for in_rate, out_rate in plan.pairs:
        chart = Chart(
            title=f"Magnitude response {pair_label(in_rate, out_rate)} (white noise, 20 ms chunks for streams)",
            x_label="frequency (Hz)",
            y_label="output / input density (dB)",
            x_range=(0.0, out_rate / 2),
            y_range=(-160.0, 10.0),
            vlines=[(min(in_rate, out_rate) / 2, "lower Nyquist")],
            hlines=[(-3.0, "-3 dB")],
        )
        for spec in plan.resamplers:
            freqs, level = response_db(spec, in_rate, out_rate)
            chart.series.append(Series(spec.name, freqs.tolist(), level.tolist()))
        written.append(_write(directory, f"response_{in_rate}_{out_rate}.svg", chart.render()))
    return written


def _spectrogram(
    x: npt.NDArray[np.float64], rate: int, columns: int = 600
) -> npt.NDArray[np.float64]:
    size = 1 << max(7, round(math.log2(rate * 0.032)))
    hop = max(1, (len(x) - size) // columns) if len(x) > size else 1
    starts = range(0, max(1, len(x) - size + 1), hop)
    window = np.hanning(size)
    spec = np.array([np.abs(np.fft.rfft(x[s : s + size] * window)) ** 2 for s in starts])
    return 10 * np.log10(spec.T[::-1] + 1e-12)  # rows from the top: highest frequency first


def plot_diagnosis(diagnosis: RateDiagnosis, audio: Audio, directory: Path) -> list[Path]:
    """Spectrogram and long-term spectrum of one recording, as its header says it plays."""
    rate = audio.sample_rate
    x = audio.samples[: round(ANALYSIS_LIMIT_S * rate)].astype(np.float64) / 32768.0
    seconds = max(len(x) / rate, 1e-3)
    stem = Path(audio.source).stem or "audio"
    edge = diagnosis.features.bandwidth_hz
    marks = [(edge, f"content edge {edge / 1000:.2f} kHz")] if edge is not None else []
    db = _spectrogram(x, rate)
    top = float(np.max(db)) if db.size else 0.0
    verdict = diagnosis.verdict.value.upper()
    chart = Chart(
        title=f"{Path(audio.source).name} at the declared {rate} Hz: {verdict}",
        x_label="time (s)",
        y_label="frequency (Hz)",
        x_range=(0.0, seconds),
        y_range=(0.0, rate / 2),
        hlines=marks,
        image=(heatmap_png(db, top - 90, top), (0.0, seconds, 0.0, rate / 2)),
    )
    paths = [_write(directory, f"{stem}_spectrogram.svg", chart.render())]
    freqs, psd = _welch(x, rate, 1 << max(8, round(math.log2(rate / 16))))
    level = 10 * np.log10(psd + 1e-30)
    level -= level.max()
    spectrum = Chart(
        title=f"{Path(audio.source).name}: long-term spectrum at {rate} Hz",
        x_label="frequency (Hz)",
        y_label="dB re peak",
        x_range=(0.0, rate / 2),
        y_range=(-120.0, 5.0),
        vlines=marks,
        hlines=[(-40.0, "-40 dB")],
        series=[Series("long-term spectrum", freqs.tolist(), level.tolist())],
    )
    paths.append(_write(directory, f"{stem}_spectrum.svg", spectrum.render()))
    return paths


def plot_components(result: SmartTurnResult | VadResult, directory: Path) -> list[Path]:
    """Smart Turn probability per utterance, or Silero confidence over the first call."""
    if isinstance(result, SmartTurnResult):
        count = len(result.utterances)
        chart = Chart(
            title="Smart Turn v3: p(complete) per fixture utterance, told the right and wrong rate",
            x_label="utterance",
            y_label="p(complete)",
            x_range=(1.0, max(count, 2)),
            y_range=(0.0, 1.0),
            hlines=[(0.5, "decision threshold")],
            series=[
                Series(
                    v.short,
                    list(range(1, count + 1)),
                    result.probability[v.key],
                    dashed=v is not CORRECT,
                    markers=True,
                )
                for v in VARIANTS
            ],
        )
        return [_write(directory, "smart_turn_probability.svg", chart.render())]
    call = result.calls[0]
    chart = Chart(
        title=f"Silero VAD confidence over {call.name}, real time",
        x_label="time (s)",
        y_label="confidence",
        x_range=(0.0, call.audio.duration_s),
        y_range=(0.0, 1.0),
        hlines=[(result.threshold, "threshold")],
    )
    for variant in VARIANTS:
        run = result.runs[variant.key][0]
        chart.series.append(
            Series(
                variant.short,
                run.times.tolist(),
                run.confidence.tolist(),
                dashed=variant is not CORRECT,
            )
        )
    return [_write(directory, f"silero_confidence_{call.name}.svg", chart.render())]


def plot_names(directory: Path, paths: list[Path]) -> str:
    """``3 SVGs in DIR`` for the report."""
    return f"{len(paths)} SVG{'s' if len(paths) != 1 else ''} in {os.fspath(directory)}"
