"""``voicectl chaos <fault> --bot-cmd``: bad input is one line and exit 2, before anything starts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from voicectl.cli.main import app

BOT = ["--bot-cmd", "python bot.py --port {port}"]
FAKES = ["--fake", "deepgram", "--fake", "deepgram:backup", "--fake", "openai"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ws-close", *BOT, *FAKES, "--target", "nope"],
         "--target names fake 'nope', which is not started (started: deepgram, backup, openai)"),
        (["ws-close", *BOT, "--target", "deepgram"], "give --fake"),
        (["ws-close", *BOT, *FAKES, "--target", "openai"],
         "ws-close acts on WebSocket connections; the openai fake is HTTP"),
        (["handshake", *BOT, *FAKES, "--protocol", "soniox"],
         "--protocol applies to voicectl's own targets, not to your bot (--bot-cmd)"),
        (["stall", *BOT, *FAKES, "--budget", "5"], "--budget applies to voicectl's own targets"),
        (["flap", *BOT, *FAKES, "--full-budget"], "--full-budget applies to voicectl's own targets"),
        (["stall", *BOT, *FAKES, "--stage", "stt"], "--stage stt stalls the reference bot's STT"),
        (["ws-drop", "--audio", __file__], "--audio is the call placed into your bot: it needs --bot-cmd"),
        (["ws-close", "--bot-cmd", "python bot.py --port {port} --rate {rate}", *FAKES],
         "a chaos command starts your bot once"),
        (["ws-close", *BOT, *FAKES, "--timeout", "5"], "--timeout 5 s is shorter than the call"),
        (["stt-crash", *BOT, *FAKES, "--mode", "exception"],
         "an 'exception' crash raises inside the STT service"),
        (["stt-crash", *BOT, *FAKES, "--primary", "cartesia"],
         "--primary names fake 'cartesia', which is not started"),
        (["stt-crash", *BOT, "--fake", "openai"], "no fake serves the primary STT"),
        (["stt-crash", *BOT, *FAKES, "--heartbeats"], "--heartbeats applies to voicectl's own targets"),
        (["failover", *BOT, *FAKES, "--backoff", "1,2"], "--backoff applies to voicectl's own targets"),
        (["failover", *BOT, *FAKES, "--strategy", "x:Y"], "--strategy applies to voicectl's own targets"),
        (["failover", *BOT, "--fake", "deepgram", "--crashes", "backup:1011@3"],
         "no fake serves the backup STT"),
        (["failover", *BOT, *FAKES, "--crashes", "1011@300"], "is past the end of the call"),
        (["failover", "--fake", "deepgram"], "--fake needs --bot-cmd"),
    ],
)  # fmt: skip
def test_bot_cmd_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["chaos", *args])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert "Traceback" not in result.stdout + result.stderr
