"""Benchmark: what the harness's parts cost a ``--fast`` replay of the 60 s call (CPU-s per run).

Runs the call of ``bench_fast_replay.py`` through the reference bot in one process, the
variants alternated run by run (``A B C``, then ``C B A``, ...) so that each pair of runs sees
the same neighbours: ``all`` (as ``replay`` runs), ``no-perception`` (no perception observer on
the bot's pipeline worker) and ``no-ledger`` (the carrier-protocol ledger judges nothing). The
differences of the medians are what those parts cost; the verdicts of the stripped variants are
not meaningful (``replay`` always has both). The caller-line code runs only with ``--line``.
Pin it to one core: ``taskset -c 0 python tests/benchmarks/bench_replay_harness_costs.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from typing import Any

from bench_fast_replay import once, sixty_second_call

from voicectl.bot.server import ReferenceBotServer
from voicectl.carriers.conformance import ProtocolLedger
from voicectl.cli.common import configure_logging

VARIANTS = ("all", "no-perception", "no-ledger")
_server_init = ReferenceBotServer.__init__
_observe = ProtocolLedger.observe


def _without_observers(self: ReferenceBotServer, *args: Any, **kwargs: Any) -> None:
    kwargs["observer_factory"] = None
    _server_init(self, *args, **kwargs)


def _judge_nothing(self: ProtocolLedger, *args: Any, **kwargs: Any) -> None:
    return None


def use(variant: str) -> None:
    ReferenceBotServer.__init__ = (  # type: ignore[method-assign]
        _without_observers if variant == "no-perception" else _server_init
    )
    ProtocolLedger.observe = _judge_nothing if variant == "no-ledger" else _observe  # type: ignore[method-assign]


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    configure_logging(False)
    call = sixty_second_call()
    asyncio.run(once(call, 8000))  # warm-up: imports, models
    runs: dict[str, list[tuple[float, float, float]]] = {v: [] for v in VARIANTS}
    loads = [os.getloadavg()[0]]
    for r in range(args.rounds):
        for variant in VARIANTS if r % 2 == 0 else VARIANTS[::-1]:
            use(variant)
            cpu, loop = process_cpu(), time.thread_time()
            wall, _, _ = asyncio.run(once(call, 8000))
            runs[variant].append((process_cpu() - cpu, time.thread_time() - loop, wall))
        loads.append(os.getloadavg()[0])
    use("all")
    result: dict[str, Any] = {}
    for variant, rows in runs.items():
        result[variant] = {
            "median_cpu_s": round(statistics.median(c for c, _, _ in rows), 3),
            "median_event_loop_cpu_s": round(statistics.median(t for _, t, _ in rows), 3),
            "median_wall_s": round(statistics.median(w for _, _, w in rows), 2),
            "cpu_s": [round(c, 2) for c, _, _ in rows],
        }
    for variant in VARIANTS[1:]:
        result[f"cost_of_{variant.removeprefix('no-')}_cpu_s"] = round(
            result["all"]["median_cpu_s"] - result[variant]["median_cpu_s"], 3
        )
    result["load_average_1m"] = [round(x, 2) for x in loads]
    print(json.dumps(result))
