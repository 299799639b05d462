"""Benchmark: ``--fast`` replay of a 60 s call through the FULL reference bot, x real time.

The full bot runs Pipecat's Deepgram STT, OpenAI LLM (with registered functions) and Cartesia
TTS against voicectl's in-process provider fakes; the light responder bot is measured the same
way for comparison. ``python tests/benchmarks/bench_full_bot.py --repeat 3``. Under ``--fast``
the full bot's fakes run at the caller's silence speed (20x): see ``ReferenceBotConfig.provider_speed``.
Each run reports the 1-minute load average when it started and the CPU seconds the process used
(both cores share the machine with other work; the load says how much).
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

from bench_fast_replay import sixty_second_call

from voicectl.audio.script import Call
from voicectl.bot.pipeline import BotBrain, ReferenceBotConfig
from voicectl.cli.common import configure_logging
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report import Report


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def once(call: Call, brain: BotBrain, rate: int) -> tuple[float, float, int]:
    report = Report("replay")
    plan = ReplayPlan(
        calls=[call],
        rates=(rate,),
        tail_s=0.0,
        bot_config=ReferenceBotConfig(reply_secs=0.1, brain=brain, tool_delay_s=0.1),
    )
    started = time.monotonic()
    result = await run_replay(plan, report)
    wall = time.monotonic() - started
    outcome = result.runs[0].outcome
    return wall, outcome.duration_s, sum(t.answered for t in outcome.turns)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rate", type=int, default=8000)
    parser.add_argument("--bot", choices=[b.value for b in BotBrain], default="full")
    args = parser.parse_args()
    configure_logging(False)
    call = sixty_second_call()
    runs, loads, cpus = [], [], []
    for _ in range(args.repeat):
        loads.append(round(os.getloadavg()[0], 2))
        cpu = cpu_seconds()
        runs.append(asyncio.run(once(call, BotBrain(args.bot), args.rate)))
        cpus.append(round(cpu_seconds() - cpu, 2))
    walls = [w for w, _, _ in runs]
    print(
        json.dumps(
            {
                "bot": args.bot,
                "call_s": round(runs[0][1], 2),
                "utterances": len(call.script.utterances),
                "answered": [a for _, _, a in runs],
                "wall_s": [round(w, 2) for w in walls],
                "median_wall_s": round(statistics.median(walls), 2),
                "median_x_realtime": round(runs[0][1] / statistics.median(walls), 1),
                "rate": args.rate,
                "cpu_s": cpus,
                "load_avg_1m_at_start": loads,
                "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )
