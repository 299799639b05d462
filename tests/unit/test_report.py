"""Reports: JSON shape and atomic writes, redaction, JUnit, Markdown and console rendering."""

from __future__ import annotations

import io
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import voicectl
from voicectl.errors import InputError
from voicectl.report import (
    Check,
    Event,
    ExitCode,
    Report,
    RunVerdict,
    Verdict,
    check,
    load_json,
    redact,
    redact_value,
    render_console,
    render_junit,
    render_markdown,
    render_verdict_line,
    report_to_json,
    unique_case_names,
    write_json,
    write_junit,
    write_markdown,
)

ANSI = re.compile(r"\x1b\[")


def make_check(verdict: Verdict, id: str = "replay.bot_answered", **kwargs: Any) -> Check:
    fields = {
        "title": "Bot answered",
        "expected": "an answer within 3 s",
        "observed": "answered after 1.2 s",
        "detail": "",
    }
    fields.update(kwargs)
    return Check(
        id, fields["title"], verdict, fields["expected"], fields["observed"], fields["detail"]
    )


def make_report(*verdicts: Verdict, command: str = "replay", **kwargs: Any) -> Report:
    report = Report(command, duration_s=12.34, **kwargs)
    for i, verdict in enumerate(verdicts):
        report.add_check(make_check(verdict, id=f"check.{i}", title=f"Check {i}"))
    return report


def sample_report() -> Report:
    report = Report(
        "replay",
        args={"audio": ["call.wav"], "url": "wss://bot.example/ws?token=s3cr3t", "rates": (8000,)},
        duration_s=12.34,
    )
    report.add_check(
        check("replay.bot_answered", "Bot answered", True, "an answer within 3 s", "after 1.24 s")
    )
    report.add_check(
        check(
            "replay.rate_consistency",
            "Same transcript at every rate",
            False,
            "identical transcripts",
            "8 kHz transcript differs",
            detail="expected 'hello world', got 'hallo'",
            wer=0.5,
        )
    )
    report.add_table("Latency per rate", ["rate", "p50 ms"], [[8000, 512.25], [16000, math.nan]])
    report.metrics.update({"latency_ms": {"p50": 512.25, "p99": math.inf}, "calls": 2})
    report.log("carrier", "connected", t=0.0, stream_sid="MZ123")
    report.log("bot", "media", t=0.02, frames=np.int64(3), level=np.float32(0.5))
    return report


# --- JSON -----------------------------------------------------------------------------------


def test_json_has_every_key_design_requires() -> None:
    data = report_to_json(sample_report())

    assert data["schema_version"] == 1
    assert data["tool"] == {"name": "voicectl", "version": voicectl.__version__}
    assert set(data["environment"]) == {"python", "pipecat", "websockets", "platform"}
    assert isinstance(data["environment"]["python"], str)
    assert data["command"] == "replay"
    assert isinstance(data["args"], dict)
    assert isinstance(data["started_at"], str)
    assert data["duration_s"] == pytest.approx(12.34)
    assert data["verdict"] == "fail"
    assert data["exit_code"] == 1
    assert data["counts"] == {"pass": 1, "fail": 1, "warn": 0, "skip": 0, "error": 0}
    for item in data["checks"]:
        assert set(item) == {"id", "title", "verdict", "expected", "observed", "detail", "metrics"}
        assert item["verdict"] in {"pass", "fail", "warn", "skip", "error"}
    for event in data["events"]:
        assert isinstance(event["t"], float)
        assert {"source", "kind"} <= set(event)
    assert data["tables"][0]["columns"] == ["rate", "p50 ms"]
    assert "harness_error" not in data
    assert "interrupted" not in data
    json.dumps(data, allow_nan=False)


def test_json_environment_is_none_for_a_missing_package() -> None:
    from voicectl.report import jsonreport

    assert jsonreport._package_version("surely-not-an-installed-package-xyz") is None


