"""Benchmark: what the provider fakes add per message with many concurrent calls.

``voicectl fakes deepgram openai cartesia`` runs in a child process pinned to ``--fake-cores``
(default: core 1); this process, the load generator, is pinned to ``--client-cores`` (default:
core 0). Each of ``--calls`` concurrent calls streams a bundled recording (16 kHz PCM, 20 ms
frames, phases spread) to the Deepgram fake in real time and, for every final transcript it
gets, asks the OpenAI fake for a streamed reply and the Cartesia fake for its audio: the
pipeline of a real bot, minus the bot.

What is timed, per message the fakes answer:

* **Deepgram**: a ``Finalize`` sent every ``--probe-every`` seconds per call, to its
  ``from_finalize`` answer (the fake answers it at once, so this round trip is the fake's
  per-message cost plus its queueing behind the 10 000 audio messages a second it also reads);
* **OpenAI**: request to first streamed chunk (the fake's ``first_token_s`` set to 0) and the
  gaps between chunks beyond the configured interval;
* **Cartesia**: request to its audio chunk.

The same round trips against an echo server (``--baseline``: a bare websockets/aiohttp server
in the same child-process arrangement) give the cost of the loopback and the client; the
difference is what the fakes add. The fake process's CPU time per message is also reported, and
with ``--timed`` the time each fake's protocol spends handling each message (the fake's own
work, without the sockets and websockets' framing that any server pays), as wall time and as
the thread's CPU time (wall minus whatever preempted the process: the fake's work alone). A
Cartesia request is timed whole, all of its ``chunk`` messages (one per 100 ms of audio) made.

    python tests/benchmarks/bench_fakes.py --calls 200 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import numpy as np
from websockets.asyncio.client import connect

from voicectl.audio.script import bundled_calls
from voicectl.harness.feed import audio_frames

RATE = 16000
FRAME_S = 0.02


def pin(pid: int, cores: set[int]) -> None:
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cores)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    a = np.array(values) * 1000.0
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "max_ms": round(float(a.max()), 3),
    }


ECHO_SERVER = r"""
import asyncio, sys, json
from aiohttp import web
from websockets.asyncio.server import serve

async def ws_handler(ws):
    probes = 0
    async for message in ws:
        if isinstance(message, str):
            data = json.loads(message)
            if data.get("type") == "Finalize":
                probes += 1
                text = "hello there" if probes % 5 == 0 else ""
                alternatives = [{"transcript": text}]
                await ws.send(json.dumps({"type": "Results", "is_final": True,
                    "from_finalize": True, "channel": {"alternatives": alternatives}}))
            elif "transcript" in data:
                await ws.send(json.dumps({"type": "chunk", "context_id": data.get("context_id"),
                    "data": "", "done": False}))

async def chat(request):
    await request.read()
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for _ in range(8):
        await response.write(b'data: {"choices": [{"delta": {"content": "x"}}]}\n\n')
    await response.write(b"data: [DONE]\n\n")
    return response

async def main():
    async with serve(ws_handler, "127.0.0.1", 0, compression=None) as ws_server:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ws_port = ws_server.sockets[0].getsockname()[1]
        http_port = site._server.sockets[0].getsockname()[1]
        print(f"DEEPGRAM_BASE_URL=ws://127.0.0.1:{ws_port}", flush=True)
        print(f"OPENAI_BASE_URL=http://127.0.0.1:{http_port}/v1", flush=True)
        print(f"CARTESIA_BASE_URL=ws://127.0.0.1:{ws_port}", flush=True)
        await asyncio.sleep(float(sys.argv[1]))

asyncio.run(main())
"""


GROUPS = 10


class Pacer:
    """One timer for every call: every FRAME_S / GROUPS, one group of calls sends its frame.

    Calls are spread over GROUPS phases 2 ms apart, so the fakes get an even stream rather than
    200 frames at once, and the client needs 500 timer wake-ups a second instead of 10 000.
    """

    def __init__(self) -> None:
        self.events = [asyncio.Event() for _ in range(GROUPS)]

    async def wait(self, group: int) -> None:
        await self.events[group].wait()

    async def run(self) -> None:
        start = time.perf_counter()
        tick = 0
        while True:
            due = start + tick * FRAME_S / GROUPS
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            group = tick % GROUPS
            event, self.events[group] = self.events[group], asyncio.Event()
            event.set()
            tick += 1


TIMED_FAKES = r"""
import asyncio, gc, json, signal, sys, time
from voicectl.providers.cartesia_tts import CartesiaTTSProtocol
from voicectl.providers.deepgram_stt import DeepgramSTTProtocol
from voicectl.providers.fakeset import FakeSet, plan_fakes
from voicectl.providers.openai_http import LLMTiming, OpenAIAPI

spent = {"deepgram": [], "openai": [], "cartesia": []}
spent_cpu = {"deepgram": [], "openai": [], "cartesia": []}

def timed(cls, attr, key):
    inner = getattr(cls, attr)
    def wrapper(self, *args):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return inner(self, *args)
        finally:
            spent_cpu[key].append(time.thread_time() - c)
            spent[key].append(time.perf_counter() - t)
    setattr(cls, attr, wrapper)

