"""Load: many concurrent carrier calls against a bot, judged in aggregate.

:class:`LoadPlan` and :class:`LoadShape` say what to run (sans-I/O), :func:`run_load` runs it on
one asyncio event loop, :func:`aggregate_calls` and :func:`judge_load` turn the calls into
figures and verdicts. :mod:`voicectl.load.locust` runs the same client as Locust users.
"""

from voicectl.load.aggregate import (
    CallFailure,
    CallRecord,
    FailureKind,
    LoadStats,
    Percentiles,
    aggregate_calls,
    call_failure,
)
from voicectl.load.checks import LoadBounds, judge_load
from voicectl.load.plan import LoadPlan, LoadShape
from voicectl.load.runner import LoadRun, run_load
from voicectl.load.target import ReferenceBotProcess

__all__ = [
    "CallFailure",
    "CallRecord",
    "FailureKind",
    "LoadBounds",
    "LoadPlan",
    "LoadRun",
    "LoadShape",
    "LoadStats",
    "Percentiles",
    "ReferenceBotProcess",
    "aggregate_calls",
    "call_failure",
    "judge_load",
    "run_load",
]
