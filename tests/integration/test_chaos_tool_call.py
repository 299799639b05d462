"""``chaos interrupt --during tool-call`` on the full reference bot: Pipecat 1.14's real function calls.

The caller barges in 0.3 s after Pipecat's ``FunctionCallObserver`` reports the call in progress.
What each run shows is Pipecat 1.14's behaviour as it is (docs/findings/pipecat-1.14.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pipecat
import pytest
from chaos_cli import run_chaos

from voicectl.audio.script import bundled_calls

pytestmark = pytest.mark.slow

MEASURED_ON = "1.14.0"


@pytest.fixture(autouse=True)
def measured_pipecat() -> None:
    assert pipecat.__version__ == MEASURED_ON, "re-measure these behaviours on the new Pipecat"


def _interrupt(tmp_path: Path, *args: str) -> tuple[int, dict]:
    """``voicectl chaos interrupt --bot full ARGS``, shared with the findings page's example."""
    return run_chaos(tmp_path, "interrupt", "--bot", "full", *args, timeout=150)


def _verdicts(report: dict) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["checks"]}


def _function_events(report: dict) -> list[tuple[str, str]]:
    table = next(t for t in report["tables"] if t["title"].startswith("Function calls"))
    return [(row[1], row[3]) for row in table["rows"]]


def _first_call(report: dict) -> str:
    """The id of the first function call the bot started: the one the barge-in lands in.

    The fake numbers every chat request, so a turn that ends early (a pause judged the end)
    adds a request before it and the call is ``call_voicectl_2``, not ``_1``."""
    return next(call for kind, call in _function_events(report) if kind == "started")


def test_cancel_on_interruption_true_cancels_the_call_but_the_aggregator_keeps_it_3661(
    tmp_path: Path,
) -> None:
    """The bot answers, but the cancelled call stays in the assistant aggregator (pipecat #3661).

    The cancel (a SystemFrame) overtakes FunctionCallInProgressFrame, which waits behind the
    TTS speaking the model's words; the aggregator drops the cancel and then records the call.
    """
    code, report = _interrupt(tmp_path, "--during", "tool-call")
    verdicts = _verdicts(report)
    assert verdicts["interrupt.conversation_continues"] == "pass", report["checks"]
    no_call = next(c for c in report["checks"] if c["id"] == "interrupt.no_call_left_in_progress")
    assert no_call["verdict"] == "fail", no_call
    assert "pipecat #3661" in no_call["observed"]
    assert code == 1
    events, first = _function_events(report), _first_call(report)
    assert events[:3] == [("started", first), ("in_progress", first), ("cancelled", first)]
    assert report["metrics"]["bot.tool_calls_interrupted"] == 1


def test_cancel_on_interruption_false_lets_the_interrupted_call_complete(tmp_path: Path) -> None:
    code, report = _interrupt(tmp_path, "--during", "tool-call", "--no-cancel-on-interruption")
    assert code == 0, report["checks"]
    assert _verdicts(report)["interrupt.no_call_left_in_progress"] == "pass"
    events, first = _function_events(report), _first_call(report)
    assert ("completed", first) in events
    assert ("cancelled", first) not in events


def test_pipecat_4997_an_interrupted_end_call_is_cancelled_when_cancel_on_interruption(
    tmp_path: Path,
) -> None:
    _code, report = _interrupt(tmp_path, "--during", "tool-call", "--function", "end_call")
    verdicts = _verdicts(report)
    assert verdicts["interrupt.end_call_spared_caller"] == "pass", report["checks"]
    first = _first_call(report)
    assert ("cancelled", first) in _function_events(report)
    assert report["metrics"]["bot.hung_up_by"] != first
    assert verdicts["interrupt.conversation_continues"] == "pass", report["checks"]


def test_pipecat_4997_an_interrupted_async_end_call_hangs_up_on_the_live_caller(
    tmp_path: Path,
) -> None:
    code, report = _interrupt(
        tmp_path, "--during", "tool-call", "--function", "end_call", "--no-cancel-on-interruption"
    )
    assert code == 1
    verdicts = _verdicts(report)
    assert verdicts["interrupt.end_call_spared_caller"] == "fail"
    assert verdicts["interrupt.conversation_continues"] == "fail"
    assert report["metrics"]["bot.hung_up_by"] == _first_call(report)


