"""Benchmark: ``--fast`` replay of a 60 s call through the reference bot, x real time.

The 60 s call is two bundled calls back to back (their sidecars merged). Run pinned to one
core: ``taskset -c 0 python tests/benchmarks/bench_fast_replay.py --repeat 5``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import time

import numpy as np

from voicectl.audio.io import Audio
from voicectl.audio.script import Call, CallScript, Utterance, bundled_calls
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.cli.common import configure_logging
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report import Report


def sixty_second_call() -> Call:
    first, second = bundled_calls()[2], bundled_calls()[1]
    offset = first.audio.duration_s
    samples = np.concatenate([first.audio.samples, second.audio.samples])[: 60 * 8000]
    utterances = [*first.script.utterances] + [
        Utterance(u.start + offset, u.end + offset, u.text)
        for u in second.script.utterances
        if u.end + offset < 57
    ]
    audio = Audio(samples, 8000, "bench", "mulaw")
    return Call(audio, CallScript(tuple(utterances)), "sixty_seconds")


REPLY_SECS = 0.1


async def once(call: Call, rate: int) -> tuple[float, float, int]:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[call],
        rates=(rate,),
        tail_s=0.0,
        bot_config=ReferenceBotConfig(reply_secs=REPLY_SECS),
    )
    started = time.monotonic()
    result = await run_replay(plan, report)
    wall = time.monotonic() - started
    outcome = result.runs[0].outcome
    return wall, outcome.duration_s, sum(t.answered for t in outcome.turns)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rate", type=int, default=8000)
    args = parser.parse_args()
    configure_logging(False)
    call = sixty_second_call()
    runs, cpu = [], []
    for _ in range(args.repeat):
        before = resource.getrusage(resource.RUSAGE_SELF)
        runs.append(asyncio.run(once(call, args.rate)))
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    walls = [w for w, _, _ in runs]
    print(
        json.dumps(
            {
                "call_s": round(runs[0][1], 2),
                "utterances": len(call.script.utterances),
                "answered": [a for _, _, a in runs],
                "wall_s": [round(w, 2) for w in walls],
                "median_wall_s": round(statistics.median(walls), 2),
                "median_x_realtime": round(runs[0][1] / statistics.median(walls), 1),
                "cpu_s": [round(c, 2) for c in cpu],
                "median_cpu_s": round(statistics.median(cpu), 2),
                "load_average_1m_at_end": round(os.getloadavg()[0], 2),
                "rate": args.rate,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )
