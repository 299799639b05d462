"""The bot under test without processes: its command, fakes, faults and the inside view's data."""

from __future__ import annotations

import json

import pytest

from voicectl.errors import InputError
from voicectl.sut.command import BotCommand
from voicectl.sut.fakes import FakeSpec, FaultSpec, validate_fakes
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


def test_fake_names_become_base_url_variables() -> None:
    assert FakeSpec.parse("soniox").env_var == "SONIOX_BASE_URL"
    backup = FakeSpec.parse("cartesia-stt:backup")
    assert (backup.name, backup.env_var) == ("cartesia-stt:backup", "CARTESIA_STT_BACKUP_BASE_URL")


def test_unknown_provider_is_rejected_with_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"unknown provider 'nope'.*soniox"):
        FakeSpec.parse("nope")


def test_fault_on_a_fake_not_started_is_rejected() -> None:
    fault = FaultSpec.parse("soniox:backup=ws-close:1008@8s")
    assert (fault.fake, fault.spec, fault.fault.name) == (
        "soniox:backup",
        "ws-close:1008@8s",
        "ws-close",
    )
    with pytest.raises(InputError, match="no fake named 'soniox:backup' is started"):
        validate_fakes([FakeSpec.parse("soniox")], [fault])


@pytest.mark.parametrize("text", ["soniox", "=ws-close", "soniox=", "soniox=teleport:3"])
def test_malformed_fault_is_rejected(text: str) -> None:
    with pytest.raises(InputError):
        FaultSpec.parse(text)


def test_the_same_fake_twice_needs_a_name() -> None:
    with pytest.raises(InputError, match="given twice"):
        validate_fakes([FakeSpec.parse("soniox"), FakeSpec.parse("soniox")], [])


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
