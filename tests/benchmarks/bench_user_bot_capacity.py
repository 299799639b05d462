"""Benchmark: a full user bot's capacity under ``voicectl load --bot-cmd ... --fake ...``.

The example bot (``examples/twilio_bot/bot.py``: Silero VAD, Smart Turn v3, two Deepgram STTs in
a failover switcher, OpenAI LLM with a tool, Cartesia TTS, all on voicectl's fakes) is started by
``voicectl load`` once per step and given ``N`` concurrent real-time calls of the bundled
``order_status`` call. Per step: calls that succeeded (every utterance answered), first-audio
p50/p95 over all turns, and whether the load generator kept time (``load.client_pacing``). The
fakes run in voicectl's process beside the load generator. The single call is the baseline:
the example bot does not answer every utterance of ``order_status`` even alone (Smart Turn judges
a pause incomplete and the caller's next sentence joins the turn), so capacity ends at the first
step where the share of utterances answered falls more than ``--answered-drop`` below the single
call's, or first-audio p95 exceeds ``--degraded`` x the single-call p95. A step where the load
generator itself fell behind (``load.client_pacing`` not pass) is invalid and ends the sweep.

    python tests/benchmarks/bench_user_bot_capacity.py --steps 1,10,25,50
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from voicectl.audio.script import bundled_fixtures_dir

ROOT = Path(__file__).resolve().parents[2]
BOT = f"{sys.executable} {ROOT / 'examples' / 'twilio_bot' / 'bot.py'} -t twilio --port {{port}}"
FAKES = [
    "--fake",
    "deepgram",
    "--fake",
    "deepgram:backup",
    "--fake",
    "openai",
    "--fake",
    "cartesia",
]


def step(calls: int, ramp: float, folder: Path) -> dict[str, object]:
    report = folder / f"load-{calls}.json"
    subprocess.run(
        [
            sys.executable, "-m", "voicectl", "load", str(bundled_fixtures_dir() / "order_status.wav"),
            "--bot-cmd", BOT, *FAKES, "--calls", str(calls), "--count", str(calls),
            "--ramp", str(ramp), "--json", str(report), "-q",
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    data = json.loads(report.read_text())
    m = data["metrics"]
    pacing = next(c for c in data["checks"] if c["id"] == "load.client_pacing")
    return {
        "calls": calls,
        "succeeded": m.get("succeeded"),
        "answered": f"{m.get('answered')}/{m.get('turns')}",
        "answered_share": (m.get("answered") or 0) / m["turns"] if m.get("turns") else 0.0,
        "first_audio_p50_s": m.get("first_audio_s_p50"),
        "first_audio_p95_s": m.get("first_audio_s_p95"),
        "client_pacing": pacing["verdict"],
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1,10,25,50")
    parser.add_argument("--ramp", type=float, default=2.0)
    parser.add_argument("--degraded", type=float, default=1.5)
    parser.add_argument("--answered-drop", type=float, default=0.1)
    args = parser.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for calls in (int(s) for s in args.steps.split(",")):
            result = step(calls, args.ramp, Path(tmp))
            results.append(result)
            print(json.dumps(result), flush=True)
    base_p95, base_share = results[0]["first_audio_p95_s"], float(str(results[0]["answered_share"]))
    capacity, why = 0, "every step held"
    for result in results:
        p95 = result["first_audio_p95_s"]
        share = float(str(result["answered_share"]))
        if result["client_pacing"] != "pass":
            why = f"the load generator fell behind at {result['calls']} calls (step invalid)"
            break
        if share < base_share - args.answered_drop:
            why = f"{share:.0%} answered at {result['calls']} calls vs {base_share:.0%} alone"
            break
        if not (isinstance(p95, float) and isinstance(base_p95, float)):
            why = f"no first-audio p95 at {result['calls']} calls"
            break
        if p95 > args.degraded * base_p95:
            why = f"p95 {p95:.2f} s at {result['calls']} calls vs {base_p95:.2f} s alone"
            break
        capacity = int(str(result["calls"]))
    print(f"capacity: {capacity} concurrent calls ({why})")


if __name__ == "__main__":
    main()
