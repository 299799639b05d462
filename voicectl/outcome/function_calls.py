"""Every function-call moment of one call, as Pipecat's ``FunctionCallObserver`` reported it.

Plain data (no Pipecat): :func:`voicectl.bot.full.function_call_observer` fills it from inside
the reference bot, :meth:`FunctionCallLog.from_inside` from a ``--bot-cmd`` bot's setup hook;
the judges in :mod:`voicectl.checks` read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FunctionCallLog", "FunctionCallMoment"]

#: Moments that open a call; every other kind settles it.
_OPENING = ("started", "in_progress")


@dataclass(frozen=True)
class FunctionCallMoment:
    """One moment in a function call's life.

    ``kind`` is Pipecat's ``FunctionCallEventKind`` without its ``function_call_`` prefix:
    ``started``, ``in_progress``, ``completed``, ``failed``, ``timed_out`` or ``cancelled``.
    """

    kind: str
    function_name: str
    tool_call_id: str
    timestamp: float


@dataclass
class FunctionCallLog:
    """Every function-call moment reported in one call, in order."""

    events: list[FunctionCallMoment] = field(default_factory=list)

    @classmethod
    def from_inside(cls, events: Iterable[Any]) -> FunctionCallLog:
        """The log of a bot run from ``--bot-cmd``, from its setup hook's ``function_call``
        events (phases ``in_progress``, ``cancelled``, ``result``)."""
        kinds = {"in_progress": "in_progress", "cancelled": "cancelled", "result": "completed"}
        log = cls()
        seen: set[tuple[str, str]] = set()
        for event in events:
            kind = kinds.get(str(event.get("phase", "")))
            if event.kind != "function_call" or kind is None:
                continue
            # A broadcast frame is pushed both ways: one moment per call and phase.
            key = (str(event.get("tool_call_id", "")), kind)
            if key in seen:
                continue
            seen.add(key)
            log.events.append(
                FunctionCallMoment(
                    kind=kind,
                    function_name=str(event.get("function", "")),
                    tool_call_id=str(event.get("tool_call_id", "")),
                    timestamp=event.t,
                )
            )
        return log

    def of_kind(self, kind: str) -> list[FunctionCallMoment]:
        return [e for e in self.events if e.kind == kind]

    def in_progress_now(self) -> list[FunctionCallMoment]:
        """Calls that went in progress (or only started) and have not settled."""
        opened: dict[str, FunctionCallMoment] = {}
        for event in self.events:
            if event.kind in _OPENING:
                opened[event.tool_call_id] = event
            else:
                opened.pop(event.tool_call_id, None)
        return list(opened.values())
