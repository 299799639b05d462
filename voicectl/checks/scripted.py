"""Verdicts for a scripted call: one check per ``wait_for`` and ``expect`` step.

Pure: plain step results in, checks out. A step the call never reached (an earlier
``wait_for`` gave up, or the bot ended the call) is ``error`` with the reason, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from voicectl.report.model import Check, Verdict
from voicectl.suite.callscript import ScriptStep

__all__ = ["judge_script"]


class _Done(Protocol):
    """What the judge reads of a step's result."""

    step: ScriptStep
    ok: bool | None
    observed: str


def _expected(step: ScriptStep) -> str:
    if step.target == "bot_speech":
        return f"bot audio within {step.within_s:g} s"
    if step.target == "silence":
        return f"{step.for_s:g} s of bot silence within {step.within_s:g} s"
    if step.target == "bot_answered":
        return f"bot audio within {step.within_s:g} s of the end of the last say"
    if step.target == "bot_silent":
        return f"no bot audio for {step.for_s:g} s"
    if step.target == "call_open":
        return "the bot has not ended the call"
    return f"a bot transcript containing {step.target.removeprefix('word:')!r}"


def judge_script(
    steps: Sequence[ScriptStep], done: Sequence[_Done], call_error: str | None
) -> list[Check]:
    """``call.wait_for`` and ``call.expect`` for every step that waits or expects."""
    checks = []
    results = {d.step.number: d for d in done}
    stopped_by = next((d for d in done if d.step.action == "wait_for" and d.ok is not True), None)
    for step in steps:
        if step.action not in ("wait_for", "expect"):
            continue
        title = f"step {step.number} (line {step.line}): {step.describe()}"
        expected = _expected(step)
        result = results.get(step.number)
        if result is None:
            if call_error:
                reason = f"not reached: {call_error}"
            elif stopped_by is not None:
                reason = (
                    f"not reached: step {stopped_by.step.number} gave up ({stopped_by.observed})"
                )
            else:
                reason = "not reached: the call ended first"
            verdict = Verdict.ERROR
            observed = reason
        elif result.ok is None:
            verdict, observed = Verdict.ERROR, f"could not be judged: {result.observed}"
        else:
            verdict = Verdict.PASS if result.ok else Verdict.FAIL
            observed = result.observed
        if step.action == "wait_for":
            checks.append(Check("call.wait_for", title, verdict, expected, observed))
        else:
            checks.append(Check("call.expect", title, verdict, expected, observed))
    return checks