timed(DeepgramSTTProtocol, "on_message", "deepgram")
timed(OpenAIAPI, "answer", "openai")
timed(CartesiaTTSProtocol, "on_message", "cartesia")

async def main():
    plan = plan_fakes(["deepgram", "openai", "cartesia"], llm_timing=LLMTiming(0, 0),
                      utterances=sys.argv[2:])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with FakeSet(plan) as fakes:
        gc.freeze()
        for line in fakes.env_lines():
            print(line, flush=True)
        try:
            await asyncio.wait_for(stop.wait(), float(sys.argv[1]))
        except TimeoutError:
            pass
    print("SPENT " + json.dumps(spent), flush=True)
    print("SPENT_CPU " + json.dumps(spent_cpu), flush=True)

asyncio.run(main())
"""


_CONTEXT_KEY = '"context_id": "'


def context_of(message: str) -> str:
    """A Cartesia message's ``context_id``, found without parsing kilobytes of base64 as JSON."""
    start = message.find(_CONTEXT_KEY)
    if start < 0:
        return ""
    start += len(_CONTEXT_KEY)
    return message[start : message.find('"', start)]


class Timings:
    def __init__(self) -> None:
        self.finalize: list[float] = []
        self.llm_first: list[float] = []
        self.llm_gap: list[float] = []
        self.tts_first: list[float] = []
        self.finals = 0
        self.errors: list[str] = []
        self.audio_messages = 0


async def one_call(
    index: int,
    env: dict[str, str],
    chunks: list[bytes],
    seconds: float,
    probe_every: float,
    timings: Timings,
    session: aiohttp.ClientSession,
    chunk_interval: float,
    pacer: Pacer,
) -> None:
    await asyncio.sleep(index * 0.05)  # start 20 calls a second
    stt_url = env["DEEPGRAM_BASE_URL"] + "/v1/listen?encoding=linear16&sample_rate=16000"
    tts_url = env["CARTESIA_BASE_URL"] + "/tts/websocket"
    probe_sent: list[float] = []
    serials = itertools.count()
    replies: list[asyncio.Task[None]] = []
    try:
        async with (
            connect(stt_url, compression=None) as stt,
            connect(tts_url, compression=None) as tts,
        ):

            async def read_stt() -> None:
                async for message in stt:
                    if not isinstance(message, str):
                        continue
                    data = json.loads(message)
                    if data.get("from_finalize") and probe_sent:
                        timings.finalize.append(time.perf_counter() - probe_sent.pop(0))
                    if data.get("is_final"):
                        text = data["channel"]["alternatives"][0]["transcript"]
                        if text:
                            timings.finals += 1
                            replies.append(asyncio.create_task(reply(text)))

            async def reply(text: str) -> None:
                body = {
                    "model": "gpt-4.1-mini",
                    "stream": True,
                    "messages": [{"role": "user", "content": text}],
                }
                start = time.perf_counter()
                last = None
                parts: list[str] = []
                async with session.post(
                    env["OPENAI_BASE_URL"] + "/chat/completions", json=body
                ) as r:
                    async for line in r.content:
                        now = time.perf_counter()
                        if not line.startswith(b"data: "):
                            continue
                        if last is None:
                            timings.llm_first.append(now - start)
                        else:
                            timings.llm_gap.append(max(0.0, now - last - chunk_interval))
                        last = now
                        payload = line[6:].strip()
                        if payload != b"[DONE]":
                            choices = json.loads(payload).get("choices") or [{}]
                            parts.append(choices[0].get("delta", {}).get("content") or "")
                request = {
                    "transcript": "".join(parts) or "ok",
                    "context_id": f"c{index}-{next(serials)}",
                    "continue": False,
                    "output_format": {
                        "container": "raw",
                        "encoding": "pcm_s16le",
                        "sample_rate": 16000,
                    },
                }
                start = time.perf_counter()
                tts_waiters.append(start)
                await tts.send(json.dumps(request))

            tts_waiters: list[float] = []

            async def read_tts() -> None:
                heard: set[str] = set()
                async for message in tts:
                    if not isinstance(message, str) or '"chunk"' not in message:
                        continue
                    # An answer streams in several chunks: time the first of each context.
                    context = context_of(message)
                    if context not in heard and tts_waiters:
                        heard.add(context)
                        timings.tts_first.append(time.perf_counter() - tts_waiters.pop(0))

            readers = [asyncio.create_task(read_stt()), asyncio.create_task(read_tts())]
            start = time.perf_counter()
            next_probe = start + probe_every + (index % 50) * probe_every / 50
            frame = 0
            group = index % GROUPS
            while time.perf_counter() - start < seconds:
                await pacer.wait(group)
                await stt.send(chunks[frame % len(chunks)])
                timings.audio_messages += 1
                frame += 1
                if time.perf_counter() >= next_probe:
                    probe_sent.append(time.perf_counter())
                    await stt.send('{"type": "Finalize"}')
                    next_probe += probe_every
            await asyncio.sleep(1.0)
            for task in readers + replies:
                task.cancel()
    except Exception as exc:
        timings.errors.append(f"call {index}: {type(exc).__name__}: {exc}")


