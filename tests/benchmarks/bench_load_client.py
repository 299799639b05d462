"""Benchmark: how many concurrent real-time calls one ``voicectl load`` process sustains.

Runs the load runner (the code path of ``voicectl load``) against a minimal sink that completes
the WebSocket handshake, drains every frame unparsed and never answers
(``tests/integration/minimal_sink.py``), in a separate process so its CPU is not the client's. Every call is a bundled recording (34-38 s, paced 20 ms frames, 3 s tail); each
of ``--calls`` callers places one call, starting at ``--ramp`` calls per second.

Reported: the send-time error (actual send minus due time) over all frames, and over the
steady-state window when every call was in progress at once.

    python tests/benchmarks/bench_load_client.py --calls 200 --ramp 20 --repeat 3
    python tests/benchmarks/bench_load_client.py --calls 200 --lockstep   # all in one instant
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from voicectl.audio.script import bundled_calls
from voicectl.load import LoadBounds, LoadPlan, LoadShape, run_load
from voicectl.load.loop import load_event_loop
from voicectl.replay.loop import precise_event_loop
from voicectl.report import Report

SINK = Path(__file__).parents[1] / "integration" / "minimal_sink.py"


def start_sink() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(SINK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"ws://127.0.0.1:{port}/ws"


def stop_sink(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=5)
    except (subprocess.TimeoutExpired, OSError):
        proc.kill()
        proc.wait()


async def one_run(url: str, calls: int, ramp: float, spread: bool) -> dict[str, object]:
    shape = LoadShape(calls, ramp, total_calls=calls, spread_phases=spread)
    plan = LoadPlan(bundled_calls(), url, shape)
    report = Report("load")
    started = time.monotonic()
    run = await run_load(plan, report, LoadBounds())
    wall = time.monotonic() - started
    records = run.records
    all_errors = np.concatenate([np.asarray(r.outcome.pacing.errors) for r in records]) * 1000
    # Steady state: from the last call's start (plus its handshake) to the first call's end.
    window = (max(r.started_s for r in records) + 0.5, min(r.ended_s or 0 for r in records) - 3.5)
    steady = []
    for r in records:
        errors = np.asarray(r.outcome.pacing.errors) * 1000
        due = r.started_s + np.arange(errors.size) * 0.020
        steady.append(errors[(due >= window[0]) & (due < window[1])])
    steady_errors = np.concatenate(steady)
    pacing = next(c for c in report.checks if c.id == "load.client_pacing")
    return {
        "calls": calls,
        "ramp_per_s": ramp,
        "phases_spread": spread,
        "frames": int(all_errors.size),
        "connect_failures": sum(1 for r in records if r.outcome.duration_s == 0),
        "p50_ms": round(float(np.percentile(all_errors, 50)), 3),
        "p99_ms": round(float(np.percentile(all_errors, 99)), 3),
        "max_ms": round(float(all_errors.max()), 2),
        "steady_window_s": [round(window[0], 1), round(window[1], 1)],
        "steady_frames": int(steady_errors.size),
        "steady_p50_ms": round(float(np.percentile(steady_errors, 50)), 3),
        "steady_p99_ms": round(float(np.percentile(steady_errors, 99)), 3),
        "load.client_pacing": pacing.verdict.value,
        "wall_s": round(wall, 1),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=20.0, help="calls started per second")
    parser.add_argument("--lockstep", action="store_true", help="start every call at once")
    parser.add_argument("--no-spread", action="store_true", help="no frame-phase offsets")
    parser.add_argument(
        "--loop", choices=["epoll", "select"], default="epoll", help="event loop (select: replay's)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    ramp = 1e6 if args.lockstep else args.ramp
    spread = not (args.no_spread or args.lockstep)
    results = []
    for _ in range(args.repeat):
        sink, url = start_sink()
        try:
            factory = load_event_loop if args.loop == "epoll" else precise_event_loop
            with asyncio.Runner(loop_factory=factory) as runner:
                result = runner.run(one_run(url, args.calls, ramp, spread))
        finally:
            stop_sink(sink)
        print(json.dumps({**result, "loop": args.loop}), flush=True)
        results.append(result)
    summary = {
        key: statistics.median(float(r[key]) for r in results)  # type: ignore[arg-type]
        for key in ("p50_ms", "p99_ms", "steady_p50_ms", "steady_p99_ms")
    }
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"median_of": len(results), **summary, "machine": machine}))


if __name__ == "__main__":
    main()
