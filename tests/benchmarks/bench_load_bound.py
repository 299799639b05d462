"""Benchmark: ``load.first_audio_p95`` for a correct and a slow-to-answer reference bot.

Runs ``voicectl load``'s default shape (8 callers started at 4 a second, the bundled calls in
real time, the reference bot at 16 kHz in a child process) ``--runs`` times, and as many times
against the same bot taking 1 s longer to start each reply (``--bot-reply-delay 1``: a slow
model or tool call). Prints each run's first-audio p95 and the load average, then the spread per
bot, next to the check's default bound (``LoadBounds().first_audio_p95_s``). Smart Turn told the
wrong rate is no latency bug here: at 24 kHz it answered sooner (p95 1.71 vs 2.01 s, one run).

``python tests/benchmarks/bench_load_bound.py --runs 10``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
from dataclasses import replace

from voicectl.audio.script import bundled_calls
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.cli.common import configure_logging
from voicectl.load.checks import LoadBounds
from voicectl.load.plan import LoadPlan, LoadShape
from voicectl.load.runner import run_load
from voicectl.report import Report

BOTS = {"correct": 0.0, "1 s slower to answer": 1.0}


def _serve(reply_delay_s: float, calls: int, urls: multiprocessing.Queue[str]) -> None:
    from voicectl.bot.server import ReferenceBotServer

    configure_logging(False)
    config = ReferenceBotConfig(sample_rate=16000, tool_delay_s=reply_delay_s)

    async def serve() -> None:
        async with ReferenceBotServer(config, max_calls=calls) as server:
            urls.put(server.url)
            await asyncio.sleep(3600)

    asyncio.run(serve())


def one_run(bot: str, calls: int) -> float | None:
    """First-audio p95 (s) of one ``voicectl load``-shaped run against ``bot``."""
    urls: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(BOTS[bot], calls, urls), daemon=True)
    server.start()
    try:
        url = urls.get(timeout=120)
        plan = LoadPlan(bundled_calls(), url, LoadShape(calls, 4.0), carrier="twilio")
        report = Report("load")
        asyncio.run(asyncio.wait_for(run_load(replace(plan), report, LoadBounds()), 300))
        check = next(c for c in report.checks if c.id == "load.first_audio_p95")
        p95 = check.metrics.get("p95_s")
        return float(p95) if isinstance(p95, int | float) else None
    finally:
        server.kill()
        server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--calls", type=int, default=8)
    options = parser.parse_args()
    configure_logging(False)
    found: dict[str, list[float]] = {bot: [] for bot in BOTS}
    for number in range(options.runs):
        for bot in BOTS:
            p95 = one_run(bot, options.calls)
            if p95 is not None:
                found[bot].append(p95)
            print(f"run {number + 1} {bot}: p95 {p95} s, load {os.getloadavg()}", flush=True)
    print(f"bound: {LoadBounds().first_audio_p95_s} s")
    for bot, values in found.items():
        if values:
            print(
                f"{bot}: n {len(values)} min {min(values):.2f} median "
                f"{statistics.median(values):.2f} max {max(values):.2f} s"
            )


if __name__ == "__main__":
    main()