@pytest.mark.parametrize(
    ("verdicts", "kwargs", "verdict", "exit_code"),
    [
        ([Verdict.PASS, Verdict.PASS], {}, RunVerdict.PASS, ExitCode.OK),
        ([], {}, RunVerdict.ERROR, ExitCode.HARNESS),
        ([Verdict.SKIP], {}, RunVerdict.ERROR, ExitCode.HARNESS),
        ([Verdict.PASS, Verdict.FAIL], {}, RunVerdict.FAIL, ExitCode.CHECK_FAILED),
        ([Verdict.PASS, Verdict.WARN, Verdict.SKIP], {}, RunVerdict.PASS, ExitCode.OK),
        ([Verdict.WARN], {"strict": True}, RunVerdict.FAIL, ExitCode.CHECK_FAILED),
        ([Verdict.FAIL, Verdict.ERROR], {}, RunVerdict.ERROR, ExitCode.HARNESS),
        ([Verdict.PASS], {"harness_error": "port in use"}, RunVerdict.ERROR, ExitCode.HARNESS),
        ([Verdict.PASS], {"interrupted": True}, RunVerdict.ERROR, ExitCode.INTERRUPTED),
    ],
)
def test_json_verdict_and_exit_code(
    verdicts: list[Verdict], kwargs: dict[str, Any], verdict: RunVerdict, exit_code: ExitCode
) -> None:
    data = report_to_json(make_report(*verdicts, **kwargs))

    assert data["verdict"] == verdict.value
    assert data["exit_code"] == exit_code
    if "harness_error" in kwargs:
        assert data["harness_error"] == "port in use"
    if "interrupted" in kwargs:
        assert data["interrupted"] is True


def test_json_nan_and_inf_become_null() -> None:
    data = report_to_json(sample_report())

    assert data["metrics"]["latency_ms"]["p99"] is None
    assert data["tables"][0]["rows"][1] == [16000, None]
    report = make_report(Verdict.PASS)
    report.checks[0].metrics["snr_db"] = float("nan")
    assert report_to_json(report)["checks"][0]["metrics"]["snr_db"] is None


def test_json_numpy_values_become_plain_numbers() -> None:
    report = make_report()
    report.metrics["curve"] = np.array([1.0, np.nan])
    data = report_to_json(sample_report())

    assert data["events"][1]["frames"] == 3
    assert data["events"][1]["level"] == 0.5
    assert report_to_json(report)["metrics"]["curve"] == [1.0, None]


def test_json_event_data_cannot_shadow_event_fields() -> None:
    report = make_report()
    report.events.append(Event(1.5, "fake", "close", {"kind": "shadow", "code": 1008}))

    event = report_to_json(report)["events"][0]

    assert (event["kind"], event["data_kind"], event["code"]) == ("close", "shadow", 1008)


def test_json_redacts_args_checks_and_events() -> None:
    report = make_report()
    report.args["url"] = "wss://api.example.com/v1?api_key=sk-live-123&model=nova"
    report.args["api_key"] = "sk-live-123"
    report.add_check(
        make_check(Verdict.FAIL, observed="401 with Authorization: Bearer sk-live-123")
    )
    report.log("provider", "connect", t=0.1, url="wss://user:sk-live-123@host/ws")
    report.harness_error = "handshake failed for ?token=sk-live-123"

    text = json.dumps(report_to_json(report))

    assert "sk-live-123" not in text
    assert "model=nova" in text


def test_write_json_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"

    write_json(sample_report(), path)
    write_json(sample_report(), path)

    assert os.listdir(tmp_path) == ["report.json"]
    assert json.loads(path.read_text())["schema_version"] == 1


def test_write_json_coerces_unknown_objects_with_str(tmp_path: Path) -> None:
    class Opaque:
        def __str__(self) -> str:
            return "<opaque thing>"

    report = make_report(Verdict.PASS)
    report.metrics["thing"] = Opaque()
    report.metrics["raw"] = b"\x00\x01"
    path = write_json(report, tmp_path / "report.json")

    data = json.loads(path.read_text())
    assert data["metrics"]["thing"] == "<opaque thing>"
    assert data["metrics"]["raw"] == "<2 bytes>"


def test_write_json_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.json"
    write_json(make_report(Verdict.PASS), path)
    before = path.read_text()

    def broken_dump(*args: Any, **kwargs: Any) -> None:
        args[1].write('{"half": ')
        raise RuntimeError("serialisation blew up")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(RuntimeError, match="blew up"):
        write_json(make_report(Verdict.FAIL), path)

    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["report.json"]


def test_write_json_to_an_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(InputError, match="cannot write JSON report"):
        write_json(make_report(), blocker / "report.json")


def test_write_json_creates_missing_directories(tmp_path: Path) -> None:
    path = write_json(make_report(), tmp_path / "out" / "nested" / "report.json")

    assert path.exists()


def test_load_json_round_trips(tmp_path: Path) -> None:
    report = sample_report()
    report.strict = True
    report.harness_error = "bot crashed"
    report.add_check(make_check(Verdict.WARN, id="reconnect.backoff"))
    path = write_json(report, tmp_path / "report.json")

    loaded = load_json(path)

    assert report_to_json(loaded) == json.loads(path.read_text())
    assert loaded.verdict is report.verdict
    assert loaded.exit_code is report.exit_code
    assert loaded.checks[1].detail == "expected 'hello world', got 'hallo'"
    assert loaded.events[1].data == {"frames": 3, "level": 0.5}


def test_events_carry_their_clock_through_json() -> None:
    report = Report("replay")
    report.log("harness", "bot_started")
    report.log("call:order_status", "utterance", t=1.5, clock="call", end=3.0)
    events = report_to_json(report)["events"]
    assert [(e["source"], e["clock"]) for e in events] == [
        ("harness", "run"),
        ("call:order_status", "call"),
    ]


def test_a_call_clock_event_needs_its_time() -> None:
    with pytest.raises(ValueError, match="needs its time"):
        Report("replay").log("call:x", "utterance", clock="call")


def test_load_json_reads_the_clock_and_takes_the_run_clock_for_older_reports(
    tmp_path: Path,
) -> None:
    report = Report("replay")
    report.log("call:x", "utterance", t=1.5, clock="call")
    report.log("harness", "note", t=0.1)
    data = report_to_json(report)
    del data["events"][1]["clock"]  # as written before events had a clock
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    loaded = load_json(path)
    assert [e.clock for e in loaded.events] == ["call", "run"]
    data["events"][0]["clock"] = "wall"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="event clock must be 'run' or 'call', got 'wall'"):
        load_json(path)


def test_load_json_keeps_the_recorded_environment(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    data = report_to_json(make_report(Verdict.PASS))
    data["tool"]["version"] = "0.0.9"
    data["environment"]["pipecat"] = "0.0.1"
    path.write_text(json.dumps(data))

    again = report_to_json(load_json(path))

    assert again["tool"]["version"] == "0.0.9"
    assert again["environment"]["pipecat"] == "0.0.1"


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        "[1, 2, 3]",
        '{"schema_version": 2, "command": "replay", "started_at": "x"}',
        '{"schema_version": 1, "started_at": "x"}',
        '{"schema_version": 1, "command": "replay", "started_at": "x", "checks": [{"id": 1}]}',
        '{"schema_version": 1, "command": "r", "started_at": "x", '
        '"checks": [{"id": "a", "verdict": "maybe"}]}',
        "\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
    ],
)
def test_load_json_on_garbage_is_a_one_line_input_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(content.encode("latin-1", "replace"))

    with pytest.raises(InputError) as caught:
        load_json(path)

    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message


def test_load_json_on_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read report"):
        load_json(tmp_path / "missing.json")


# --- redact ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wss://api.x.com/v1?api_key=sk-123&model=a", "wss://api.x.com/v1?api_key=***&model=a"),
        ("wss://api.x.com/v1?model=a&key=abc", "wss://api.x.com/v1?model=a&key=***"),
        ("https://h/p?access_token=abc#frag", "https://h/p?access_token=***#frag"),
        ("https://h/p?token=abc&auth=def", "https://h/p?token=***&auth=***"),
        ("https://h/p?xi-api-key=abc", "https://h/p?xi-api-key=***"),
        ("wss://h/p?session_token=abc", "wss://h/p?session_token=***"),
        ("Authorization: Bearer eyJ.abc.def", "Authorization: Bearer ***"),
        ("authorization: Token dg-123", "authorization: Token ***"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
        ("{'Authorization': 'Bearer abc'}", "{'Authorization': '***'}"),
        ("X-Api-Key: abc123", "X-Api-Key: ***"),
        ("failed with bearer abc123", "failed with bearer ***"),
        ("wss://user:pa55@host:8080/ws", "wss://***@host:8080/ws"),
        ("https://tok3n@host/path", "https://***@host/path"),
        ('{"api_key": "sk-1", "model": "x"}', '{"api_key": "***", "model": "x"}'),
    ],
)
def test_redact_masks_secrets(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "wss://127.0.0.1:8765/ws?sample_rate=8000&encoding=mulaw",
        "monkey=3 keyboard=4 max_tokens=100",
        "close code 1008 (invalid api key)",
        "user@example.com wrote in",
        "https://example.com/path/@handle",
        "Token limit reached",
        "",
    ],
)
def test_redact_leaves_non_secrets_untouched(text: str) -> None:
    assert redact(text) == text


def test_redact_value_masks_secret_named_fields_and_nested_strings() -> None:
    value = {"api_key": "sk-1", "token": "t", "nested": [{"url": "h://a?key=k"}], "n": 3}

    assert redact_value(value) == {
        "api_key": "***",
        "token": "***",
        "nested": [{"url": "h://a?key=***"}],
        "n": 3,
    }


# --- JUnit ----------------------------------------------------------------------------------


def parse_junit(report: Report) -> ET.Element:
    root = ET.fromstring(render_junit(report))
    suite = root.find("testsuite")
    assert suite is not None
    return suite


def test_junit_has_one_testcase_per_check() -> None:
    report = make_report(Verdict.PASS, Verdict.FAIL, Verdict.FAIL, Verdict.SKIP, Verdict.WARN)

    suite = parse_junit(report)
    cases = suite.findall("testcase")

    assert suite.get("name") == "voicectl.replay"
    assert [c.get("name") for c in cases] == [f"check.{i}" for i in range(5)]
    assert all(c.get("classname") == "voicectl.replay" for c in cases)
    assert suite.get("tests") == "5"
    assert suite.get("failures") == "2"
    assert suite.get("errors") == "0"
    assert suite.get("skipped") == "1"
    assert len(suite.findall("testcase/failure")) == 2
    assert len(suite.findall("testcase/skipped")) == 1


def test_junit_failure_carries_expected_observed_and_detail() -> None:
    report = make_report()
    report.add_check(make_check(Verdict.FAIL, observed="3 reconnects", detail="at 0.1, 0.2 s"))

    failure = parse_junit(report).find("testcase/failure")

    assert failure is not None
    assert failure.get("type") == "fail"
    assert failure.get("message") == "3 reconnects"
    assert "expected: an answer within 3 s" in (failure.text or "")
    assert "detail: at 0.1, 0.2 s" in (failure.text or "")


def test_junit_error_check_becomes_error() -> None:
    suite = parse_junit(make_report(Verdict.PASS, Verdict.ERROR))

    assert suite.get("errors") == "1"
    assert len(suite.findall("testcase/error")) == 1