async def run(args: argparse.Namespace, env: dict[str, str]) -> Timings:
    call = next(c for c in bundled_calls() if c.name == "order_status")
    chunks = audio_frames(call, RATE)
    timings = Timings()
    connector = aiohttp.TCPConnector(limit=0)
    pacer = Pacer()
    ticker = asyncio.create_task(pacer.run())
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(
            *(
                one_call(
                    i, env, chunks, args.seconds, args.probe_every, timings, session, 0.0, pacer
                )
                for i in range(args.calls)
            )
        )
    ticker.cancel()
    return timings


def start_server(
    args: argparse.Namespace, baseline: bool
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    duration = str(args.seconds + args.calls * 0.05 + 30)
    if os.environ.get("BENCH_FAKES_CMD"):
        cmd = [*os.environ["BENCH_FAKES_CMD"].split(), duration]
    elif baseline:
        cmd = [sys.executable, "-c", ECHO_SERVER, duration]
    elif args.timed:
        call = next(c for c in bundled_calls() if c.name == "order_status")
        texts = [u.text for u in call.script.utterances]
        cmd = [sys.executable, "-c", TIMED_FAKES, duration, *texts]
    else:
        transcripts = str(next(p for p in _call_paths() if p.stem == "order_status"))
        cmd = [
            sys.executable,
            "-m",
            "voicectl",
            "fakes",
            "deepgram",
            "openai",
            "cartesia",
            "--transcripts",
            transcripts,
            "--duration",
            duration,
            "--llm-first-token-ms",
            "0",
            "--llm-chunk-ms",
            "0",
        ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    env = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(3))
    pin(proc.pid, args.fake_cores)
    return proc, env


def _call_paths() -> list[Path]:
    from voicectl.audio.script import bundled_call_paths

    return bundled_call_paths()


def measure(args: argparse.Namespace, baseline: bool) -> dict[str, object]:
    proc, env = start_server(args, baseline)
    try:
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        timings = asyncio.run(run(args, env))
        cpu = cpu_seconds(proc.pid) - cpu0
        wall = time.monotonic() - t0
    finally:
        proc.terminate()
        rest, _ = proc.communicate(timeout=30)
    spent: dict[str, dict[str, float | int]] = {}
    spent_cpu: dict[str, dict[str, float | int]] = {}
    for line in (rest or "").splitlines():
        if line.startswith("SPENT "):
            spent = {k: percentiles(v) for k, v in json.loads(line[6:]).items()}
        if line.startswith("SPENT_CPU "):
            spent_cpu = {k: percentiles(v) for k, v in json.loads(line[10:]).items()}
    messages = (
        timings.audio_messages
        + len(timings.finalize)
        + len(timings.llm_first)
        + len(timings.tts_first)
    )
    return {
        "server": "echo" if baseline else "voicectl fakes",
        "deepgram_finalize": percentiles(timings.finalize),
        "openai_first_chunk": percentiles(timings.llm_first),
        "openai_chunk_gap": percentiles(timings.llm_gap),
        "cartesia_first_audio": percentiles(timings.tts_first),
        "finals": timings.finals,
        "audio_messages": timings.audio_messages,
        "server_cpu_s": round(cpu, 2),
        "server_cpu_us_per_message": round(cpu / max(1, messages) * 1e6, 1),
        "server_cpu_share": round(cpu / wall, 3),
        "fake_processing_per_message": spent,
        "fake_processing_cpu_per_message": spent_cpu,
        "errors": timings.errors[:5],
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0, help="audio streamed per call")
    parser.add_argument("--probe-every", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--client-cores", default="0")
    parser.add_argument("--fake-cores", default="1")
    parser.add_argument(
        "--timed",
        action="store_true",
        help="run the fakes in-process with each protocol's per-message handling timed",
    )
    args = parser.parse_args()
    args.client_cores = {int(c) for c in args.client_cores.split(",")}
    args.fake_cores = {int(c) for c in args.fake_cores.split(",")}
    os.sched_setaffinity(0, args.client_cores)
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    results = []
    for _ in range(args.repeat):
        for baseline in (True, False):
            result = measure(args, baseline)
            results.append(result)
            print(json.dumps(result))
    for key in ("deepgram_finalize", "openai_first_chunk", "cartesia_first_audio"):
        fake = [r[key]["p99_ms"] for r in results if r["server"] != "echo" and "p99_ms" in r[key]]  # type: ignore[index]
        echo = [r[key]["p99_ms"] for r in results if r["server"] == "echo" and "p99_ms" in r[key]]  # type: ignore[index]
        if fake and echo:
            print(
                f"{key}: p99 fakes {statistics.median(fake):.3f} ms, echo {statistics.median(echo):.3f} ms, added {statistics.median(fake) - statistics.median(echo):+.3f} ms"
            )


if __name__ == "__main__":
    main()
