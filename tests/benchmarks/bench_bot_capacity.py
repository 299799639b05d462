"""Benchmark: the reference bot's capacity — concurrent calls per core before first audio degrades.

The reference bot (``voicectl bot``: a fresh Pipecat pipeline per call with Silero VAD and Smart
Turn v3) runs in a child process pinned to ``--bot-cores`` (default: core 1); this process, the
load generator, is pinned to ``--client-cores`` (default: core 0). For each step of concurrent
calls the bundled recordings are played in real time, one call per caller, started at ``--ramp``
calls per second, and the first-audio latency p50/p95 over all turns is reported. The step at
which p95 first exceeds ``--degraded`` x the single-call p95 (or a call fails) marks capacity:
the largest step before it, divided by the bot's cores. Each step also reports the CPU time the
bot spent per second of one call (``/proc``), whose inverse is a CPU-bound calls-per-core
figure that depends less on other processes than latency does. A step at which the load generator itself
was late (``load.client_pacing`` error: other processes took its core) makes the sweep invalid.

    python tests/benchmarks/bench_bot_capacity.py --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
from pathlib import Path

from voicectl.audio.script import bundled_calls
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.cli.common import configure_logging
from voicectl.load import LoadBounds, LoadPlan, LoadShape, ReferenceBotProcess, run_load
from voicectl.load.loop import load_event_loop
from voicectl.report import Report


def pin(pid: int, cores: set[int]) -> None:
    """Pin every thread of ``pid`` (threads it starts later inherit the mask)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cores)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def step(url: str, calls: int, ramp: float, bot_pid: int) -> dict[str, object]:
    plan = LoadPlan(bundled_calls(), url, LoadShape(calls, ramp, total_calls=calls))
    report = Report("load")
    cpu_before = cpu_seconds(bot_pid)
    run = await run_load(plan, report, LoadBounds())
    bot_cpu = cpu_seconds(bot_pid) - cpu_before
    call_seconds = sum((r.ended_s or r.started_s) - r.started_s for r in run.records)
    m = report.metrics
    pacing = next(c for c in report.checks if c.id == "load.client_pacing")
    return {
        "calls": calls,
        "succeeded": m["succeeded"],
        "answered": f"{m['answered']}/{m['turns']}",
        "first_audio_p50_s": m["first_audio_s_p50"],
        "first_audio_p95_s": m["first_audio_s_p95"],
        "first_audio_mean_s": m["first_audio_s_mean"],
        "client_pacing": pacing.verdict.value,
        # CPU the bot spent per second of one call: 1 / this is a CPU-bound calls-per-core.
        "bot_cpu_per_call_s": round(bot_cpu / call_seconds, 4) if call_seconds else None,
        "send_error_p95_ms": m["send_error_ms_p95"],
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


async def sweep(steps: list[int], ramp: float, bot_cores: set[int]) -> list[dict[str, object]]:
    results = []
    async with ReferenceBotProcess(ReferenceBotConfig(), max_calls=max(steps)) as bot:
        assert bot.pid is not None
        pin(bot.pid, bot_cores)
        for calls in steps:
            result = await step(bot.url, calls, ramp, bot.pid)
            print(json.dumps(result), flush=True)
            results.append(result)
    return results


def capacity(results: list[dict[str, object]], degraded: float) -> dict[str, object]:
    """The largest step before first audio degraded, unless the generator itself was late first
    (``load.client_pacing`` error): then the sweep is invalid from that step on."""
    baseline = float(results[0]["first_audio_p95_s"])  # type: ignore[arg-type]
    limit = degraded * baseline
    best = 0
    for result in results:
        if result["client_pacing"] == "error":
            return {"capacity_calls": None, "invalid_from": result["calls"], "last_good": best}
        p95 = result["first_audio_p95_s"]
        ok = result["succeeded"] == result["calls"] and p95 is not None and float(p95) <= limit  # type: ignore[arg-type]
        if not ok:
            return {"capacity_calls": best, "degraded_at": result["calls"], "p95_limit_s": limit}
        best = int(result["calls"])  # type: ignore[call-overload]
    return {"capacity_calls": best, "degraded_at": None, "p95_limit_s": round(limit, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", default="1,8,16,24,32,36,40,44,48")
    parser.add_argument("--ramp", type=float, default=2.0, help="calls started per second")
    parser.add_argument("--bot-cores", default="1")
    parser.add_argument("--client-cores", default="0")
    parser.add_argument("--degraded", type=float, default=1.5, help="p95 / single-call p95")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    configure_logging(False)
    steps = sorted({int(s) for s in args.steps.split(",")})
    bot_cores = {int(c) for c in args.bot_cores.split(",")}
    os.sched_setaffinity(0, {int(c) for c in args.client_cores.split(",")})
    capacities = []
    for _ in range(args.repeat):
        with asyncio.Runner(loop_factory=load_event_loop) as runner:
            results = runner.run(sweep(steps, args.ramp, bot_cores))
        verdict = capacity(results, args.degraded)
        print(json.dumps(verdict), flush=True)
        if verdict["capacity_calls"] is not None:
            capacities.append(int(verdict["capacity_calls"]))  # type: ignore[call-overload]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    median = statistics.median(capacities) if capacities else None
    print(
        json.dumps(
            {
                "valid_sweeps": len(capacities),
                "capacity_calls_per_sweep": capacities,
                "median_calls": median,
                "bot_cores": len(bot_cores),
                "calls_per_core": None if median is None else median / len(bot_cores),
                "machine": machine,
            }
        )
    )


if __name__ == "__main__":
    main()
