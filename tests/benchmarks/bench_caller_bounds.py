"""Benchmark: the spread of checks' measured values, correct bot vs buggy bot.

Runs ``voicectl [chaos] COMMAND ... --json`` (a subprocess, as a user would) ``--runs`` times
against the system the check's passing test uses and as many times against the one its failing
test uses (``CHECKS`` below; the registry's ``passes_in``/``fails_in`` name the tests), at most
``--jobs`` (default 2) at once. Each run's verdict, metrics and observed text are appended to
``--out`` as JSON lines with the 1-minute load average, then the spread of each value per system
is printed (min / median / max) next to the check's bound; a run judges every check of its
command, so the two interrupt checks share their runs. ``--analyze FILE`` only summarises.

``python tests/benchmarks/bench_caller_bounds.py --check backchannel.not_yielded --runs 10``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Bench:
    """One check: the chaos command of each system and the metrics that carry its signal."""

    systems: dict[str, tuple[str, ...]]
    values: tuple[str, ...]
    bound: str


MEDIA_GAP_NEVER_ENDS = ("media-gap", "--resume-after", "never", "--bot-audio-idle-timeout", "0")
HANGUP_AT_3 = ("hangup", "--at", "3")
CLOSE_1011_AT_3 = ("carrier-close", "--code", "1011", "--at", "3")
HANG_ON_HANGUP = ("--bot-variant", "hang-on-hangup", "--end-within", "2")
SHORT_CALL = ("voicectl/data/smoke/order_status_short.wav", "--rates", "8000")
#: Commands run as ``voicectl ARGS``; every other benchmark runs ``voicectl chaos ARGS``.
TOP_LEVEL = ("replay",)

CHECKS = {
    "backchannel.not_yielded": Bench(
        {
            "correct (--bot-vad-start 0.6)": ("backchannel", "--bot-vad-start", "0.6"),
            "buggy (VAD start 0.2 s, yields)": ("backchannel",),
            "buggy (ignore-barge-in, never clears)": (
                "backchannel",
                "--bot-variant",
                "ignore-barge-in",
            ),
        },
        ("max_gap_ms", "barge_in_clear_latency_s", "yielded"),
        "gap <= 300 ms after a backchannel; barge-in clear <= 1.5 s",
    ),
    "media_gap.turn_ended": Bench(
        {
            "correct (Pipecat defaults)": ("media-gap",),
            "buggy (--bot-audio-idle-timeout 0)": MEDIA_GAP_NEVER_ENDS,
        },
        ("turn_ended_after_s", "open_for_s"),
        "turn ended <= 8.0 s after the media stopped",
    ),
    "media_gap.idle_handled": Bench(
        {
            "correct (--bot-idle-checkin 3 --bot-idle-end-call)": (
                "media-gap",
                "--resume-after",
                "never",
                "--bot-idle-checkin",
                "3",
                "--bot-idle-end-call",
            ),
            "buggy (--bot-audio-idle-timeout 0)": MEDIA_GAP_NEVER_ENDS,
        },
        ("reengaged_after_s", "user_idle_after_s", "silent_for_s"),
        "re-engaged <= 8.0 s (tests: idle 3 s, lower edge 2.8 s)",
    ),
    "media_gap.bot_responsive": Bench(
        {"correct (Pipecat defaults)": ("media-gap",)},
        ("answer_latency_s",),
        "answer <= 6.0 s after the media resumed (the failing bot is a unit test's)",
    ),
    "silence.reengaged": Bench(
        {
            "correct (--bot-idle-checkin 3)": ("silence", "--bot-idle-checkin", "3"),
            "correct, ends the call (--bot-idle-checkin 3 --bot-idle-end-call)": (
                "silence",
                "--bot-idle-checkin",
                "3",
                "--bot-idle-end-call",
            ),
            "buggy (no idle timer, --within 4 --listen 6)": (
                "silence",
                "--within",
                "4",
                "--listen",
                "6",
            ),
        },
        ("reengaged_after_s", "silent_for_s"),
        "re-engaged <= 8.0 s (tests: idle 3 s, lower edge 3.0 s)",
    ),
    "interrupt.clear_sent": Bench(
        {
            "correct (reference bot)": ("interrupt",),
            "buggy (ignore-barge-in)": ("interrupt", "--bot-variant", "ignore-barge-in"),
        },
        ("clear_latency_s",),
        "clear <= 1.5 s after the barge-in onset",
    ),
    "interrupt.conversation_continues": Bench(
        {
            "correct (--tool-delay 2)": ("interrupt", "--tool-delay", "2"),
            "buggy (--tool-delay 2, freeze-on-interrupted-tool)": (
                "interrupt",
                "--tool-delay",
                "2",
                "--bot-variant",
                "freeze-on-interrupted-tool",
            ),
            "correct (reference bot)": ("interrupt",),
        },
        ("answer_latency_s",),
        "answer <= 4.0 s after the barge-in ended",
    ),
    "hangup.pipeline_ended": Bench(
        {
            "correct (reference bot, hang-up at 3 s)": HANGUP_AT_3,
            "buggy (hang-on-hangup)": (*HANGUP_AT_3, *HANG_ON_HANGUP),
        },
        ("pipeline_end_s", "release_s", "leftover_tasks"),
        "pipeline ended <= 5.0 s after the hang-up (the failing test uses 2.0 s)",
    ),
    "carrier_close.pipeline_ended": Bench(
        {
            "correct (reference bot, close 1011 at 3 s)": CLOSE_1011_AT_3,
            "buggy (hang-on-hangup, close 1011 at 3 s)": (*CLOSE_1011_AT_3, *HANG_ON_HANGUP),
        },
        ("pipeline_end_s", "release_s", "leftover_tasks"),
        "pipeline ended <= 5.0 s after the close (the buggy run uses 2.0 s)",
    ),
    "interrupt.audio_stopped": Bench(
        {
            "correct (reference bot)": ("interrupt",),
            "buggy (ignore-barge-in)": ("interrupt", "--bot-variant", "ignore-barge-in"),
        },
        ("residual_ms",),
        "<= 100 ms of bot audio after the clear",
    ),
    "dtmf.received": Bench(
        {
            "correct (reference bot, twilio)": ("dtmf", "--carrier", "twilio", "--digits", "90*#"),
            "buggy (deaf-to-dtmf)": ("dtmf", "--bot-variant", "deaf-to-dtmf"),
            "correct in-band (--bot-inband-dtmf)": (
                "dtmf",
                "--inband",
                "--digits",
                "15",
                "--bot-inband-dtmf",
            ),
            "buggy in-band (Pipecat: no tone detector)": ("dtmf", "--inband", "--digits", "15"),
        },
        ("latency_max_s", "received"),
        "each key <= 1.0 s",
    ),
    "replay.bot_answered": Bench(
        {
            "correct (reference bot, real time)": ("replay", *SHORT_CALL, "--realtime"),
            "buggy (--bot-reply-delay 4, real time)": (
                "replay",
                *SHORT_CALL,
                "--realtime",
                "--bot-reply-delay",
                "4",
            ),
            "correct (reference bot, --fast)": ("replay", *SHORT_CALL, "--fast"),
        },
        ("latency_max_s", "answered", "late"),
        "every utterance answered <= 3.0 s real time, <= 5.0 s with --fast",
    ),
    "failover.switched": Bench(
        {
            "correct (close 1011, Pipecat's own backoff 4,10)": (
                "stt-crash",
                "--mode",
                "close",
                "--backoff",
                "4,10",
            ),
            "correct (close 1011, chaos failover's backoff 0.5,1)": (
                "stt-crash",
                "--mode",
                "close",
            ),
            "buggy (an STT that raises: never unusable)": ("stt-crash", "--mode", "exception"),
        },
        ("latency_s",),
        "switched <= 15.0 s after the crash",
    ),
    "heartbeat.detects_stall": Bench(
        {
            "correct (heartbeats on)": ("heartbeat", "--stall", "12", "--reply", "2"),
            "buggy (--no-bot-heartbeats)": (
                "heartbeat",
                "--stall",
                "12",
                "--reply",
                "2",
                "--no-bot-heartbeats",
            ),
        },
        ("detected_after_s",),
        "detected <= 12 s after the stall",
    ),
}


def one_run(check_id: str, system: str, args: tuple[str, ...], timeout: float) -> dict[str, Any]:
    """One ``voicectl [chaos] ARGS --json``: every check's verdict, metrics and observed text."""
    command = args if args[0] in TOP_LEVEL else ("chaos", *args)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.json"
        load = os.getloadavg()[0]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "voicectl", *command, "--json", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        row: dict[str, Any] = {
            "check": check_id,
            "system": system,
            "code": done.returncode,
            "wall_s": round(time.monotonic() - started, 1),
            "load": [load, os.getloadavg()[0]],
        }
        if not path.exists():
            error = {"verdict": None, "observed": done.stderr[-300:], "metrics": {}}
            return row | {"checks": {check_id: error}}
        checks = json.loads(path.read_text())["checks"]
        return row | {
            "checks": {
                c["id"]: {k: c[k] for k in ("verdict", "observed", "metrics")} for c in checks
            }
        }


