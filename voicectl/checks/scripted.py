"""Verdicts for a scripted call: one check per ``wait_for`` and ``expect`` step.

Pure: plain step results in, checks out. A failed ``wait_for`` stops the script: its check
fails and names the steps it left unreached (they get no check of their own, so the run fails
with exit 1). A step the call never reached for any other reason (the call broke, or an earlier
step could not be judged) is ``error`` with the reason, never a pass.
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
    skipped = [
        step.number
        for step in steps
        if step.number not in results and step.action in ("wait_for", "expect")
    ]
    for step in steps:
        if step.action not in ("wait_for", "expect"):
            continue
        title = f"step {step.number} (line {step.line}): {step.describe()}"
        expected = _expected(step)
        result = results.get(step.number)
        if result is None:
            if stopped_by is not None and stopped_by.ok is False and not call_error:
                continue  # the failed wait_for that stopped the script names this step
            reason = call_error or (
                f"step {stopped_by.step.number} could not be judged ({stopped_by.observed})"
                if stopped_by is not None
                else "the call ended first"
            )
            verdict, observed = Verdict.ERROR, f"not reached: {reason}"
        elif result.ok is None:
            verdict, observed = Verdict.ERROR, f"could not be judged: {result.observed}"
        else:
            verdict = Verdict.PASS if result.ok else Verdict.FAIL
            observed = result.observed
            if result is stopped_by and skipped and not call_error:
                observed += f"; the script stopped here (steps {_numbers(skipped)} not reached)"
        if step.action == "wait_for":
            checks.append(Check("call.wait_for", title, verdict, expected, observed))
        else:
            checks.append(Check("call.expect", title, verdict, expected, observed))
    return checks


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)
