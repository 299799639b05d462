"""Benchmark: finding caller utterances with Silero VAD (what a recording without a sidecar costs).

Segments the committed real calls (tests/data/real_calls, 115 s of 8 kHz audio) ``--repeat``
times in this process and reports the median speed as a multiple of real time, model load
included. Pin it to one core: ``taskset -c 0 python tests/benchmarks/bench_segment.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from voicectl.audio.io import load_audio
from voicectl.audio.segment import find_speech_runs

REAL_CALLS = Path(__file__).resolve().parent.parent / "data" / "real_calls"


def once() -> tuple[float, float]:
    """(audio s, wall s) for segmenting every committed call once."""
    calls = [load_audio(path) for path in sorted(REAL_CALLS.glob("*.wav"))]
    started = time.perf_counter()
    for audio in calls:
        find_speech_runs(audio.samples, audio.sample_rate)
    return sum(a.duration_s for a in calls), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [once() for _ in range(args.repeat)]
    speeds = [audio / wall for audio, wall in runs]
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{runs[0][0]:.0f} s of audio x {args.repeat}: median {statistics.median(speeds):.0f}x "
        f"real time (min {min(speeds):.0f}x, max {max(speeds):.0f}x), "
        f"median {statistics.median(w for _, w in runs):.2f} s"
    )


if __name__ == "__main__":
    main()
