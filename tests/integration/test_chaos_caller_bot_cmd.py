"""The caller-fault commands against the user's bot as a process (``--bot-cmd``).

The example bot (``examples/twilio_bot/bot.py``: Pipecat's Twilio example shape, key-less on
voicectl's fakes) and Pipecat's runner bot (``pipecat_runner_bot.py``, its knobs set through
the environment of the command) are started by voicectl; the checks that need the inside view
read what the bot's own Pipecat reported through voicectl's setup hook.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chaos_cli import check_of, run_chaos, verdicts

from voicectl.outcome.conversation import HEARTBEAT_MONITOR_S

pytestmark = pytest.mark.slow  # real-time calls, 11-33 s each

EXAMPLE_BOT = "python examples/twilio_bot/bot.py -t twilio --port {port}"
FAKES = (
    "--fake",
    "deepgram",
    "--fake",
    "deepgram:backup",
    "--fake",
    "openai",
    "--fake",
    "cartesia",
)
RUNNER_BOT = "python tests/integration/pipecat_runner_bot.py -t twilio --port {port}"


def _runner_bot(**env: str) -> str:
    """The runner bot with ``BOT_*`` variables set (``env`` is a program: no shell)."""
    settings = " ".join(f"BOT_{name.upper()}={value}" for name, value in env.items())
    return f"env {settings} {RUNNER_BOT}"


def test_dtmf_keys_reach_the_example_bots_pipeline_seen_from_inside(tmp_path: Path) -> None:
    code, report = run_chaos(tmp_path, "dtmf", "--bot-cmd", EXAMPLE_BOT, *FAKES)
    received = check_of(report, "dtmf.received")
    assert code == 0 and received["verdict"] == "pass", received
    assert received["metrics"]["received"] == "1234#"
    assert received["metrics"]["latency_max_s"] < 0.3
    assert report["args"]["bot"].startswith(EXAMPLE_BOT)
    timeline = next(t for t in report["tables"] if t["title"].startswith("Timeline"))
    assert sum("InputDTMFFrame" in row[2] for row in timeline["rows"]) == 5


def test_in_band_keys_never_reach_the_example_bot_which_has_no_tone_detector(
    tmp_path: Path,
) -> None:
    code, report = run_chaos(tmp_path, "dtmf", "--inband", "--bot-cmd", EXAMPLE_BOT, *FAKES)
    received = check_of(report, "dtmf.received")
    assert code == 1 and received["verdict"] == "fail", received
    assert "the bot's pipeline received no key at all" in received["observed"]


def test_the_example_bot_yields_to_mm_hmm_as_pipecat_does_by_default(tmp_path: Path) -> None:
    code, report = run_chaos(tmp_path, "backchannel", "--bot-cmd", EXAMPLE_BOT, *FAKES)
    result = check_of(report, "backchannel.not_yielded")
    assert code == 1 and result["verdict"] == "fail", result
    assert result["observed"].startswith("yielded to "), result
    assert result["metrics"]["yielded"] >= 1
    # Seen from inside: the bot's own pipeline interrupted itself after the first backchannel.
    rows = next(t for t in report["tables"] if t["title"].startswith("Timeline"))["rows"]
    first = next(row[0] for row in rows if row[1] == "caller" and "while the bot talks" in row[2])
    assert any(row[2] == "pipeline interrupts" and row[0] > first for row in rows), rows


def test_a_bot_cmd_bot_whose_vad_needs_0_6_s_talks_through_backchannels_yet_stops_for_a_barge_in(
    tmp_path: Path,
) -> None:
    bot = _runner_bot(vad_start_secs="0.6", reply_secs="6")
    code, report = run_chaos(tmp_path, "backchannel", "--bot-cmd", bot)
    result = check_of(report, "backchannel.not_yielded")
    assert code == 0, result
    assert result["metrics"]["yielded"] == 0 and result["metrics"]["backchannels"] == 2
    assert result["metrics"]["barge_in_clear_latency_s"] <= 1.5


def test_the_example_bot_never_re_engages_a_silent_caller(tmp_path: Path) -> None:
    code, report = run_chaos(
        tmp_path, "silence", "--within", "4", "--listen", "5", "--bot-cmd", EXAMPLE_BOT, *FAKES
    )
    result = check_of(report, "silence.reengaged")
    assert code == 1 and result["verdict"] == "fail", result
    assert "never checked in or ended the call" in result["observed"]
    assert result["metrics"]["silent_for_s"] >= 4.9


def test_the_example_bot_ends_a_turn_whose_media_stopped_for_good_but_then_sits_silent(
    tmp_path: Path,
) -> None:
    """Its user aggregator's VAD stops the speech after 1 s without audio; the turn then ends
    at the user turn stop timeout (judged from the turn end the bot's own Pipecat reported) and
    it answers; with no idle handling it then says nothing on the dead line."""
    code, report = run_chaos(
        tmp_path, "media-gap", "--resume-after", "never", "--bot-cmd", EXAMPLE_BOT, *FAKES
    )
    ended = check_of(report, "media_gap.turn_ended")
    assert code == 1, report["checks"]
    assert "the bot's pipeline ends the caller's turn" in ended["expected"]
    assert "the bot ended the caller's turn" in ended["observed"]
    assert 5.0 <= ended["metrics"]["turn_ended_after_s"] <= 8.0
    idle = check_of(report, "media_gap.idle_handled")
    assert "after its answer ended, until the caller hung up" in idle["observed"], idle
    assert idle["metrics"]["silent_for_s"] >= 8.0
    assert "inside, Pipecat's on_user_turn_idle never fired" in idle["observed"]
    assert verdicts(report) == {
        "media_gap.turn_ended": "pass",
        "media_gap.idle_handled": "fail",
        "carrier.protocol": "pass",
    }


def test_a_bot_cmd_bot_with_a_user_idle_timeout_checks_in_on_a_line_whose_media_stopped(
    tmp_path: Path,
) -> None:
    bot = _runner_bot(idle_checkin="3")
    code, report = run_chaos(tmp_path, "media-gap", "--resume-after", "never", "--bot-cmd", bot)
    idle = check_of(report, "media_gap.idle_handled")
    assert code == 0, report["checks"]
    assert idle["metrics"]["how"] == "spoke", idle
    # on_user_turn_idle fires 3 s after BotStoppedSpeakingFrame, which the output transport
    # reaches a little ahead of the audio clock: 2.98 and 2.97 s measured after the answer's end.
    assert 2.8 <= idle["metrics"]["reengaged_after_s"] < 4.5
    assert 2.8 <= idle["metrics"]["user_idle_after_s"] < 3.5  # seen through the setup hook


def test_a_bot_cmd_bot_without_a_vad_audio_idle_timeout_never_ends_a_turn_cut_by_a_media_gap(
    tmp_path: Path,
) -> None:
    bot = _runner_bot(audio_idle_timeout="0")
    code, report = run_chaos(tmp_path, "media-gap", "--resume-after", "never", "--bot-cmd", bot)
    ended = check_of(report, "media_gap.turn_ended")
    assert code == 1 and ended["verdict"] == "fail", ended
    assert "never ended the caller's turn" in ended["observed"]
    assert "the turn stayed open" in ended["observed"]


def test_heartbeat_on_the_example_bot_is_an_error_naming_enable_heartbeats(tmp_path: Path) -> None:
    code, report = run_chaos(tmp_path, "heartbeat", "--bot-cmd", EXAMPLE_BOT, *FAKES)
    alarm = check_of(report, "heartbeat.no_false_alarm")
    assert code == 3 and alarm["verdict"] == "error", alarm
    assert "enable_heartbeats=False" in alarm["observed"]


def test_heartbeat_on_a_bot_cmd_bot_with_heartbeats_and_a_short_reply_passes(
    tmp_path: Path,
) -> None:
    code, report = run_chaos(tmp_path, "heartbeat", "--bot-cmd", _runner_bot(heartbeats="1"))
    alarm = check_of(report, "heartbeat.no_false_alarm")
    assert code == 0, alarm
    assert alarm["metrics"]["timeouts"] == 0


def test_a_bot_cmd_bot_with_a_reply_longer_than_the_monitor_raises_a_false_heartbeat_alarm(
    tmp_path: Path,
) -> None:
    bot = _runner_bot(heartbeats="1", reply_secs=str(HEARTBEAT_MONITOR_S + 6))
    code, report = run_chaos(tmp_path, "heartbeat", "--bot-cmd", bot, timeout=150)
    alarm = check_of(report, "heartbeat.no_false_alarm")
    assert code == 1 and alarm["verdict"] == "fail", alarm
    assert alarm["metrics"]["timeouts"] >= 1


def test_heartbeat_on_a_bot_at_url_is_an_error_not_a_pass(
    pipecat_runner_bot_url: str, tmp_path: Path
) -> None:
    code, report = run_chaos(tmp_path, "heartbeat", "--url", pipecat_runner_bot_url)
    alarm = check_of(report, "heartbeat.no_false_alarm")
    assert code == 3 and alarm["verdict"] == "error", alarm
    assert alarm["observed"].startswith("a bot at --url gives no inside view")


def test_a_revoked_stt_key_during_a_silence_run_is_judged_for_caller_impact_and_failover(
    tmp_path: Path,
) -> None:
    """1008 on the primary Deepgram at 2 s, 401 on every reconnect: the caller-fault command
    also judges the fault, over the one utterance the caller said."""
    code, report = run_chaos(
        tmp_path, "silence", "--within", "4", "--listen", "5", "--bot-cmd", EXAMPLE_BOT, *FAKES,
        "--fault", "deepgram=ws-close:1008@2s#first", "--fault", "deepgram=handshake:401#2..",
    )  # fmt: skip
    seen = verdicts(report)
    assert seen["failover.switched"] == "pass", report["checks"]
    assert seen["caller.silence_bounded"] == "pass", report["checks"]
    assert seen["call.ended_cleanly"] == "pass"
    # Nothing was said after the switch: not exercised, so error, not a fail over unsaid lines.
    continued = check_of(report, "failover.transcripts_continue")
    assert continued["verdict"] == "error", continued
    assert seen["silence.reengaged"] == "fail"
    assert code == 3  # a check that could not be judged outranks a failed one
    faults = [
        e for e in report["events"] if e["source"] == "fake:deepgram" and e["kind"] == "fault"
    ]
    assert faults, "the fakes' journal is in the report"


def test_a_hangup_ends_the_example_bots_pipeline_as_its_own_pipecat_reports(
    tmp_path: Path,
) -> None:
    code, report = run_chaos(tmp_path, "hangup", "--bot-cmd", EXAMPLE_BOT, *FAKES)
    ended = check_of(report, "hangup.pipeline_ended")
    assert code == 0 and ended["verdict"] == "pass", report["checks"]
    assert ended["metrics"]["pipeline_end_s"] < 1.0
    assert "hangup.tasks_released" not in verdicts(report)  # its tasks are not visible


def test_dtmf_to_a_bot_cmd_bot_that_is_not_pipecat_is_an_error_saying_why(tmp_path: Path) -> None:
    """A plain websockets bot never loads the setup hook: no inside view, so no verdict."""
    bot = "python tests/integration/echo_bot.py {port} --path /media"
    code, report = run_chaos(tmp_path, "dtmf", "--bot-cmd", bot, "--bot-path", "/media")
    received = check_of(report, "dtmf.received")
    assert code == 3 and received["verdict"] == "error", received
    assert "voicectl's setup hook never reported from inside the bot" in received["observed"]


def test_a_bot_cmd_bot_with_a_user_idle_timeout_checks_in_on_a_silent_caller(
    tmp_path: Path,
) -> None:
    bot = _runner_bot(idle_checkin="3")
    code, report = run_chaos(
        tmp_path, "silence", "--within", "4", "--listen", "5", "--bot-cmd", bot
    )
    result = check_of(report, "silence.reengaged")
    assert code == 0, result
    # Pipecat starts the idle timer at BotStoppedSpeakingFrame, when its output transport has
    # written the last audio: one run measured 2.97 s after the reply's end reached the caller (the
    # transport writes a little ahead of the audio clock).
    assert 2.8 <= result["metrics"]["reengaged_after_s"] < 4.5
    assert result["metrics"]["how"] == "spoke"
