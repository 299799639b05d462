"""The real-speech rate corpus: recordings labelled right and labelled 2x wrong, built in Python.

The base prompts in tests/data/real_speech_rates/ are real human speech (see ATTRIBUTION
there): 8 kHz telephony prompts (content to ~3.8 kHz) and 16 kHz wideband prompts (G.722,
content to ~7 kHz) of three female voices, the corpus the issue asks for; and 8 and 16 kHz
prompts of male voices (``male`` in the name), measured beside it. Every variant here is derived from them with soxr and voicectl's G.711:

- correctly labelled: the 8 kHz prompts as PCM and mu-law, and upsampled to 16 and 48 kHz
  (telephony in a 16 kHz pipeline); the 16 kHz prompts as PCM, resampled to 44.1 and 48 kHz
  (a wideband call recorded at 48 kHz: content still stops at ~7 kHz), and down to 8 kHz
  mu-law (the same speech on a phone line);
- mislabelled 2x both ways: 8 kHz audio declared 16 kHz (PCM and mu-law), 16 kHz audio declared
  8 kHz and 32 kHz, 48 kHz declared 24 kHz and 44.1 kHz declared 22.05 kHz (played slow), and
  16 kHz declared 32 kHz (played fast);
- call-like: a few prompts of one voice joined with 0.5-1.4 s pauses over -60 dBFS line noise,
  in every variant above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from voicectl.audio import g711
from voicectl.audio.io import Audio, resample

__all__ = ["CORPUS_DIR", "CorpusItem", "base_prompts", "real_speech_corpus"]

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "real_speech_rates"
CALL_SEED = 12
PROMPTS_PER_CALL = 4
NOISE_DBFS = -60.0

Int16Array = npt.NDArray[np.int16]


@dataclass(frozen=True)
class CorpusItem:
    """One recording: its samples, the rate its header declares and the rate it truly has."""

    name: str
    variant: str
    samples: Int16Array
    declared_rate: int
    true_rate: int

    @property
    def male(self) -> bool:
        return "male" in self.name

    @property
    def correctly_labelled(self) -> bool:
        return self.declared_rate == self.true_rate

    def audio(self) -> Audio:
        return Audio(self.samples, self.declared_rate, f"{self.name} [{self.variant}]", "pcm16")


def _mu_law(samples: Int16Array) -> Int16Array:
    return g711.ulaw_decode(g711.ulaw_encode(samples))


@cache
def base_prompts() -> dict[str, tuple[Int16Array, int]]:
    """Every committed prompt by file stem: (samples, rate)."""
    prompts = {}
    for path in sorted(CORPUS_DIR.glob("*.flac")):
        samples, rate = sf.read(path, dtype="int16")
        prompts[path.stem] = (np.asarray(samples, dtype=np.int16), int(rate))
    return prompts


def _calls(rate: int) -> dict[str, Int16Array]:
    """Call-like recordings: a voice's prompts joined with pauses over line noise."""
    rng = np.random.default_rng(CALL_SEED + rate)
    by_voice: dict[str, list[Int16Array]] = {}
    for stem, (samples, prompt_rate) in base_prompts().items():
        if prompt_rate == rate:
            by_voice.setdefault(stem.split("_")[1], []).append(samples)
    calls = {}
    for voice, prompts in sorted(by_voice.items()):
        for first in range(0, len(prompts) - PROMPTS_PER_CALL + 1, PROMPTS_PER_CALL):
            pieces: list[Int16Array] = []
            for prompt in prompts[first : first + PROMPTS_PER_CALL]:
                pause = np.zeros(round(rng.uniform(0.5, 1.4) * rate), dtype=np.int16)
                pieces += [pause, prompt]
            joined = np.concatenate(pieces).astype(np.float64)
            joined += rng.normal(0.0, 32768 * 10 ** (NOISE_DBFS / 20), len(joined))
            call = np.clip(np.rint(joined), -32768, 32767).astype(np.int16)
            calls[f"call_{rate // 1000}k_{voice}_{first // PROMPTS_PER_CALL + 1}"] = call
    return calls


def _variants_8k(name: str, x: Int16Array) -> list[CorpusItem]:
    mu = _mu_law(x)
    return [
        CorpusItem(name, "8k PCM", x, 8000, 8000),
        CorpusItem(name, "8k mu-law", mu, 8000, 8000),
        CorpusItem(name, "16k upsampled from 8k", resample(x, 8000, 16000), 16000, 16000),
        CorpusItem(name, "48k upsampled from 8k", resample(x, 8000, 48000), 48000, 48000),
        CorpusItem(name, "8k PCM declared 16k", x, 16000, 8000),
        CorpusItem(name, "8k mu-law declared 16k", mu, 16000, 8000),
    ]


def _variants_16k(name: str, x: Int16Array) -> list[CorpusItem]:
    at48, at44 = resample(x, 16000, 48000), resample(x, 16000, 44100)
    return [
        CorpusItem(name, "16k PCM", x, 16000, 16000),
        CorpusItem(name, "44.1k from 16k", at44, 44100, 44100),
        CorpusItem(name, "48k from 16k", at48, 48000, 48000),
        CorpusItem(name, "8k mu-law from 16k", _mu_law(resample(x, 16000, 8000)), 8000, 8000),
        CorpusItem(name, "16k declared 8k", x, 8000, 16000),
        CorpusItem(name, "16k declared 32k", x, 32000, 16000),
        CorpusItem(name, "48k declared 24k", at48, 24000, 48000),
        CorpusItem(name, "44.1k declared 22.05k", at44, 22050, 44100),
    ]


@cache
def real_speech_corpus() -> tuple[CorpusItem, ...]:
    """Every recording of the corpus, prompts then calls."""
    items: list[CorpusItem] = []
    for stem, (samples, rate) in base_prompts().items():
        items += _variants_8k(stem, samples) if rate == 8000 else _variants_16k(stem, samples)
    for rate, variants in ((8000, _variants_8k), (16000, _variants_16k)):
        for name, call in _calls(rate).items():
            items += variants(name, call)
    return tuple(items)
