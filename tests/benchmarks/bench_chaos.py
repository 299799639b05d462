"""Benchmark: chaos verdict latency, and a reconnect storm judged in bounded memory.

1. **Time to verdict vs the target's own give-up.** For faults where the target gives up
   (``on_usable_changed(False)``), how long after that moment the verdict is settled and the
   run stops. Goal (DESIGN section 5): within 1 s.
2. **Reconnect storm.** Pipecat's ``CartesiaTTSService`` reconnects at once, forever, when the
   provider closes with 1000 on accept. Observed for the whole budget (``--full-budget``): how
   many connections, how fast, the verdict time, and the peak RSS of the process against a
   3-second run of the same storm (memory must not grow with the connection count).

Each run is a ``voicectl chaos`` subprocess (``--json``), as a user would run it:
``python tests/benchmarks/bench_chaos.py --repeat 3``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TARGETS = Path(__file__).parents[1] / "integration" / "chaos_targets.py"

GIVE_UP_CASES: list[tuple[str, list[str]]] = [
    ("soniox ws-close 1008", ["ws-close", "--code", "1008"]),
    ("soniox ws-drop", ["ws-drop"]),
    ("soniox handshake 401", ["handshake", "--status", "401"]),
    ("soniox handshake 503", ["handshake", "--status", "503"]),
    ("assemblyai ws-close 1008", ["ws-close", "--code", "1008", "--target", "assemblyai"]),
    (
        "custom well-behaved, ws-close 1011",
        ["ws-close", "--code", "1011", "--target", f"{TARGETS}:make_well_behaved_stt"],
    ),
]

STORM = ["ws-close", "--code", "1000", "--after", "0", "--target", "cartesia-tts", "--full-budget"]


def run_chaos(args: list[str]) -> tuple[dict[str, Any], int, int]:
    """Run ``voicectl chaos ARGS --json``; return the report, exit code and peak RSS (KiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "voicectl", "chaos", *args, "--json", str(out), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        report = json.loads(out.read_text())
    return report, process.returncode, int(usage.ru_maxrss)


def give_up_benchmark(repeat: int) -> None:
    print("| case | gave up at (s) | verdict at (s) | verdict - give-up (s) | stop |")
    print("|---|---|---|---|---|")
    for name, args in GIVE_UP_CASES:
        rows = []
        for _ in range(repeat):
            report, _, _ = run_chaos(args)
            metrics = report["metrics"]
            rows.append(
                (
                    metrics["gave_up_at_s"],
                    metrics["verdict_at_s"],
                    metrics["verdict_after_give_up_s"],
                )
            )
            stop = metrics["stop_reason"]
        gave_up = statistics.median(r[0] for r in rows)
        verdict = statistics.median(r[1] for r in rows)
        gap = statistics.median(r[2] for r in rows)
        spread = ", ".join(f"{r[2]:.2f}" for r in rows)
        print(f"| {name} | {gave_up:.2f} | {verdict:.2f} | {gap:.2f} ({spread}) | {stop} |")


def storm_benchmark(budget: float, repeat: int) -> None:
    print(
        "| budget (s) | connections | per second | verdict at (s) | reconnect.bounded | peak RSS (MiB) |"
    )
    print("|---|---|---|---|---|---|")
    for seconds in (3.0, budget):
        results: list[tuple[dict[str, Any], int, int, str]] = []
        for _ in range(repeat):
            report, code, rss = run_chaos([*STORM, "--budget", str(seconds)])
            bounded = next(c for c in report["checks"] if c["id"] == "reconnect.bounded")
            results.append((report["metrics"], code, rss, bounded["verdict"]))
        connections = statistics.median(r[0]["connections"] for r in results)
        rate = statistics.median(r[0]["connections_per_s"] for r in results)
        verdict_at = statistics.median(r[0]["verdict_at_s"] for r in results)
        rss_mib = statistics.median(r[2] for r in results) / 1024
        verdicts = "/".join(sorted({r[3] for r in results}))
        print(
            f"| {seconds:g} | {connections:.0f} | {rate:.0f} | {verdict_at:.2f} | {verdicts} | {rss_mib:.0f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--storm-budget", type=float, default=30.0)
    parser.add_argument("--skip-give-up", action="store_true")
    parser.add_argument("--skip-storm", action="store_true")
    options = parser.parse_args()
    if not options.skip_give_up:
        give_up_benchmark(options.repeat)
        print()
    if not options.skip_storm:
        storm_benchmark(options.storm_budget, options.repeat)
