"""What the Locust user reports for a call: ``turn`` and ``call`` request events.

Importing Locust monkey-patches the whole process with gevent, so the events are produced in a
child interpreter and compared here.
"""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import json
from voicectl.audio.script import Utterance
from voicectl.load.locust import report_call
from voicectl.outcome.call import CallOutcome, TurnResult

class Recorder:
    def __init__(self):
        self.fired = []
    def fire(self, **kw):
        exc = kw["exception"]
        self.fired.append([kw["request_type"], kw["name"], kw["response_time"],
                           None if exc is None else [type(exc).__name__, str(exc)]])

def outcome(latencies, error=None, closed_by_bot=False, code=None, reason="", sent=8.0):
    o = CallOutcome(carrier="twilio", url="ws://x", fast=False)
    spans = [(1.0, 2.0), (4.0, 5.0)]
    o.turns = [TurnResult(i, Utterance(a, b, "t"), latency_s=x)
               for i, ((a, b), x) in enumerate(zip(spans, latencies))]
    o.error, o.closed_by_bot, o.close_code, o.close_reason = error, closed_by_bot, code, reason
    o.duration_s, o.wall_s = sent, 9.5
    return o

out = {}
for label, o in {
    "answered": outcome([0.5, 0.25]),
    "one unanswered": outcome([0.5, None]),
    "closed at 4.5 s": outcome([0.5, None], "bot closed the call at 4.50 s with code 1011 (boom)",
                               True, 1011, "boom", sent=4.5),
}.items():
    recorder = Recorder()
    report_call(recorder, "order_status", o)
    out[label] = recorder.fired
print(json.dumps(out))
"""


def _events() -> dict[str, list[list[object]]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    events: dict[str, list[list[object]]] = json.loads(result.stdout.splitlines()[-1])
    return events


def test_answered_turns_carry_their_latency_and_the_call_succeeds() -> None:
    events = _events()
    assert events["answered"] == [
        ["turn", "order_status", 500.0, None],
        ["turn", "order_status", 250.0, None],
        ["call", "order_status", 9500.0, None],
    ]
    # An unanswered utterance is a failure with no response time (it would skew percentiles).
    assert events["one unanswered"] == [
        ["turn", "order_status", 500.0, None],
        ["turn", "order_status", None, ["CallFailed", "no answer to utterance 2"]],
        ["call", "order_status", 9500.0, ["CallFailed", "no answer to utterance 2 of 2"]],
    ]
    # Utterances after the bot hung up never happened: only the call fails, naming the close.
    assert events["closed at 4.5 s"] == [
        ["turn", "order_status", 500.0, None],
        [
            "call",
            "order_status",
            9500.0,
            ["CallFailed", "bot closed the call with code 1011 (boom)"],
        ],
    ]
