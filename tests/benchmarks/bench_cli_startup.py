"""Benchmark: start-up of the ``voicectl`` process for commands that do no audio work.

Times ``voicectl --help``, ``voicectl report show REPORT.json`` and a usage error (an unknown
command) as whole processes: wall time and the child's CPU (user + system, from ``wait4``), the
median of ``--repeat`` runs each, with the load average before and after. ``--importtime`` also
prints the ten slowest imports of ``python -X importtime -m voicectl --help`` (cumulative).

``python tests/benchmarks/bench_cli_startup.py --repeat 7 --importtime``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from voicectl.report import Report, write_json
from voicectl.report.model import Check, Verdict

VOICECTL = [sys.executable, "-m", "voicectl"]


def timed(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit code of one ``voicectl`` process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*VOICECTL, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def slowest_imports(count: int) -> list[tuple[float, str]]:
    """The ``count`` slowest imports (cumulative seconds, module) of ``voicectl --help``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "voicectl", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows: list[tuple[float, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative) / 1e6, name.rstrip()))
    top_level = [(s, n) for s, n in rows if not n.startswith("  ")]
    total = sum(s for s, _ in top_level)
    print(f"importtime: {total:.2f} s cumulative over {len(rows)} imports")
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--importtime", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "report.json"
        report = Report("replay", args={"rates": [16000]})
        report.add_check(Check("replay.answered", "answered", Verdict.PASS, "1/1", "1/1"))
        write_json(report, saved)
        cases = {
            "voicectl --help": ["--help"],
            "voicectl report show REPORT.json": ["report", "show", str(saved)],
            "voicectl bogus (usage error)": ["bogus"],
        }
        print(f"load average before: {os.getloadavg()}")
        for label, args in cases.items():
            runs = [timed(args) for _ in range(options.repeat)]
            walls = [w for w, _, _ in runs]
            cpus = [c for _, c, _ in runs]
            codes = sorted({c for _, _, c in runs})
            print(
                f"{label}: wall median {statistics.median(walls):.2f} s "
                f"(min {min(walls):.2f}, max {max(walls):.2f}), "
                f"CPU median {statistics.median(cpus):.2f} s, exit {codes}, runs {options.repeat}"
            )
        print(f"load average after: {os.getloadavg()}")
    if options.importtime:
        for seconds, name in slowest_imports(10):
            print(f"  {seconds:6.2f} s  {name.strip()}")


if __name__ == "__main__":
    main()
