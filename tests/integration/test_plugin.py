"""The pytest plugin's fixtures, used the way a team uses them: no conftest, no imports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from voicectl.faults import WsClose
from voicectl.providers import EndedBy
from voicectl.pytest_plugin import assert_report_passes, report_failures
from voicectl.report import Check, Report, Verdict


async def _first_close(url: str, wait_s: float = 5.0) -> int | None:
    """The close code the provider sends after one audio frame, or None within ``wait_s``."""
    try:
        async with connect(url, close_timeout=1) as ws:
            await ws.send(b"\x00" * 640)
            await asyncio.wait_for(ws.recv(), wait_s)
    except ConnectionClosedError as exc:
        return exc.rcvd.code if exc.rcvd else None
    except TimeoutError:
        return None
    return None


async def test_fake_provider_factory_takes_a_spec_or_a_fault(voicectl_fake_provider) -> None:
    by_spec = await voicectl_fake_provider("soniox", "ws-close:1011#first")
    by_fault = await voicectl_fake_provider("generic", WsClose(code=1008, reason="bad key"))
    assert await _first_close(by_spec.target_url) == 1011
    assert await _first_close(by_spec.target_url, 0.5) is None  # "#first": the next is spared
    assert await _first_close(by_fault.target_url) == 1008
    await asyncio.sleep(0.05)
    (record,) = by_fault.log.records()
    assert record.close_sent == (1008, "bad key") and record.ended_by is EndedBy.PROVIDER


async def test_fake_provider_without_a_fault_is_a_healthy_provider(voicectl_fake_provider) -> None:
    server = await voicectl_fake_provider("generic")
    async with connect(server.target_url) as ws:
        await ws.send(b"\x00" * 640)
    await asyncio.sleep(0.05)
    (record,) = server.log.records()
    assert record.fault_at is None and record.ended_by is EndedBy.TARGET


async def test_fake_provider_rejects_an_unknown_fault(voicectl_fake_provider) -> None:
    from voicectl.errors import InputError

    with pytest.raises(InputError, match="unknown fault 'ws-explode'"):
        await voicectl_fake_provider("generic", "ws-explode")


@pytest.mark.slow
@pytest.mark.voicectl_bot(sample_rate=8000)
async def test_reference_bot_answers_a_real_time_call(
    voicectl_reference_bot, voicectl_call
) -> None:
    assert voicectl_reference_bot.config.sample_rate == 8000
    outcome = await voicectl_call(voicectl_reference_bot.url, "order_status", seconds=8)
    assert outcome.ok, outcome.error
    assert not outcome.fast
    (turn,) = outcome.turns  # only the first utterance ends within 8 s
    assert turn.answered, outcome
    assert outcome.media_received > 0


@pytest.mark.slow
@pytest.mark.voicectl_bot(variant="hang-on-hangup", reply_secs=0.3)
async def test_bot_marker_configures_a_known_bad_variant(voicectl_reference_bot) -> None:
    from voicectl.bot.pipeline import BotVariant

    assert voicectl_reference_bot.config.variant is BotVariant.HANG_ON_HANGUP
    assert voicectl_reference_bot.config.reply_secs == 0.3
    assert voicectl_reference_bot.url.startswith("ws://127.0.0.1:")


async def test_call_helper_rejects_unknown_recordings_and_empty_cuts(voicectl_call) -> None:
    with pytest.raises(ValueError, match="no bundled call 'nope'"):
        await voicectl_call("ws://127.0.0.1:9/ws", "nope")
    with pytest.raises(ValueError, match="no utterance of order_status ends within the first 1 s"):
        await voicectl_call("ws://127.0.0.1:9/ws", "order_status", seconds=1)


async def test_call_helper_reports_a_bot_that_is_not_there(voicectl_call) -> None:
    outcome = await voicectl_call("ws://127.0.0.1:9/ws", "order_status", seconds=5)
    assert not outcome.ok and outcome.error


def test_cli_helper_returns_the_commands_report(voicectl_cli) -> None:
    report = voicectl_cli("resample-check", "--rates", "8000,16000", "--resamplers", "soxr-vhq")
    assert report.command == "resample-check"
    assert_report_passes(report)  # warnings do not fail unless strict
    with pytest.raises(AssertionError, match=r"WARN resample\.latency"):
        assert_report_passes(report, strict=True)


def test_cli_helper_fails_the_test_on_a_usage_error(voicectl_cli) -> None:
    with pytest.raises(pytest.fail.Exception, match="exited with code 2 and wrote no report"):
        voicectl_cli("chaos", "ws-close", "--code", "1005")


def _report(*checks: Check, harness_error: str | None = None) -> Report:
    report = Report("chaos ws-close", checks=list(checks), harness_error=harness_error)
    report.finish()
    return report


FAILED = Check(
    "close.not_retried",
    "a non-recoverable failure is not retried",
    Verdict.FAIL,
    "1 connection",
    "3 connections in 0.03 s",
    "Pipecat has no close-code policy",
)
PASSED = Check("error.surfaced", "surfaced", Verdict.PASS, "an error", "an error")


def test_assert_report_passes_lists_expected_and_observed_of_every_failure() -> None:
    with pytest.raises(AssertionError) as info:
        assert_report_passes(_report(PASSED, FAILED))
    assert str(info.value).splitlines() == [
        "voicectl chaos ws-close: 1 problem(s) (2 checks judged)",
        "FAIL close.not_retried: a non-recoverable failure is not retried",
        "    expected: 1 connection",
        "    observed: 3 connections in 0.03 s",
        "    detail:   Pipecat has no close-code policy",
    ]


def test_assert_report_passes_accepts_a_passing_report_and_allowed_failures() -> None:
    assert_report_passes(_report(PASSED))
    assert_report_passes(_report(PASSED, FAILED), allow=["close.not_retried"])


def test_a_harness_error_is_a_failure_even_without_failing_checks() -> None:
    assert report_failures(_report(PASSED, harness_error="port in use")) == [
        "harness error: port in use"
    ]


def test_a_report_that_judged_no_check_never_passes() -> None:
    assert report_failures(_report()) == ["no check was judged: the run tested nothing"]
    with pytest.raises(AssertionError, match="tested nothing"):
        assert_report_passes(_report())


def test_assert_report_passes_reads_a_saved_json_report(tmp_path: Path) -> None:
    from voicectl.report import write_json

    path = write_json(_report(FAILED), tmp_path / "r.json")
    with pytest.raises(AssertionError, match=r"FAIL close\.not_retried"):
        assert_report_passes(path)
    assert_report_passes(write_json(_report(PASSED), tmp_path / "ok.json"))


def test_fake_providers_are_stopped_and_a_misspelt_bot_marker_is_named(tmp_path: Path) -> None:
    """The factory's servers close with the test; a bad marker fails with a readable message."""
    inner = tmp_path / "test_inner.py"
    inner.write_text(
        "import pytest, socket\n"
        "PORTS = []\n"
        "@pytest.mark.asyncio\n"
        "async def test_start(voicectl_fake_provider):\n"
        "    server = await voicectl_fake_provider('generic')\n"
        "    PORTS.append(server.port)\n"
        "def test_stopped():\n"
        "    with socket.socket() as sock:\n"
        "        assert sock.connect_ex(('127.0.0.1', PORTS[0])) != 0\n"
        "@pytest.mark.asyncio\n"
        "@pytest.mark.voicectl_bot(sample_rat=8000)\n"
        "async def test_misspelt_marker(voicectl_reference_bot):\n"
        "    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(inner)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert "2 passed" in summary and "1 error" in summary, result.stdout + result.stderr
    assert "@pytest.mark.voicectl_bot: " in result.stdout
    assert "unexpected keyword argument 'sample_rat'" in result.stdout


async def test_fakes_fixture_serves_named_fakes_with_faults_and_stops_them(voicectl_fakes) -> None:
    import openai

    fakes = await voicectl_fakes(
        "openai", "deepgram:backup", faults=["openai=llm-error:500#first"], seed=1
    )
    assert set(fakes.env) == {"OPENAI_BASE_URL", "DEEPGRAM_BACKUP_BASE_URL"}
    client = openai.AsyncOpenAI(base_url=fakes.env["OPENAI_BASE_URL"], api_key="k", max_retries=0)
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    answer = await client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    assert answer.choices[0].finish_reason == "stop"
    assert [r.status for r in fakes["openai"].log.records()] == [500, 200]
    await client.close()


async def test_fakes_fixture_rejects_a_fault_for_a_fake_not_started(voicectl_fakes) -> None:
    from voicectl.errors import InputError

    with pytest.raises(InputError, match="not started"):
        await voicectl_fakes("deepgram", faults=["openai=llm-stall"])
