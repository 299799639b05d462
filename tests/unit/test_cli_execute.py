"""Every command's run wrapper: exit codes, reports written on every ending, no tracebacks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import typer

from voicectl.cli import main
from voicectl.cli.common import Outputs, execute
from voicectl.errors import InputError
from voicectl.report.model import Report, check


def _execute(tmp_path: Path, work: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    report = Report("replay")
    with pytest.raises(typer.Exit) as exited:
        execute(report, Outputs(json=out, quiet=True, **kwargs), work, status=False)
    return exited.value.exit_code, json.loads(out.read_text())


def test_an_input_error_found_mid_run_still_writes_the_report_and_exits_2(
    tmp_path: Path,
) -> None:
    async def work(report: Report) -> None:
        report.add_check(check("replay.bot_answered", "t", True, "e", "o"))
        raise InputError("the bot asked for a file that does not exist: x.wav")

    code, data = _execute(tmp_path, work)
    assert code == 2
    assert data["exit_code"] == 2 and data["usage_error"] is True
    assert (
        data["harness_error"] == "input error: the bot asked for a file that does not exist: x.wav"
    )
    assert [c["id"] for c in data["checks"]] == ["replay.bot_answered"]


def test_a_timeout_inside_the_run_is_not_reported_as_the_run_deadline(tmp_path: Path) -> None:
    async def work(report: Report) -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(1)

    code, data = _execute(tmp_path, work, timeout_s=30)
    assert code == 3
    assert data["harness_error"].startswith(
        "a step of the run timed out (not --timeout): TimeoutError"
    )
    assert "--timeout 30" not in data["harness_error"]


def test_the_run_deadline_is_reported_as_timeout(tmp_path: Path) -> None:
    async def work(report: Report) -> None:
        await asyncio.sleep(5)

    code, data = _execute(tmp_path, work, timeout_s=1)
    assert code == 3
    assert data["harness_error"] == "run did not finish within --timeout 1 s"


def test_a_bug_in_the_run_is_a_harness_error_with_its_traceback_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECTL_TRACEBACK_DIR", str(tmp_path / "tb"))
    monkeypatch.delenv("VOICECTL_DEBUG", raising=False)

    async def work(report: Report) -> None:
        raise ValueError("boom")

    code, data = _execute(tmp_path, work)
    assert code == 3
    assert data["harness_error"].startswith("ValueError: boom at test_cli_execute.py:")
    saved = Path(data["harness_error"].rpartition("traceback saved to ")[2])
    assert saved.parent == tmp_path / "tb" and "raise ValueError" in saved.read_text()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/report.json", "does not exist"),
        ("", "is a directory"),
    ],
)
def test_an_unwritable_report_path_is_a_usage_error_before_the_run(
    tmp_path: Path, name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = []

    async def work(report: Report) -> None:
        ran.append(True)

    with pytest.raises(typer.Exit) as exited:
        execute(Report("replay"), Outputs(json=tmp_path / name, quiet=True), work, status=False)
    assert exited.value.exit_code == 2 and not ran
    err = capsys.readouterr().err
    assert err.startswith("error: --json ") and message in err


def test_a_bug_outside_the_run_prints_one_line_and_where_the_traceback_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOICECTL_TRACEBACK_DIR", str(tmp_path))

    def broken(**kwargs: Any) -> None:
        raise KeyError("rates")

    monkeypatch.setattr(main, "app", broken)
    with pytest.raises(SystemExit) as exited:
        main.run()
    assert exited.value.code == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("error: voicectl failed unexpectedly (KeyError: 'rates')")
    saved = Path(err.rpartition("full traceback saved to ")[2])
    assert "Traceback" in saved.read_text()
