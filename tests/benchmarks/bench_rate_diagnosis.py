"""Benchmark: ``resample-check FILE``'s rate diagnosis on the real-speech corpus.

Builds the corpus of tests/integration/real_speech_corpus.py (300 files, ~28 minutes of audio)
once, then diagnoses every file ``--repeat`` times in this process and reports the median
wall time per pass and per file, and the median CPU time (steadier than wall time on a shared
machine). Pin it to one core:
``taskset -c 0 python tests/benchmarks/bench_rate_diagnosis.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from real_speech_corpus import real_speech_corpus

from voicectl.resample.diagnose import diagnose_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    audios = [item.audio() for item in real_speech_corpus()]
    seconds = sum(a.duration_s for a in audios)
    walls, cpus = [], []
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), time.process_time()
        for audio in audios:
            diagnose_rate(audio)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    median, cpu_median = statistics.median(walls), statistics.median(cpus)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.1f}; {len(audios)} files, {seconds / 60:.1f} min of audio "
        f"x {args.repeat}: passes {', '.join(f'{w:.1f}' for w in walls)} s; median "
        f"{median:.1f} s = {1000 * median / len(audios):.0f} ms a file, "
        f"{seconds / median:.0f}x real time; CPU median {cpu_median:.1f} s = "
        f"{1000 * cpu_median / len(audios):.0f} ms a file"
    )


if __name__ == "__main__":
    main()
