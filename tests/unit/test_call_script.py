"""Call scripts on plain text: parsing, one-line errors naming the line, and the step verdicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicectl.checks.scripted import judge_script
from voicectl.report.model import Verdict
from voicectl.suite.callscript import ACTIONS, ScriptStep, parse_call_script
from voicectl.suite.model import SuiteError

BASE = Path("/calls")
SCRIPT = """\
[call]
name = "refund"
audio = "order.wav"

[[step]]
say = 1
[[step]]
expect = "bot_answered"
within = 2.5
[[step]]
say = { audio = "/other/x.wav", start = 1.0, end = 2.5 }
[[step]]
wait_for = "silence"
for = 0.4
[[step]]
wait = 1
[[step]]
dtmf = "12#"
[[step]]
wait_for = "word:refund"
[[step]]
hangup = true
"""


def _parse(text: str, *, espeak: bool = True):
    return parse_call_script(
        text, "call.toml", base_dir=BASE, which=lambda _: "/usr/bin/espeak-ng" if espeak else None
    )


def test_a_script_parses_into_steps_with_their_lines_and_defaults() -> None:
    spec = _parse(SCRIPT)
    assert spec.name == "refund" and spec.audio == BASE / "order.wav"
    actions = [s.action for s in spec.steps]
    assert actions == ["say", "expect", "say", "wait_for", "wait", "dtmf", "wait_for", "hangup"]
    assert [s.line for s in spec.steps] == [5, 7, 10, 12, 15, 17, 19, 21]
    say, expect, segment, silence = spec.steps[:4]
    assert say.say is not None and say.say.utterance == 1 and say.say.audio == BASE / "order.wav"
    assert expect.target == "bot_answered" and expect.within_s == 2.5
    assert segment.say is not None and (segment.say.start, segment.say.end) == (1.0, 2.5)
    assert silence.for_s == 0.4 and silence.within_s == 10.0
    assert spec.steps[5].digits == "12#" and spec.steps[7].hangup == "stop"
    assert spec.steps[6].describe() == "wait for word:refund (within 10 s)"


def test_text_is_spoken_by_espeak_ng_when_it_is_installed() -> None:
    spec = _parse('[[step]]\nsay = "I want a refund"\n')
    assert spec.steps[0].say is not None and spec.steps[0].say.text == "I want a refund"


def test_text_without_espeak_ng_is_one_line_naming_the_tool() -> None:
    with pytest.raises(SuiteError) as info:
        _parse('[[step]]\nwait = 1\n[[step]]\nsay = "I want a refund"\n', espeak=False)
    message = str(info.value)
    assert message.startswith("call.toml:4: step 2: say 'I want a refund' needs espeak-ng")
    assert "not installed" in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[step]]\nshout = 1\n", "call.toml:2: step 1: unknown key 'shout'"),
        ("[[step]]\nsay = 1\nwait = 2\n", "call.toml:1: step 1 has 2 actions (say, wait)"),
        ("[[step]]\nname = 'x'\n", "step 1 has no action"),
        ("[[step]]\nwait = -1\n", "call.toml:2: step 1: wait takes a positive number"),
        ("[[step]]\nwait_for = 'bot'\n", "wait_for takes one of bot_speech, silence or word:WORD"),
        ("[[step]]\nexpect = 'happy'\n", "expect takes one of bot_answered, bot_silent, call_open"),
        ("[[step]]\ndtmf = '12x'\n", "dtmf takes keys 0-9 * # A-D"),
        ("[[step]]\nhangup = 'slam'\n", "hangup takes true or one of stop, drop, close"),
        ("[[step]]\nhangup = 'reset'\n", "one of stop, drop, close, got 'reset'"),
        ("[[step]]\nhangup = true\n[[step]]\nwait = 1\n", "call.toml:1: step 1: hangup ends"),
        ("[[step]]\nsay = 1\n", "say needs an audio file here or in [call] audio"),
        ("[[step]]\nsay = { audio = 'a.wav', start = 2, end = 1 }\n", "0 <= start < end"),
        ("[[step]]\nwait = 1\nwithin = 2\n", "within applies to wait_for and expect"),
        ("[[step]]\nexpect = 'call_open'\nfor = 2\n", "for applies to silence and bot_silent"),
        ("[call]\nvoice = 'x'\n[[step]]\nwait = 1\n", "call.toml:2: unknown [call] key 'voice'"),
        ("[call]\nname = 'x'\n", "no [[step]] to run"),
        ("[[step]\nwait = 1\n", "call.toml:1: invalid TOML"),
        ("[[steps]]\nwait = 1\n", "unknown table or key 'steps' (did you mean 'step'?)"),
    ],
)
def test_bad_scripts_are_one_line_naming_file_line_and_problem(text: str, message: str) -> None:
    with pytest.raises(SuiteError) as info:
        _parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@dataclass
class Done:
    step: ScriptStep
    ok: bool | None
    observed: str
    started_at: float = 0.0


def test_judge_passes_met_steps_fails_unmet_ones_and_errors_unreached_ones() -> None:
    spec = _parse(SCRIPT)
    say, expect, segment, silence, wait, dtmf, word, _ = spec.steps
    done = [
        Done(say, None, "said"),
        Done(expect, False, "no answer within 2.5 s"),
        Done(segment, None, "said"),
        Done(silence, True, "0.4 s of bot silence"),
        Done(wait, None, "waited"),
        Done(dtmf, None, "sent"),
        Done(word, False, "not heard 'refund'"),
    ]
    checks = judge_script(spec.steps, done, None)
    assert [(c.id, c.verdict) for c in checks] == [
        ("call.expect", Verdict.FAIL),
        ("call.wait_for", Verdict.PASS),
        ("call.wait_for", Verdict.FAIL),
    ]
    assert checks[0].title == "step 2 (line 7): expect the bot to answer within 2.5 s"
    assert checks[0].expected == "bot audio within 2.5 s of the end of the last say"


def test_a_failed_wait_for_stops_the_script_and_names_the_steps_it_left() -> None:
    spec = _parse("[[step]]\nwait_for = 'bot_speech'\n[[step]]\nexpect = 'call_open'\n")
    checks = judge_script(
        spec.steps, [Done(spec.steps[0], False, "no bot audio within 10 s")], None
    )
    assert [c.verdict for c in checks] == [Verdict.FAIL]
    assert checks[0].observed == (
        "no bot audio within 10 s; the script stopped here (steps 2 not reached)"
    )


def test_steps_a_broken_call_never_reached_are_errors_saying_why() -> None:
    spec = _parse("[[step]]\nwait_for = 'bot_speech'\n[[step]]\nexpect = 'call_open'\n")
    dropped = judge_script(spec.steps, [], "bot closed the call at 1.00 s with code 1011")
    assert all(c.verdict is Verdict.ERROR for c in dropped)
    assert "not reached: bot closed the call" in dropped[0].observed


def test_a_step_that_could_not_be_judged_is_an_error_never_a_pass() -> None:
    spec = _parse("[[step]]\nwait_for = 'word:refund'\n")
    [check] = judge_script(spec.steps, [Done(spec.steps[0], None, "no inside view")], None)
    assert check.verdict is Verdict.ERROR and "no inside view" in check.observed


def test_live_transcripts_wait_at_infinity_until_the_caller_says_a_line() -> None:
    from voicectl.conversation.scripted import LiveTranscripts

    transcripts = LiveTranscripts(())
    items = iter(transcripts)
    first = next(items)
    assert first.at_s == float("inf") and first.text == ""
    transcripts.add(4.0, "where is my order")
    transcripts.add(9.0, "")  # a recording segment has no known text: nothing to transcribe
    assert (first.at_s, first.text) == (4.5, "where is my order")
    assert next(items).at_s == float("inf")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("[]{}=\"'.,#\n abcdefgilnorstuwyz_-0123456789:")),
        max_size=200,
    )
)
def test_the_script_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        _parse(text)
    except SuiteError as exc:
        assert exc.line >= 1 and str(exc).startswith("call.toml:")
        assert "\n" not in str(exc)


def _toml(value: object) -> str:
    """A TOML value (the few types the fuzzer makes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if value != value
            else ("inf" if value > 0 else "-inf")
            if abs(value) == float("inf")
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(
        st.sampled_from(["audio", "utterance", "start", "end", "x"]),
        st.one_of(st.integers(-2, 5), st.floats(-1, 5), st.text(max_size=5)),
        max_size=3,
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from([*ACTIONS, "within", "for", "name", "x"]), _VALUES, max_size=3
        ),
        max_size=4,
    )
)
def test_the_script_parser_never_crashes_on_arbitrary_steps(steps: list[dict]) -> None:
    text = "".join(
        "[[step]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in step.items() if v is not None)
        for step in steps
    )
    try:
        _parse(text)
    except SuiteError as exc:
        assert exc.line >= 1 and "\n" not in str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("lossburstjiterndfcea=%,.-0123456789msdBp ")), max_size=60
    )
)
def test_the_line_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    from voicectl.errors import InputError
    from voicectl.replay.line import parse_line

    try:
        spec = parse_line(text)
    except InputError as exc:
        assert str(exc).startswith("--line") and "\n" not in str(exc)
    else:
        assert parse_line(spec.describe()) == spec