def test_flows_237_with_cancel_on_interruption_true_the_flow_stays_in_its_node(
    tmp_path: Path,
) -> None:
    """The interrupted flows function is cancelled; the caller's next turn calls it again and it
    completes, but the aggregator still counts the cancelled call (#3661), so the FlowManager
    never makes its transition."""
    code, report = _interrupt(tmp_path, "--bot", "flows", "--during", "tool-call")
    verdicts = _verdicts(report)
    assert code == 1
    assert verdicts["interrupt.flow_reached_next_node"] == "fail", report["checks"]
    assert verdicts["interrupt.no_call_left_in_progress"] == "fail"
    assert ("cancelled", _first_call(report)) in _function_events(report)


def test_flows_237_with_cancel_on_interruption_false_the_flow_moves_on(tmp_path: Path) -> None:
    """Flows' own default: the interrupted call completes and the flow reaches its next node."""
    _code, report = _interrupt(
        tmp_path, "--bot", "flows", "--during", "tool-call", "--no-cancel-on-interruption"
    )
    verdicts = _verdicts(report)
    assert verdicts["interrupt.flow_reached_next_node"] == "pass", report["checks"]
    assert verdicts["interrupt.no_call_left_in_progress"] == "pass"
    assert ("completed", _first_call(report)) in _function_events(report)


USER_FLOW = """\
initial_node: lookup
nodes:
  lookup:
    role_message: You are a phone agent for an online shop.
    task_messages:
      - role: developer
        content: Ask for the order number and look it up.
    respond_immediately: false
    functions:
      - name: check_order_status
        transition_to: done
  done:
    task_messages:
      - role: developer
        content: Tell the caller the status and say goodbye.
"""