def test_junit_warn_passes_unless_strict() -> None:
    lenient = parse_junit(make_report(Verdict.WARN))
    strict = parse_junit(make_report(Verdict.WARN, strict=True))

    assert lenient.get("failures") == "0"
    assert "verdict: warn" in (lenient.findtext("testcase/system-out") or "")
    assert strict.get("failures") == "1"
    failure = strict.find("testcase/failure")
    assert failure is not None and failure.get("type") == "warn"


@pytest.mark.parametrize("kwargs", [{"harness_error": "port 8765 in use"}, {"interrupted": True}])
def test_junit_harness_error_or_interrupt_adds_a_harness_testcase(kwargs: dict[str, Any]) -> None:
    suite = parse_junit(make_report(Verdict.PASS, **kwargs))

    harness = [c for c in suite.findall("testcase") if c.get("name") == "harness"]
    assert len(harness) == 1
    assert harness[0].find("error") is not None
    assert suite.get("tests") == "2"
    assert suite.get("errors") == "1"


def test_junit_duplicate_ids_get_unique_names() -> None:
    report = make_report()
    for rate in (8000, 16000, 16000):
        report.add_check(make_check(Verdict.PASS, id="replay.rate", title=f"at {rate} Hz"))
    report.add_check(make_check(Verdict.PASS, id="other"))

    names = [c.get("name") for c in parse_junit(report).findall("testcase")]

    assert names == [
        "replay.rate [at 8000 Hz]",
        "replay.rate [at 16000 Hz]",
        "replay.rate [at 16000 Hz] #2",
        "other",
    ]


def test_case_names_avoid_reserved_names() -> None:
    assert unique_case_names([make_check(Verdict.PASS, id="harness")], reserved={"harness"}) == [
        "harness #2"
    ]


def test_junit_escapes_markup_and_control_characters() -> None:
    report = make_report()
    report.add_check(
        make_check(Verdict.FAIL, id='a<b>&"c"', observed="\x1b[31mred\x00 </failure> ]]>")
    )

    failure = parse_junit(report).find("testcase/failure")

    assert failure is not None
    assert failure.get("message") == "\\x1b[31mred\\x00 </failure> ]]>"


def test_junit_redacts_secrets() -> None:
    report = make_report()
    report.add_check(make_check(Verdict.FAIL, observed="GET /v1?api_key=sk-9 -> 401"))

    assert "sk-9" not in render_junit(report)


def test_write_junit_is_atomic(tmp_path: Path) -> None:
    path = write_junit(make_report(Verdict.PASS), tmp_path / "junit.xml")

    assert os.listdir(tmp_path) == ["junit.xml"]
    assert ET.parse(path).getroot().tag == "testsuites"


@given(
    verdicts=st.lists(st.sampled_from(list(Verdict)), max_size=8),
    strict=st.booleans(),
    harness_error=st.none() | st.text(max_size=20),
    interrupted=st.booleans(),
)
def test_junit_is_never_greener_than_the_exit_code(
    verdicts: list[Verdict], strict: bool, harness_error: str | None, interrupted: bool
) -> None:
    report = Report("chaos", strict=strict, harness_error=harness_error, interrupted=interrupted)
    for verdict in verdicts:
        report.add_check(make_check(verdict, id="same.id"))

    suite = parse_junit(report)
    bad = int(suite.get("failures", "0")) + int(suite.get("errors", "0"))

    assert bad == len(suite.findall("testcase/failure")) + len(suite.findall("testcase/error"))
    if report.exit_code != ExitCode.OK:
        assert bad > 0
    else:
        assert bad == 0
    names = [c.get("name") for c in suite.findall("testcase")]
    assert len(names) == len(set(names))


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_headline_table_and_metrics() -> None:
    passing = make_report(*[Verdict.PASS] * 5)
    passing.metrics["latency_ms"] = {"p50": 512.25}

    text = render_markdown(passing)

    assert text.splitlines()[0] == "**voicectl replay: PASS** (5 checks: 5 pass)"
    assert "| Verdict | Check | Expected | Observed |" in text
    assert "| pass | `check.0` | an answer within 3 s | answered after 1.2 s |" in text
    assert "latency\\_ms.p50 | 512.25" in text


