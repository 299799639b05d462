"""``--bot-cmd`` on the caller-fault commands: bad combinations are one line and exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from voicectl.cli.main import app

BOT = "python bot.py -t twilio --port {port}"
CALLER_FAULTS = ["dtmf", "backchannel", "silence", "media-gap", "heartbeat", "slow-reader"]


def _usage_error(*args: str) -> str:
    result = CliRunner().invoke(app, ["chaos", *args])
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", CALLER_FAULTS)
def test_bot_cmd_with_url_is_one_line_and_exit_2(command: str) -> None:
    line = _usage_error(command, "--bot-cmd", BOT, "--url", "ws://127.0.0.1:1/ws")
    assert "--url and --bot-cmd both name the bot: give one" in line


@pytest.mark.parametrize("command", CALLER_FAULTS)
def test_a_fake_without_bot_cmd_is_one_line_and_exit_2(command: str) -> None:
    assert "--fake needs --bot-cmd" in _usage_error(command, "--fake", "deepgram")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["dtmf", "--bot-inband-dtmf"], "--bot-inband-dtmf"),
        (["dtmf", "--bot-variant", "ignore-barge-in"], "--bot-variant"),
        (["backchannel", "--bot-vad-start", "0.6"], "--bot-vad-start"),
        (["silence", "--bot-idle-checkin", "3"], "--bot-idle-checkin"),
        (["media-gap", "--bot-audio-idle-timeout", "0"], "--bot-audio-idle-timeout"),
        (["heartbeat", "--stall", "12"], "--stall"),
        (["heartbeat", "--reply", "6"], "--reply"),
        (["heartbeat", "--no-bot-heartbeats"], "--no-bot-heartbeats"),
    ],
)
def test_a_reference_bot_option_with_bot_cmd_is_one_line_and_exit_2(
    args: list[str], option: str
) -> None:
    line = _usage_error(*args, "--bot-cmd", BOT)
    assert f"{option} applies to the reference bot, not to your bot (--bot-cmd)" in line


def test_a_reference_bot_option_on_heartbeat_with_url_is_one_line_and_exit_2() -> None:
    line = _usage_error("heartbeat", "--stall", "12", "--url", "ws://127.0.0.1:1/ws")
    assert "--stall applies to the reference bot and cannot apply to the bot at --url" in line


def test_heartbeat_url_must_be_a_websocket_url() -> None:
    assert "--url must be a ws:// or wss:// URL" in _usage_error("heartbeat", "--url", "http://x")


def test_a_bot_cmd_without_port_is_one_line_and_exit_2() -> None:
    assert "{port}" in _usage_error("silence", "--bot-cmd", "python bot.py")


@pytest.mark.parametrize(
    "args",
    [
        ["dtmf", "--inband"],
        ["backchannel"],
        ["silence"],
        ["media-gap"],
        ["heartbeat"],
        ["slow-reader"],
    ],
)
def test_the_raw_carrier_against_the_reference_bot_is_one_line_and_exit_2(args: list[str]) -> None:
    line = _usage_error(*args, "--carrier", "raw")
    assert "--carrier raw: the reference bot speaks twilio, telnyx, plivo and exotel" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["slow-reader", "--hangup-after", "5"], "--hangup-after applies to --stall-s never only"),
        (
            ["backchannel", "--bot-variant", "deaf-to-dtmf"],
            "--bot-variant deaf-to-dtmf: chaos backchannel never reaches that bug",
        ),
        (
            ["hangup", "--bot-variant", "ignore-barge-in"],
            "chaos hangup never reaches that bug, so the run would test nothing; it takes "
            "hang-on-hangup",
        ),
        (["dtmf", "--bot-variant", "hang-on-hangup"], "it takes deaf-to-dtmf"),
        (["interrupt", "--bot-variant", "deaf-to-dtmf"], "chaos interrupt never reaches"),
        (["slow-reader", "--bot-variant", "ignore-barge-in"], "chaos slow-reader never reaches"),
        (["media-gap", "--idle-within", "4"], "--idle-within applies to --resume-after never only"),
        (
            ["slow-reader", "--stall-s", "never", "--answer-within", "3"],
            "--answer-within bounds the answer once the carrier reads again",
        ),
        (
            ["hangup", "--end-within", "3", "--url", "ws://127.0.0.1:1/ws"],
            "--end-within bounds the bot's pipeline end",
        ),
        (
            ["carrier-close", "--end-within", "3", "--url", "ws://127.0.0.1:1/ws"],
            "not at --url (it would be ignored)",
        ),
    ],
)
def test_an_option_that_cannot_apply_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert message in _usage_error(*args)
