"""Scripted callers over real loopback sockets: small scripted bots and the reference bot."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve

from voicectl.audio.g711 import ulaw_decode, ulaw_encode
from voicectl.audio.script import bundled_fixtures_dir
from voicectl.checks.scripted import judge_script
from voicectl.conversation.scripted import prepare_clips, run_call_script
from voicectl.report.model import Verdict
from voicectl.suite.callscript import parse_call_script

ORDER = bundled_fixtures_dir() / "order_status.wav"
SCRIPT = f"""\
[call]
audio = "{ORDER}"

[[step]]
say = 1
[[step]]
expect = "bot_answered"
within = 2
[[step]]
wait_for = "silence"
for = 0.3
within = 5
[[step]]
dtmf = "12#"
[[step]]
wait_for = "bot_speech"
within = 2
[[step]]
expect = "call_open"
[[step]]
hangup = "stop"
"""


class ScriptedBot:
    """Answers 0.4 s of tone 300 ms after loud caller audio stops, and after the DTMF key #."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.dtmf: list[dict[str, object]] = []
        self._replies: set[asyncio.Task[None]] = set()

    async def __call__(self, ws: ServerConnection) -> None:
        sid, loud, quiet = "", False, 0
        async for message in ws:
            data = json.loads(message)
            if data["event"] == "start":
                sid = data["start"]["streamSid"]
            elif data["event"] == "dtmf":
                self.dtmf.append(data)
                if self.answer and data["dtmf"]["digit"] == "#":
                    self._reply(ws, sid)
            elif data["event"] == "media":
                pcm = ulaw_decode(base64.b64decode(data["media"]["payload"])).astype(float)
                if np.sqrt(np.mean(pcm**2)) > 300:
                    loud, quiet = True, 0
                elif loud:
                    quiet += 1
                    if quiet == 15:
                        loud = False
                        if self.answer:
                            self._reply(ws, sid)

    def _reply(self, ws: ServerConnection, sid: str) -> None:
        task = asyncio.create_task(self._speak(ws, sid))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    @staticmethod
    async def _speak(ws: ServerConnection, sid: str) -> None:
        tone = (4000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype(np.int16)
        payload = base64.b64encode(ulaw_encode(tone)).decode()
        for _ in range(20):
            if ws.state.name != "OPEN":
                return
            await ws.send(
                json.dumps({"event": "media", "streamSid": sid, "media": {"payload": payload}})
            )
            await asyncio.sleep(0.02)


@pytest.fixture
async def serve_bot() -> AsyncIterator[object]:
    servers = []

    async def start(bot: ScriptedBot) -> str:
        server = await serve(bot, "127.0.0.1", 0)
        servers.append(server)
        return f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/ws"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def _play(url: str | None, script: str = SCRIPT):
    spec = parse_call_script(script, "call.toml", base_dir=Path("."))
    result = await run_call_script(spec, prepare_clips(spec, 8000), url=url, deadline_s=60)
    return result, judge_script(spec.steps, result.steps, result.outcome.error)


async def test_a_script_against_an_answering_bot_passes_and_sends_dtmf(serve_bot) -> None:
    bot = ScriptedBot()
    result, checks = await _play(await serve_bot(bot))
    assert result.outcome.error is None
    assert [(c.id, c.verdict) for c in checks] == [
        ("call.expect", Verdict.PASS),
        ("call.wait_for", Verdict.PASS),
        ("call.wait_for", Verdict.PASS),
        ("call.expect", Verdict.PASS),
    ]
    assert [d["dtmf"]["digit"] for d in bot.dtmf] == ["1", "2", "#"]  # type: ignore[index]
    assert all(d["dtmf"]["track"] == "inbound_track" for d in bot.dtmf)  # type: ignore[index]
    assert "answered" in checks[0].observed
    assert result.outcome.ended_by == "stop"


async def test_a_script_against_a_mute_bot_fails_and_stops_at_the_failed_wait(serve_bot) -> None:
    result, checks = await _play(await serve_bot(ScriptedBot(answer=False)))
    verdicts = [c.verdict for c in checks]
    assert verdicts == [Verdict.FAIL, Verdict.PASS, Verdict.FAIL]
    assert "no answer within 2 s" in checks[0].observed
    assert checks[2].observed == (
        "no bot audio within 2 s; the script stopped here (steps 6 not reached)"
    )
    assert len(result.steps) == 5  # the hang-up after the failed wait_for was never reached


@pytest.mark.slow
async def test_the_reference_bot_answers_a_scripted_caller() -> None:
    result, checks = await _play(None)
    assert result.outcome.error is None
    assert checks[0].id == "call.expect" and checks[0].verdict is Verdict.PASS
    assert checks[1].verdict is Verdict.PASS  # it stops talking
    # The reference bot answers speech, not keys: after the DTMF it stays quiet.
    assert checks[2].verdict is Verdict.FAIL and "no bot audio within 2 s" in checks[2].observed


def test_say_text_without_espeak_ng_is_one_line_exit_2(tmp_path: Path) -> None:
    script = tmp_path / "text.toml"
    script.write_text('[[step]]\nsay = "hello there"\n')
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "call", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert f"{script}:2: step 1: say 'hello there' needs espeak-ng" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_missing_recording_is_one_line_exit_2(tmp_path: Path) -> None:
    script = tmp_path / "missing.toml"
    script.write_text('[[step]]\nsay = { audio = "nope.wav", end = 1 }\n')
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "call", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "nope.wav" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


WORDS = f"""\
[call]
audio = "{ORDER}"

[[step]]
say = 1
[[step]]
wait_for = "word:order"
within = 5
[[step]]
expect = "word:refund"
within = 2
"""


@pytest.mark.slow
async def test_word_steps_see_the_reference_bots_real_stt_through_the_inside_view() -> None:
    spec = parse_call_script(WORDS, "call.toml", base_dir=Path("."))
    result = await run_call_script(
        spec, prepare_clips(spec, 8000), url=None, deadline_s=60, stt="deepgram-flux"
    )
    checks = judge_script(spec.steps, result.steps, result.outcome.error)
    assert [(c.id, c.verdict) for c in checks] == [
        ("call.wait_for", Verdict.PASS),
        ("call.expect", Verdict.FAIL),
    ]
    assert "heard 'order'" in checks[0].observed
    assert "status of my order" in checks[1].observed  # the transcript it did hear


async def test_word_steps_without_the_inside_view_are_errors(serve_bot) -> None:
    spec = parse_call_script(WORDS, "call.toml", base_dir=Path("."))
    result = await run_call_script(
        spec, prepare_clips(spec, 8000), url=await serve_bot(ScriptedBot()), deadline_s=60
    )
    checks = judge_script(spec.steps, result.steps, result.outcome.error)
    assert [c.verdict for c in checks] == [Verdict.ERROR, Verdict.ERROR]
    assert "no inside view of this bot" in checks[0].observed
