"""The chaos run's journal: what the fake provider saw and what the pipeline reported.

Plain data, no Pipecat: the verdict functions in :mod:`voicectl.checks.reconnect` and
:mod:`voicectl.checks.provider_errors` read it "as of" a moment, so whatever happens during
teardown is never judged. Storage is bounded (the first and the latest entries are kept,
everything is counted), so a reconnect storm cannot exhaust memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from voicectl.outcome.connections import ConnectionLog

__all__ = [
    "PERMANENT_CATEGORIES",
    "BoundedList",
    "ChaosJournal",
    "ErrorRecord",
    "OutputRecord",
    "UsableFlip",
]

#: Pipecat's ``ErrorCategory`` values that cost a service its usability on their own.
PERMANENT_CATEGORIES = frozenset({"authentication", "authorization", "invalid_request"})

T = TypeVar("T")


class BoundedList(Generic[T]):
    """Keeps the first ``head`` and the last ``tail`` items, and counts them all."""

    def __init__(self, head: int = 500, tail: int = 500) -> None:
        self.head: list[T] = []
        self.tail: deque[T] = deque(maxlen=tail)
        self._head_size = head
        self.count = 0

    def append(self, item: T) -> None:
        self.count += 1
        if len(self.head) < self._head_size:
            self.head.append(item)
        else:
            self.tail.append(item)

    @property
    def dropped(self) -> int:
        return self.count - len(self.head) - len(self.tail)

    def __iter__(self) -> Iterator[T]:
        yield from self.head
        yield from self.tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)


@dataclass(frozen=True)
class ErrorRecord:
    """An ``ErrorFrame`` where it was raised (Pipecat's ``ErrorObserver``)."""

    t: float
    message: str
    category: str
    processor: str
    usable: bool
    exception_type: str | None = None
    fatal: bool = False

    @property
    def terminal(self) -> bool:
        """The error says the service gave up: it is unusable, permanent or fatal."""
        return (not self.usable) or self.category in PERMANENT_CATEGORIES or self.fatal

    def describe(self, limit: int = 200) -> str:
        """``[category, usable] message`` on one line (the full text stays in the journal)."""
        tags = [self.category, "usable" if self.usable else "unusable"]
        if self.fatal:
            tags.append("fatal")
        lines = self.message.strip().splitlines() or [""]
        text = lines[0] + (" ..." if len(lines) > 1 else "")
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        return f"[{', '.join(tags)}] {text}"


@dataclass(frozen=True)
class UsableFlip:
    """``on_usable_changed``: the target's ``is_usable`` became ``usable``."""

    t: float
    usable: bool


@dataclass(frozen=True)
class OutputRecord:
    """Something the target produced from the provider's answers (a transcript, TTS audio)."""

    t: float
    kind: str
    text: str


class ChaosJournal:
    """Connections (from the fake), errors, usability flips and outputs (from the pipeline)."""

    def __init__(self, connections: ConnectionLog) -> None:
        self.connections = connections
        self.errors: BoundedList[ErrorRecord] = BoundedList()
        self.usable_flips: BoundedList[UsableFlip] = BoundedList(100, 100)
        self.outputs: BoundedList[OutputRecord] = BoundedList(200, 100)
        self.pipeline_errors: BoundedList[ErrorRecord] = BoundedList(50, 50)
        self.pipeline_finished_at: float | None = None

    def add_error(self, error: ErrorRecord) -> None:
        self.errors.append(error)

    def add_usable(self, t: float, usable: bool) -> None:
        self.usable_flips.append(UsableFlip(t, usable))

    def add_output(self, t: float, kind: str, text: str) -> None:
        self.outputs.append(OutputRecord(t, kind, text))

    def errors_until(self, now: float) -> list[ErrorRecord]:
        return [e for e in self.errors if e.t <= now]

    def flips_until(self, now: float) -> list[UsableFlip]:
        return [f for f in self.usable_flips if f.t <= now]