def test_a_users_flow_configuration_runs_and_its_next_node_is_judged(tmp_path: Path) -> None:
    """--flow-config: the user's FlowConfig (YAML) joined to the bot's functions; with
    cancel_on_interruption False the interrupted call completes and the flow reaches the node
    the config names ('done', which only that file has)."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(USER_FLOW)
    _code, report = _interrupt(
        tmp_path,
        *("--bot", "flows", "--flow-config", str(flow), "--during", "tool-call"),
        "--no-cancel-on-interruption",
    )
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["interrupt.flow_reached_next_node"]["verdict"] == "pass", report["checks"]
    assert "in node 'done'" in checks["interrupt.flow_reached_next_node"]["observed"]
    assert "started in 'lookup'" in checks["interrupt.flow_reached_next_node"]["observed"]
    assert ("completed", _first_call(report)) in _function_events(report)


@pytest.mark.parametrize(
    ("flow", "message"),
    [
        ("initial_node: a\nnodes: [1, 2\n", "the flows configuration cannot load: while parsing"),
        (
            "initial_node: a\nnodes:\n  a:\n    functions: []\n",
            "cannot load: nodes.a.task_messages: Field required",
        ),
        (
            "initial_node: a\nnodes:\n  a:\n    task_messages: []\n    functions:\n"
            "      - name: refund\n",
            "tool 'refund', which is not in the handlers",
        ),
        (
            "initial_node: a\nnodes:\n  a:\n    task_messages: []\n",
            "its initial node 'a' offers no check_order_status",
        ),
    ],
)
def test_a_flows_configuration_that_cannot_load_is_one_line_and_exit_2(
    tmp_path: Path, flow: str, message: str
) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(flow)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "voicectl", "chaos", "interrupt", "--during", "tool-call"),
            *("--bot", "flows", "--flow-config", str(path)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_a_bot_that_never_calls_a_function_is_an_error_after_the_bound(tmp_path: Path) -> None:
    appointment = next(c for c in bundled_calls() if c.name == "appointment_pause")
    code, report = _interrupt(
        tmp_path, "--during", "tool-call", "--tool-wait", "3", "--audio", appointment.audio.source
    )
    assert code == 3
    interrupt = {k: v for k, v in _verdicts(report).items() if k.startswith("interrupt.")}
    assert set(interrupt.values()) == {"error"}, interrupt
    assert "interrupt.clear_sent" not in _verdicts(report)
    no_call = next(c for c in report["checks"] if c["id"] == "interrupt.no_call_left_in_progress")
    assert "no function call within 3 s" in no_call["observed"]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "twilio_bot" / "bot.py"


def test_during_tool_call_on_a_bot_cmd_bot_is_timed_and_judged_from_its_own_pipecat(
    tmp_path: Path,
) -> None:
    """The example bot (its own 2 s check_order_status, cancel_on_interruption=True) as a process:
    the barge-in is timed from the function_call events its setup hook sends."""
    out = tmp_path / "report.json"
    bot_cmd = f"{sys.executable} {EXAMPLE} -t twilio --host 127.0.0.1 --port {{port}}"
    fakes = ["--fake", "deepgram", "--fake", "deepgram:backup", "--fake", "openai"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "voicectl",
            "chaos",
            "interrupt",
            "--during",
            "tool-call",
            "--bot-cmd",
            bot_cmd,
            *fakes,
            "--fake",
            "cartesia",
            "--json",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(out.read_text())
    verdicts = _verdicts(report)
    assert verdicts["interrupt.no_call_left_in_progress"] == "pass", report["checks"]
    assert verdicts["interrupt.conversation_continues"] == "pass", report["checks"]
    events = _function_events(report)
    first = events[0][1]
    assert events[0] == ("in_progress", first)
    assert ("cancelled", first) in events
    assert result.returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--during", "tool-call"],
            "--during tool-call needs a bot that makes real function calls",
        ),
        (["--bot", "full", "--function", "refund"], "--function 'refund': unknown function"),
        (
            ["--during", "tool-call", "--bot", "full", "--url", "ws://127.0.0.1:9/ws"],
            "--bot applies to the reference bot",
        ),
        (["--during", "tool-call", "--bot", "full", "--at", "2"], "drop --at"),
        (["--no-cancel-on-interruption"], "--no-cancel-on-interruption needs --bot full"),
        (["--bot", "full", "--flow-config", "flow.yaml"], "--flow-config needs --bot flows"),
        (
            ["--bot", "full", "--bot-variant", "freeze-on-interrupted-tool"],
            "--bot-variant freeze-on-interrupted-tool is the responder's simulated function call",
        ),
        (["--tool-wait", "3"], "--tool-wait applies to --during tool-call only"),
        (["--into-tool-call", "1"], "--into-tool-call applies to --during tool-call only"),
        (
            ["--during", "tool-call", "--bot", "full", "--during-reply", "2"],
            "--during-reply applies to --during reply only",
        ),
        (["--during-reply", "2", "--at", "1"], "--during-reply and --at both time the barge-in"),
        (
            ["--tool-delay", "2", "--during-reply", "2"],
            "--during-reply does not apply with the responder's --tool-delay",
        ),
        (
            ["--tool-delay", "2", "--clear-within", "1"],
            "--clear-within does not apply with the responder's --tool-delay",
        ),
        (
            [
                "--bot-cmd",
                "python bot.py --port {port}",
                "--fake",
                "openai",
                "--function",
                "end_call",
            ],
            "--function with --bot-cmd scripts the OpenAI fake for --during tool-call only",
        ),
        (
            ["--during", "tool-call", "--bot-cmd", "python bot.py --port {port}"],
            "--during tool-call with --bot-cmd needs --fake openai",
        ),
        (
            [
                *("--during", "tool-call", "--bot-cmd", "python bot.py --port {port}"),
                *("--fake", "openai", "--function", "end_call"),
                *("--llm-script", str(EXAMPLE.parent / "llm-script.json")),
            ],
            "--function and --llm-script both say which tool the model calls",
        ),
    ],
)
def test_bad_tool_call_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "chaos", "interrupt", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
