"""Benchmark: the default ``voicectl resample-check`` matrix, wall time as a user waits for it.

Each run is a fresh ``python -m voicectl resample-check`` process (start-up and Pipecat import
included); the matrix's own measuring time comes from the JSON report. Pin it to one core:
``taskset -c 0 python tests/benchmarks/bench_resample.py --repeat 5``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def once(extra: list[str]) -> tuple[float, float, float, int]:
    """One run: (wall s, report duration s, matrix s, exit code)."""
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "r.json"
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "voicectl",
                "resample-check",
                "-q",
                "--json",
                str(report),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        data = json.loads(report.read_text())
    return wall, data["duration_s"], data["metrics"]["matrix"]["seconds"], done.returncode


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("extra", nargs="*", help="extra resample-check arguments, after --")
    args = parser.parse_args()
    runs = [once(args.extra) for _ in range(args.repeat)]
    walls = [r[0] for r in runs]
    print(
        json.dumps(
            {
                "wall_s": [round(w, 2) for w in walls],
                "median_wall_s": round(statistics.median(walls), 2),
                "median_matrix_s": round(statistics.median(r[2] for r in runs), 2),
                "median_report_s": round(statistics.median(r[1] for r in runs), 2),
                "exit_codes": sorted({r[3] for r in runs}),
                "affinity": sorted(os.sched_getaffinity(0)),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )
