"""Benchmark: the spread of ``replay.rate_consistency``'s signals for a correct and a buggy bot.

Replays the bundled calls ``--fast`` into the reference bot at every rate in ``--rates`` (as
``voicectl replay --rates ...`` does), ``--runs`` times with the correct bot and ``--runs`` times
with Smart Turn told the audio is 16 kHz at every rate (``--bot-smart-turn-rate 16000``, the
Pipecat #3844 class of bug). Each run's raw perception (VAD segments, Smart Turn predictions,
how far the pipeline got) is appended to ``--out`` as JSON lines with the load average, so the
signals can be recomputed without replaying (``--analyze FILE``). The summary gives, per bot and
rate pair, the min / median / max of the mean-probability shift and of the coverage difference
over every utterance and over the utterances both pipelines had processed.

``python tests/benchmarks/bench_rate_consistency.py --runs 10 --out rate_spread.jsonl``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from voicectl.audio.script import bundled_calls
from voicectl.bot.pipeline import ReferenceBotConfig
from voicectl.checks.replay import (
    RateObservation,
    RateTolerance,
    judge_rate_consistency,
    pool_calls,
)
from voicectl.cli.common import configure_logging
from voicectl.replay.runner import ReplayPlan, run_replay
from voicectl.report import Report

BOTS = {"correct": None, "smart-turn-told-16k": 16000}


async def one_run(bot: str, rates: tuple[int, ...]) -> list[dict[str, Any]]:
    """One replay of the bundled calls at ``rates``: a row per call and rate."""
    calls = bundled_calls()
    plan = ReplayPlan(
        calls=calls,
        rates=rates,
        fast=True,
        bot_config=ReferenceBotConfig(reply_secs=0.3, smart_turn_rate=BOTS[bot]),
    )
    started = time.monotonic()
    result = await run_replay(plan, Report("replay"))
    wall = time.monotonic() - started
    rows = []
    for run in result.runs:
        perception = run.perception
        assert perception is not None and run.rate is not None
        rows.append(
            {
                "bot": bot,
                "call": run.call.name,
                "rate": run.rate,
                "utterances": [(u.start, u.end) for u in run.call.script.utterances],
                "segments": perception.speech_segments(),
                "predictions": perception.predictions(),
                "turn_ends": [e.audio_t for e in perception.of_kind("turn_end")],
                "audio_in_s": perception.audio_in_s,
                "processed_s": perception.processed_s,
                "run_wall_s": wall,
                "load": os.getloadavg(),
            }
        )
    return rows


def _observation(row: dict[str, Any]) -> RateObservation:
    return RateObservation(
        row["rate"],
        row["turn_ends"],
        [tuple(s) for s in row["segments"]],
        [tuple(p) for p in row["predictions"]],
    )


def analyze(rows: list[dict[str, Any]], tolerance: RateTolerance) -> None:
    """Per bot and rate pair: each signal's spread, and how often the check would not pass.

    ``shift``/``coverage``: one call at a time, every utterance (the check before 2026-12-05);
    ``pooled shift``/``coverage processed``: a run's calls pooled, utterances every pipeline had
    processed (what ``voicectl replay`` judges now, one check per run).
    """
    calls: dict[tuple[str, int], dict[str, dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        calls[(row["bot"], row["run"])][row["call"]][row["rate"]] = row
    spread: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    verdicts: dict[tuple[str, int], list[str]] = defaultdict(list)
    for (bot, _), by_call in sorted(calls.items()):
        rates = sorted({rate for by_rate in by_call.values() for rate in by_rate} - {16000})
        for rate in rates:
            pooled_input = []
            key = spread[(bot, rate)]
            for by_rate in by_call.values():
                pair = {r: _observation(by_rate[r]) for r in (16000, rate) if r in by_rate}
                if len(pair) < 2:
                    continue
                spans = [tuple(u) for u in by_rate[rate]["utterances"]]
                heard = min(by_rate[r]["processed_s"] for r in pair)
                processed = [(a, b) for a, b in spans if b + 1.0 <= heard]
                pooled_input.append((pair, processed))
                p, p_ref = pair[rate].mean_probability(), pair[16000].mean_probability()
                if p is not None and p_ref is not None:
                    key["shift"].append(abs(p - p_ref))
                key["coverage"].append(
                    max(
                        abs(pair[rate].coverage(a, b) - pair[16000].coverage(a, b))
                        for a, b in spans
                    )
                )
            if not pooled_input:
                continue
            observations, spans = pool_calls(pooled_input)
            check = judge_rate_consistency("run", observations, spans, tolerance=tolerance)
            verdicts[(bot, rate)].append(check.verdict.value)
            key["pooled shift"].append(abs(float(check.metrics["max_probability_shift"])))  # type: ignore[arg-type]
            key["coverage processed, largest"].append(
                float(check.metrics["max_coverage_difference"])
            )  # type: ignore[arg-type]
            key["coverage processed, mean"].append(float(check.metrics["mean_coverage_difference"]))  # type: ignore[arg-type]
    loads = [row["load"][0] for row in rows]
    print(f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}")
    for (bot, rate), signals in sorted(spread.items()):
        counts = {v: verdicts[(bot, rate)].count(v) for v in sorted(set(verdicts[(bot, rate)]))}
        print(f"{bot}, {rate} vs 16000 Hz: {len(verdicts[(bot, rate)])} runs, check {counts}")
        for name, values in signals.items():
            print(
                f"  {name}: n {len(values)} min {min(values):.3f} "
                f"median {statistics.median(values):.3f} max {max(values):.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rates", default="8000,16000,24000,48000")
    parser.add_argument("--bots", default=",".join(BOTS))
    parser.add_argument("--out", type=Path, default=Path("rate_spread.jsonl"))
    parser.add_argument("--analyze", type=Path, help="summarise a --out file; replay nothing")
    options = parser.parse_args()
    tolerance = RateTolerance()
    if options.analyze:
        rows = [json.loads(line) for line in options.analyze.read_text().splitlines()]
        analyze(rows, tolerance)
        return
    configure_logging(False)
    rates = tuple(int(r) for r in options.rates.split(","))
    rows = []
    for number in range(options.runs):
        for bot in options.bots.split(","):
            for row in asyncio.run(one_run(bot, rates)):
                row["run"] = number
                rows.append(row)
                with options.out.open("a") as out:
                    out.write(json.dumps(row) + "\n")
            print(
                f"run {number + 1}/{options.runs} {bot}: load {os.getloadavg()[0]:.1f}", flush=True
            )
    analyze(rows, tolerance)


if __name__ == "__main__":
    main()
