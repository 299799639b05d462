"""The bot under test without processes: its command, fakes, faults and the inside view's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicectl.cli.bot_options import bot_under_test
from voicectl.errors import InputError
from voicectl.sut.command import BotCommand
from voicectl.sut.inside import InsideEvent, InsideView, parse_event


def test_bot_command_is_split_without_a_shell_and_filled_in() -> None:
    command = BotCommand.parse("python 'my bot.py' -t twilio --port {port} --rate={rate} ; rm x")
    assert command.uses_rate
    assert command.render(port=8765, rate=16000) == [
        "python",
        "my bot.py",
        "-t",
        "twilio",
        "--port",
        "8765",
        "--rate=16000",
        ";",
        "rm",
        "x",
    ]


def test_bot_command_without_port_is_rejected() -> None:
    with pytest.raises(InputError, match=r"needs \{port\}"):
        BotCommand.parse("python bot.py -t twilio")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("python bot.py --port {port} --key {api_key}", r"unknown placeholder \{api_key\}"),
        ("python bot.py --port {port:d}", r"unknown placeholder \{port\}"),
        ("python 'bot.py --port {port}", "No closing quotation"),
        ("   ", "is empty"),
        ("python bot.py --port {port} {", "Single '{'"),
    ],
)
def test_bad_bot_command_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        BotCommand.parse(text)


def test_literal_braces_stay_braces() -> None:
    command = BotCommand.parse("python -c 'print({{}})' {port}")
    assert command.render(port=1) == ["python", "-c", "print({})", "1"]
    assert not command.uses_rate


@pytest.mark.parametrize(
    ("fakes", "faults", "message"),
    [
        (["nope"], [], "unknown provider 'nope'"),
        (["deepgram"], ["deepgram:backup=ws-close:1008@8s"], "which is not started"),
        ([], ["deepgram=ws-close:1008@8s"], "--fault needs the --fake"),
        (["deepgram", "deepgram"], [], "two fakes are named 'deepgram'"),
        (["deepgram"], ["deepgram=teleport:3"], "unknown fault 'teleport'"),
    ],
)
def test_bad_fakes_and_faults_are_usage_errors_before_anything_runs(
    fakes: list[str], faults: list[str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        bot_under_test("python bot.py --port {port}", fakes, faults)


def test_fakes_without_a_bot_point_to_voicectl_fakes() -> None:
    with pytest.raises(InputError, match="'voicectl fakes' serves fakes"):
        bot_under_test(None, ["deepgram"], None)
    assert bot_under_test(None, None, None) is None


def test_the_bot_log_lands_beside_the_report(tmp_path: Path) -> None:
    bot = bot_under_test(
        "python bot.py --port {port}",
        ["deepgram", "deepgram:backup"],
        None,
        report_path=tmp_path / "out.json",
    )
    assert bot.log_path(None) == tmp_path / "out.bot.log"
    assert bot.log_path(16000) == tmp_path / "out.bot-16000.log"
    assert bot.fakes_plan(["hello"]).utterances == ("hello",)
    assert bot.fakes_plan(["hello"]).speed == 1.0
    assert bot.fakes_plan(["hello"], speed=20.0).speed == 20.0


@pytest.mark.parametrize(
    "line",
    [b"", b"not json", b"[1, 2]", b'{"kind": 3, "t": 1}', b'{"kind": "error"}', b"\xff\xfe", b"{"],
)
def test_a_line_that_is_not_an_event_is_none(line: bytes) -> None:
    assert parse_event(line) is None


def test_workers_are_matched_by_call_id_then_by_start_time() -> None:
    view = InsideView()

    def worker(connection: int, number: int, t: float, ids: list[str]) -> None:
        view.add(
            connection,
            InsideEvent("worker", t, number, 0.0, {"name": f"w{number}", "call_ids": ids}),
        )

    view.add(1, parse_event(json.dumps({"kind": "hello", "t": 0.5, "pipecat": "1.14.0"})))  # type: ignore[arg-type]
    worker(1, 1, 10.0, ["MZ-a"])
    worker(1, 2, 20.0, [])
    assert view.hooked and view.pipecat_version == "1.14.0"
    first = view.worker_for(["MZ-a"])
    assert first is not None and first.name == "w1"
    later = view.worker_for(["MZ-unknown"], since=15.0)
    assert later is not None and later.name == "w2"
    assert view.worker_for(["MZ-unknown"], since=25.0) is None


def test_speech_segments_and_the_audio_a_pipeline_got_through() -> None:
    view = InsideView()
    for kind, audio_t in [("vad_start", 1.0), ("vad_stop", 2.0), ("vad_start", 3.0)]:
        view.add(1, InsideEvent(kind, 0.0, 1, audio_t))
    (worker,) = view.workers.values()
    assert worker.speech_segments(5.0) == [(1.0, 2.0), (3.0, 5.0)]
    assert worker.audio_processed(9.0) == 9.0
    view.add(1, InsideEvent("pipeline_end", 0.0, 1, 4.5))
    assert worker.audio_processed(9.0) == 4.5 and worker.ended


def test_a_worker_seen_inside_reads_as_the_perception_the_judges_take() -> None:
    view = InsideView()
    beats = {"enabled": True, "monitor_s": 10.0}
    view.add(1, InsideEvent("worker", 100.0, 1, 0.0, {"name": "w1", "heartbeats": beats}))
    view.add(1, InsideEvent("dtmf", 101.5, 1, 1.2, {"digit": "#"}))
    view.add(1, InsideEvent("turn_end", 102.0, 1, 1.9))
    view.add(
        1, InsideEvent("turn_prediction", 102.1, 1, 1.9, {"complete": True, "probability": 0.9})
    )
    (worker,) = view.workers.values()
    assert worker.heartbeats == beats
    perception = worker.perception()
    assert perception.wall_origin == 0.0
    (key,) = perception.of_kind("dtmf")
    assert (key.detail, key.audio_t, key.wall_t) == ("#", 1.2, 101.5)
    assert [e.wall_t for e in perception.of_kind("turn_end")] == [102.0]
    assert perception.predictions() == [(1.9, 0.9)]
    assert not perception.of_kind("worker")


def test_a_worker_event_without_heartbeat_settings_leaves_them_unknown() -> None:
    view = InsideView()
    view.add(1, InsideEvent("worker", 1.0, 1, 0.0, {"name": "w1", "heartbeats": "yes"}))
    (worker,) = view.workers.values()
    assert worker.heartbeats is None


def _calls(*events: tuple[str, float, str]) -> InsideView:
    """A worker's function-call and bot-speech events: (kind or phase, t, tool_call_id)."""
    view = InsideView()
    for what, t, call_id in events:
        if what in ("bot_start", "bot_stop"):
            view.add(1, InsideEvent(what, t, 1))
        else:
            data = {"phase": what, "function": "check_order_status", "tool_call_id": call_id}
            view.add(1, InsideEvent("function_call", t, 1, None, data))
    return view


