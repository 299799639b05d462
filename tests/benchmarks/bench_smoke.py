"""Wall time of ``voicectl smoke`` (whole CLI process), and what each run found.

    python tests/benchmarks/bench_smoke.py --repeat 5

Prints one line per run (wall seconds, exit code, load average, failing check ids, the slowest
scenario) and the median. The target is under 60 s on a 2-core machine (DESIGN section 5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(workdir: Path, index: int) -> tuple[float, int, dict]:
    report_path = workdir / f"smoke-{index}.json"
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "smoke", "-q", "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.monotonic() - start
    return wall, result.returncode, json.loads(report_path.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.repeat):
            load = os.getloadavg()[0]
            wall, code, report = run_once(Path(tmp), index)
            walls.append(wall)
            failing = [c["id"] for c in report["checks"] if c["verdict"] in ("fail", "error")]
            table = next(t for t in report["tables"] if t["title"] == "Scenarios")
            slowest = max(table["rows"], key=lambda row: row[-1] or 0)
            print(
                f"run {index + 1}: {wall:.1f} s wall, exit {code}, load {load:.1f}, "
                f"slowest {slowest[0]} {slowest[-1]} s, failing: {', '.join(failing) or 'none'}",
                flush=True,
            )
    print(f"median {statistics.median(walls):.1f} s over {len(walls)} runs")


if __name__ == "__main__":
    main()
