"""Benchmark: real-time pacing of the carrier client against a minimal sink.

Measures each frame's send-time error (actual send minus its due time on the drift-free
schedule) for N concurrent calls, and the drift between the first and last minute of a long
call. Run: ``python tests/benchmarks/bench_pacing.py --calls 100 --seconds 60``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time

import numpy as np
from websockets.asyncio.server import serve

from voicectl.audio.script import Utterance
from voicectl.replay.client import CallOptions, place_call
from voicectl.replay.loop import precise_event_loop


async def sink(ws) -> None:
    async for _ in ws:
        pass


async def main(calls: int, seconds: float) -> dict[str, object]:
    async with serve(sink, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        audio = np.zeros(int(seconds * 8000), dtype=np.int16)
        utterances = [Utterance(0.0, 0.02, "-")]
        options = CallOptions(url=f"ws://127.0.0.1:{port}/ws", fast=False, tail_s=0.0)
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(place_call(audio, utterances, options) for _ in range(calls))
        )
        wall = time.monotonic() - started
    errors = np.concatenate([np.asarray(o.pacing.errors) for o in outcomes]) * 1000
    per_call = [np.asarray(o.pacing.errors) * 1000 for o in outcomes]
    minute = int(60 / 0.02)
    first = np.mean([e[:minute].mean() for e in per_call])
    last = np.mean([e[-minute:].mean() for e in per_call])
    return {
        "calls": calls,
        "seconds": seconds,
        "frames": int(errors.size),
        "failed_calls": sum(1 for o in outcomes if o.error),
        "p50_ms": round(float(np.percentile(errors, 50)), 3),
        "p99_ms": round(float(np.percentile(errors, 99)), 3),
        "max_ms": round(float(errors.max()), 3),
        "first_minute_mean_ms": round(float(first), 3),
        "last_minute_mean_ms": round(float(last), 3),
        "wall_s": round(wall, 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--selector", choices=["default", "select"], default="select")
    args = parser.parse_args()
    factory = precise_event_loop if args.selector == "select" else None

    with asyncio.Runner(loop_factory=factory) as runner:
        result = runner.run(main(args.calls, args.seconds))
    print(json.dumps({**result, "selector": args.selector}))