def analyze(rows: list[dict[str, Any]]) -> None:
    """Per check and system: verdict counts and each value's min / median / max."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for check_id, bench in CHECKS.items():
            if row["system"] in bench.systems and check_id in row["checks"]:
                groups[(check_id, row["system"])].append(row["checks"][check_id] | row)
    for (check_id, system), runs in sorted(groups.items()):
        loads = [x for r in runs for x in r["load"]]
        verdicts: dict[str, int] = defaultdict(int)
        for r in runs:
            verdicts[str(r["verdict"])] += 1
        print(
            f"{check_id} | {system}: {len(runs)} runs, load {min(loads):.1f}-{max(loads):.1f}, "
            f"verdicts {dict(verdicts)}; bound: {CHECKS[check_id].bound}"
        )
        for key in CHECKS[check_id].values:
            got = [r["metrics"].get(key) for r in runs]
            numbers = [float(v) for v in got if isinstance(v, int | float)]
            absent = len(got) - len(numbers)
            if numbers:
                print(
                    f"  {key}: n {len(numbers)} min {min(numbers):.3f} "
                    f"median {statistics.median(numbers):.3f} max {max(numbers):.3f}"
                    + (f" ({absent} runs without it)" if absent else "")
                )
            elif any(v is not None for v in got):
                print(f"  {key}: {sorted({str(v) for v in got})}")
        for observed in sorted({r["observed"] for r in runs})[:3]:
            print(f"  observed: {observed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", choices=sorted(CHECKS), action="append")
    parser.add_argument("--system", help="only the systems whose name contains this")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (the machine is shared)")
    parser.add_argument("--timeout", type=float, default=180.0, help="per run (s)")
    parser.add_argument("--out", type=Path, default=Path("caller_bounds.jsonl"))
    parser.add_argument("--analyze", type=Path, help="summarise a --out file; run nothing")
    options = parser.parse_args()
    if options.analyze:
        analyze([json.loads(line) for line in options.analyze.read_text().splitlines()])
        return
    rows = []
    ran: set[tuple[str, ...]] = set()
    for check_id in options.check or sorted(CHECKS):
        bench = CHECKS[check_id]
        if set(bench.systems.values()) <= ran:
            continue  # the interrupt checks are judged in the same runs
        ran |= set(bench.systems.values())
        jobs = [
            (check_id, system, args, options.timeout)
            for _ in range(options.runs)
            for system, args in bench.systems.items()
            if options.system is None or options.system in system
        ]
        with ThreadPoolExecutor(options.jobs) as pool:
            for row in pool.map(lambda job: one_run(*job), jobs):
                found = row["checks"].get(check_id, {})
                print(
                    f"{row['system']}: {found.get('verdict')} {found.get('metrics')} "
                    f"(load {row['load'][0]:.1f}, {row['wall_s']} s)",
                    flush=True,
                )
                rows.append(row)
                with options.out.open("a") as out:
                    out.write(json.dumps(row) + "\n")
    analyze(rows)


if __name__ == "__main__":
    main()