def test_markdown_shows_failures_tables_and_harness_errors() -> None:
    text = render_markdown(sample_report())

    assert text.startswith("**voicectl replay: FAIL** (2 checks: 1 pass, 1 fail)")
    assert "| **fail** | `replay.rate_consistency` |" in text
    assert "expected 'hello world', got 'hallo'" in text
    assert "#### Latency per rate" in text
    assert "| 16000 | n/a |" in text
    assert "s3cr3t" not in text

    broken = make_report(harness_error="bot did not start | port 8765 in use")
    assert render_markdown(broken).startswith(
        "**voicectl replay: ERROR** (harness error: bot did not start \\| port 8765 in use)"
    )


def test_write_markdown_appends(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("# Earlier step\n")

    write_markdown(make_report(Verdict.PASS), path)
    write_markdown(make_report(Verdict.FAIL), path)

    text = path.read_text()
    assert text.startswith("# Earlier step\n")
    assert "**voicectl replay: PASS**" in text and "**voicectl replay: FAIL**" in text

    write_markdown(make_report(Verdict.PASS), path, append=False)
    assert "Earlier step" not in path.read_text()


# --- Console --------------------------------------------------------------------------------


def render_text(report: Report, *, verbose: bool = False) -> str:
    console = Console(file=io.StringIO(), record=True, width=100, force_terminal=False)
    render_console(report, console, verbose=verbose)
    return console.export_text()


@pytest.mark.parametrize(
    ("report", "line"),
    [
        (make_report(*[Verdict.PASS] * 5), "PASS  voicectl replay  5/5 checks passed in 12.3 s"),
        (
            make_report(Verdict.PASS, Verdict.WARN, Verdict.SKIP),
            "PASS  voicectl replay  1/3 checks passed (1 warning, 1 skipped) in 12.3 s",
        ),
        (
            make_report(Verdict.PASS, Verdict.FAIL),
            "FAIL  voicectl replay  1 failed: check.1; 1/2 passed in 12.3 s",
        ),
        (
            make_report(Verdict.WARN, strict=True),
            "FAIL  voicectl replay  1 failed: check.0; 0/1 passed in 12.3 s",
        ),
        (
            make_report(Verdict.ERROR, Verdict.FAIL),
            "ERROR voicectl replay  1 errored: check.0; 1 failed: check.1; 0/2 passed in 12.3 s",
        ),
        (
            make_report(Verdict.PASS, harness_error="port 8765 in use\ntraceback..."),
            "ERROR voicectl replay  harness error: port 8765 in use",
        ),
        (
            make_report(Verdict.PASS, interrupted=True),
            "ERROR voicectl replay  interrupted after 12.3 s; 1 check: 1 pass",
        ),
        (
            make_report(command="load"),
            "ERROR voicectl load  no check was judged: nothing was tested, in 12.3 s",
        ),
        (
            make_report(Verdict.SKIP, Verdict.SKIP),
            "ERROR voicectl replay  no check was judged (2 skipped): nothing was tested, in 12.3 s",
        ),
    ],
)
def test_verdict_line(report: Report, line: str) -> None:
    assert render_verdict_line(report) == line
    assert render_text(report).splitlines()[0] == line


def test_verdict_line_lists_at_most_three_failing_ids() -> None:
    line = render_verdict_line(make_report(*[Verdict.FAIL] * 5))

    assert "5 failed: check.0, check.1, check.2 +2 more" in line


def test_console_shows_checks_details_tables_and_metrics() -> None:
    text = render_text(sample_report())

    assert text.splitlines()[0].startswith("FAIL  voicectl replay  1 failed")
    for expected in (
        "replay.rate_consistency",
        "8 kHz transcript differs",
        "'hallo'",
        "Latency per rate",
        "512.25",
        "Key metrics",
        "latency_ms.p50",
    ):
        assert expected in text
    assert "Events" not in text


def test_console_puts_failures_first_in_full_and_passes_on_one_line_each() -> None:
    report = make_report(Verdict.PASS, Verdict.PASS)
    long_id = "carrier_close.non-recoverable-close-1008.bot_released_call"
    report.add_check(
        make_check(Verdict.FAIL, id=long_id, observed="no close in 10.0 s " * 8, detail="why")
    )
    report.add_check(make_check(Verdict.ERROR, id="interrupt.clear_sent", observed="not exercised"))
    lines = render_text(report).splitlines()

    assert lines[1].startswith("ERROR interrupt.clear_sent")
    assert lines[2].split() == ["expected:", "an", "answer", "within", "3", "s"]
    failed = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL  {long_id}"))
    assert lines[failed + 2].lstrip().startswith("observed: " + "no close in 10.0 s " * 2)
    assert len(lines[failed + 2]) > 100  # never cut or folded at the console width
    assert lines[failed + 3].lstrip() == "detail:   why"
    passes = [line for line in lines if line.startswith("PASS  ")]
    assert [line.split()[1] for line in passes] == ["check.0", "check.1"]
    assert lines.index(passes[0]) > failed


def test_console_leaves_long_tables_to_verbose() -> None:
    report = sample_report()
    report.add_table("Turns", ["turn"], [[i] for i in range(40)])

    assert "Not shown: Turns (40 rows); see them with -v, --html or --markdown." in render_text(
        report
    )
    assert "Not shown" not in render_text(report, verbose=True)


def test_console_verbose_shows_the_event_journal() -> None:
    report = sample_report()
    for i in range(250):
        report.log("carrier", "media", t=0.02 * i, seq=i)

    text = render_text(report, verbose=True)

    assert "Events (first 200 of 252)" in text
    assert "stream_sid=MZ123" in text
    assert "... 52 more events" in text


def test_console_treats_user_text_as_text_not_markup() -> None:
    report = make_report()
    report.add_check(make_check(Verdict.FAIL, observed="[bold]not markup[/bold] :smile:"))

    assert "[bold]not markup[/bold] :smile:" in render_text(report)


def test_console_redacts_secrets() -> None:
    report = make_report()
    report.add_check(make_check(Verdict.FAIL, observed="wss://h/?api_key=sk-7 closed 1008"))
    report.log("provider", "connect", t=0.0, url="wss://u:sk-7@h/")

    assert "sk-7" not in render_text(report, verbose=True)


def test_console_colours_the_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="standard")

    render_console(sample_report(), console)

    assert ANSI.search(out.getvalue())


def test_console_honours_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="standard")

    render_console(sample_report(), console, verbose=True)

    assert not ANSI.search(out.getvalue())
    assert out.getvalue().startswith("FAIL  voicectl replay")


def test_console_and_markdown_show_a_multi_line_harness_error_in_full() -> None:
    report = make_report(harness_error="bot did not start\nTraceback (most recent call last): boom")

    text = render_text(report)
    markdown = render_markdown(report)

    assert text.splitlines()[:2] == [
        "ERROR voicectl replay  harness error: bot did not start",
        "Traceback (most recent call last): boom",
    ]
    assert "```text\nbot did not start\nTraceback (most recent call last): boom\n```" in markdown


def test_a_run_that_judged_no_check_is_an_error_never_a_pass() -> None:
    for report in (make_report(), make_report(Verdict.SKIP)):
        assert report.verdict is RunVerdict.ERROR
        assert report.exit_code is ExitCode.HARNESS
    assert make_report(Verdict.SKIP, Verdict.PASS).verdict is RunVerdict.PASS
