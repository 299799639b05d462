"""Benchmark: ``carrier.protocol``'s mu-law/A-law signal on real speech encoded by Pipecat.

Encodes each clip with Pipecat 1.14's own ``pcm_to_ulaw`` and ``pcm_to_alaw`` (checked
bit-exact against voicectl's G.711 tables), feeds it in 20 ms (160-byte) payloads to a
:class:`~voicectl.carriers.conformance.ProtocolLedger` of a call in the right law and of a call
in the other law, and prints the spread of :meth:`ProtocolLedger.law_step_ratio` for each, per
whole clip and per ``ENCODING_MIN_BYTES`` piece (the least audio judged), next to
``LAW_STEP_RATIO``; then the smoothness under the smoother law (mean step over that of the bytes
shuffled) next to ``LAW_SMOOTHNESS``, with how many pieces the check judges and flags, for the
speech and for white, pink and brown noise in the right law at several levels. Clips: the 36 real-speech recordings in tests/data/real_speech_rates, 10 s
pieces of the bundled fixtures and real calls, and 10 synthetic replies of the reference bot.

``python tests/benchmarks/bench_g711_law.py``
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
import soxr
from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler
from pipecat.audio.utils import pcm_to_alaw, pcm_to_ulaw

from voicectl.audio.g711 import alaw_encode, ulaw_encode
from voicectl.audio.speech import synthesize_reply
from voicectl.carriers.conformance import (
    ENCODING_MIN_BYTES,
    LAW_SMOOTHNESS,
    LAW_STEP_RATIO,
    ProtocolLedger,
)
from voicectl.carriers.events import BotMedia

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = 160


def clips() -> list[tuple[str, npt.NDArray[np.int16]]]:
    """Every clip measured, 8 kHz 16-bit."""
    out = []
    for path in sorted((ROOT / "tests" / "data" / "real_speech_rates").glob("*.flac")):
        x, rate = sf.read(path, dtype="float64")
        x = x[:, 0] if x.ndim > 1 else x
        x = soxr.resample(x, rate, 8000) if rate != 8000 else x
        out.append((path.name, (np.clip(x, -1, 1) * 32767).astype(np.int16)))
    calls = sorted((ROOT / "voicectl" / "data").rglob("*.wav"))
    calls += sorted((ROOT / "tests" / "data" / "real_calls").glob("*.wav"))
    for path in calls:
        x, _rate = sf.read(path, dtype="int16")
        x = x[:, 0] if x.ndim > 1 else x
        for start in range(0, len(x) - 80000, 80000):
            out.append((f"{path.name}@{start // 8000}s", x[start : start + 80000]))
    out += [(f"reply{seed}", synthesize_reply(3.0, 8000, seed=seed)) for seed in range(10)]
    return out


def ledger_of(law: str, wire: bytes) -> ProtocolLedger:
    ledger = ProtocolLedger("twilio", law)
    for start in range(0, len(wire), PAYLOAD):
        ledger.observe(BotMedia(wire[start : start + PAYLOAD]), "media")
    return ledger


def ratio(law: str, wire: bytes) -> float | None:
    return ledger_of(law, wire).law_step_ratio()


def smoothness(wire: bytes) -> float:
    """Smoothness of ``wire`` under the law that decodes it more smoothly."""
    ledger = ledger_of("mulaw", wire)
    return min(s for law in ("mulaw", "alaw") if (s := ledger.law_smoothness(law)) is not None)


def noise(beta: float, n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Unit-RMS noise with a 1/f**beta power spectrum (0 white, 1 pink, 2 brown)."""
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1]
    spectrum = rng.standard_normal(len(freqs)) + 1j * rng.standard_normal(len(freqs))
    x = np.fft.irfft(spectrum / freqs ** (beta / 2), n)
    return x / np.sqrt(np.mean(x**2))


async def main() -> None:
    resampler = SOXRStreamAudioResampler()
    measured = clips()
    print(f"{len(measured)} clips; threshold LAW_STEP_RATIO {LAW_STEP_RATIO}")
    for piece in (0, ENCODING_MIN_BYTES):
        right: list[float] = []
        wrong: list[float] = []
        for _name, pcm in measured:
            for law, encode, ours in (
                ("mulaw", pcm_to_ulaw, ulaw_encode),
                ("alaw", pcm_to_alaw, alaw_encode),
            ):
                wire = await encode(pcm.tobytes(), 8000, 8000, resampler)
                assert wire == ours(pcm), "voicectl's G.711 differs from Pipecat's"
                other = "alaw" if law == "mulaw" else "mulaw"
                step = piece or len(wire)
                for start in range(0, len(wire) - step + 1, step):
                    part = wire[start : start + step]
                    right += [r for r in (ratio(law, part),) if r is not None]
                    wrong += [r for r in (ratio(other, part),) if r is not None]
        what = "whole clips" if not piece else f"{piece}-byte pieces"
        if piece:
            smooth: list[float] = []
            flagged = judged = 0
            for _name, pcm in measured:
                for wire, call_law in ((alaw_encode(pcm), "mulaw"), (ulaw_encode(pcm), "alaw")):
                    for start in range(0, len(wire) - piece + 1, piece):
                        part = wire[start : start + piece]
                        smooth.append(smoothness(part))
                        judged += smooth[-1] <= LAW_SMOOTHNESS
                        flagged += bool(ledger_of(call_law, part).encoding_finding())
            print(
                f"speech: smoothness {min(smooth):.3f}-{max(smooth):.3f} "
                f"(LAW_SMOOTHNESS {LAW_SMOOTHNESS}); wrong-law pieces judged {judged}, "
                f"flagged {flagged}, of {len(smooth)}"
            )
        print(
            f"{what}: right law {min(right):.3f}-{max(right):.3f} (median "
            f"{np.median(right):.3f}, n={len(right)}); wrong law {min(wrong):.3f}-"
            f"{max(wrong):.3f} (median {np.median(wrong):.3f}, n={len(wrong)}); margins "
            f"{LAW_STEP_RATIO - max(right):.3f} and {min(wrong) - LAW_STEP_RATIO:.3f}"
        )

    rng = np.random.default_rng(0)
    for beta, kind in ((0, "white"), (1, "pink"), (2, "brown")):
        for level in (-50, -40, -30, -20, -12, -9, -6, 0):
            smooth, ratios, false = [], [], 0
            for _ in range(10):
                x = noise(beta, ENCODING_MIN_BYTES, rng) * 32767 * 10 ** (level / 20)
                pcm = np.clip(x, -32768, 32767).astype(np.int16)
                for law, encode in (("mulaw", ulaw_encode), ("alaw", alaw_encode)):
                    wire = encode(pcm)
                    smooth.append(smoothness(wire))
                    ratios += [r for r in (ratio(law, wire),) if r is not None]
                    false += bool(ledger_of(law, wire).encoding_finding())
            print(
                f"{kind} noise {level} dBFS in the right law: smoothness {min(smooth):.3f}-"
                f"{max(smooth):.3f}, law_step_ratio {min(ratios):.3f}-{max(ratios):.3f}, "
                f"flagged {false}/{len(smooth)}"
            )


if __name__ == "__main__":
    asyncio.run(main())
