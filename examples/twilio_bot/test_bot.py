"""The "Test your own bot" walkthrough as pytest: voicectl starts bot.py key-less, calls it over
Twilio's protocol, breaks its providers and judges what the caller got.

Run with ``pytest examples/twilio_bot/test_bot.py`` (pip install voicectl pytest).
"""

import sys
from pathlib import Path

from voicectl.audio.script import bundled_fixtures_dir
from voicectl.pytest_plugin import assert_report_passes

BOT = f"{sys.executable} {Path(__file__).with_name('bot.py')} -t twilio --port {{port}}"
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
CALL = str(bundled_fixtures_dir() / "order_status.wav")


def test_the_bot_answers_key_less(voicectl_cli):
    report = voicectl_cli("replay", CALL, "--bot-cmd", BOT, *FAKES)
    assert report.harness_error is None
    assert report.metrics["bot.answered"] >= 1  # every turn: replay.bot_answered


def test_a_revoked_deepgram_key_fails_over_to_the_backup(voicectl_cli):
    report = voicectl_cli(
        "replay", CALL, "--bot-cmd", BOT, *FAKES,
        "--fault", "deepgram=ws-close:1008@8s#first",  # the key is revoked mid-call...
        "--fault", "deepgram=handshake:401#2..",  # ...so every reconnect is refused
    )  # fmt: skip
    failover = [c for c in report.checks if c.id.startswith("failover.")]
    assert failover and all(c.verdict.value == "pass" for c in failover), failover


def test_an_llm_rate_limit_does_not_leave_the_caller_in_silence(voicectl_cli):
    report = voicectl_cli(
        "replay", CALL, "--bot-cmd", BOT, *FAKES, "--fault", "openai=llm-error:429~1#2"
    )
    assert_report_passes(report, allow=["replay.bot_answered"])
