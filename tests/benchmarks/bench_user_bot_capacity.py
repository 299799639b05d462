"""Benchmark: a full user bot's capacity under ``voicectl load --bot-cmd ... --fake ...``.

The example bot (``examples/twilio_bot/bot.py``: Silero VAD, Smart Turn v3, two Deepgram STTs in
a failover switcher, OpenAI LLM with a tool, Cartesia TTS, all on voicectl's fakes) is started by
``voicectl load`` once per step and given ``N`` concurrent real-time calls of the bundled
``order_status`` call. Per step: calls that succeeded (every utterance answered), first-audio
p50/p95 over all turns, and whether the load generator kept time (``load.client_pacing``). The
fakes run in voicectl's process beside the load generator. Capacity ends at the first step where
a call fails or first-audio p95 exceeds ``--degraded`` x the single-call p95.

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
    args = parser.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for calls in (int(s) for s in args.steps.split(",")):
            result = step(calls, args.ramp, Path(tmp))
            results.append(result)
            print(json.dumps(result), flush=True)
    base = results[0]["first_audio_p95_s"]
    capacity = 0
    for result in results:
        p95 = result["first_audio_p95_s"]
        ok = result["succeeded"] == result["calls"]
        fast = isinstance(p95, float) and isinstance(base, float) and p95 <= args.degraded * base
        if not (ok and fast):
            break
        capacity = int(str(result["calls"]))
    print(
        f"capacity: {capacity} concurrent calls (last step with every call answered and p95 "
        f"<= {args.degraded} x the single-call p95)"
    )


if __name__ == "__main__":
    main()