def test_an_answer_is_pending_while_a_function_call_runs_and_until_its_result_is_spoken() -> None:
    call = [("bot_start", 1.0, ""), ("in_progress", 1.1, "c1"), ("bot_stop", 1.5, "")]
    (running,) = _calls(*call).workers.values()
    assert running.answer_pending(now=3.0)
    (returned,) = _calls(*call, ("result", 3.1, "c1")).workers.values()
    assert returned.answer_pending(now=3.2)
    (speaking,) = _calls(*call, ("result", 3.1, "c1"), ("bot_start", 3.3, "")).workers.values()
    assert speaking.answer_pending(now=9.0)  # however long the answer after the result
    (done,) = _calls(
        *call, ("result", 3.1, "c1"), ("bot_start", 3.3, ""), ("bot_stop", 5.0, "")
    ).workers.values()
    assert not done.answer_pending(now=5.1)


def test_a_cancelled_call_or_an_unspoken_result_does_not_hold_the_caller() -> None:
    (cancelled,) = _calls(("in_progress", 1.0, "c1"), ("cancelled", 1.2, "c1")).workers.values()
    assert not cancelled.answer_pending(now=1.3)
    (unspoken,) = _calls(("in_progress", 1.0, "c1"), ("result", 3.0, "c1")).workers.values()
    assert unspoken.answer_pending(now=5.9)
    assert not unspoken.answer_pending(now=6.1)  # 3 s of silence after the result: give up
    (plain,) = _calls(("bot_start", 1.0, ""), ("bot_stop", 2.0, "")).workers.values()
    assert not plain.answer_pending(now=2.1)


def test_an_llm_script_needs_a_bot_and_its_openai_fake(tmp_path: Path) -> None:
    script = tmp_path / "llm.json"
    script.write_text('{"rules": [{"match": "order", "tool": "*"}]}')
    with pytest.raises(InputError, match="--llm-script needs --bot-cmd"):
        bot_under_test(None, None, None, llm_script=script)
    with pytest.raises(InputError, match="add --fake openai"):
        bot_under_test("python bot.py --port {port}", ["deepgram"], None, llm_script=script)
    bot = bot_under_test("python bot.py --port {port}", ["openai"], None, llm_script=script)
    assert bot.fakes_plan().llm_script.rules[0].tool == "*"
    script.write_text('{"rules": [{"match": "order", "dance": 1}]}')
    with pytest.raises(InputError, match="rule 1 has unknown keys dance"):
        bot_under_test("python bot.py --port {port}", ["openai"], None, llm_script=script)
