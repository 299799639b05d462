"""Helpers shared by the streamed-response faults (``llm-slow``, ``llm-stall``, ``llm-truncate``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from voicectl.errors import InputError
from voicectl.faults.base import Fault, Trigger, TriggerKind

__all__ = ["StreamCut", "no_message_trigger", "request_trigger", "whole_number"]


@dataclass(frozen=True)
class StreamCut(Fault):
    """A streamed answer cut after ``after_chunks`` chunks (``NAME:3``, ``NAME:3@5s``); a
    subclass says how (its ``action``) and in which words (``verb``, ``attribution``)."""

    verb: ClassVar[str]
    attribution: ClassVar[tuple[str, ...]]

    after_chunks: int = 3
    after: float | None = None

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Self:
        no_message_trigger(cls.name, after_messages, spec)
        return cls(after_chunks=whole_number(arg, spec, 3, "chunk count"), after=after)

    @property
    def trigger(self) -> Trigger:
        return request_trigger(self.after)

    def describe(self) -> str:
        when = f" from {self.after:g} s" if self.after else ""
        return f"{self.verb} the streamed answer after chunk {self.after_chunks}{when}"

    def attribution_terms(self) -> tuple[str, ...]:
        return self.attribution


def request_trigger(after: float | None) -> Trigger:
    """Requests from ``after`` seconds on (from the fake's start), or every request."""
    if after is not None:
        if after < 0:
            raise InputError(f"@{after:g}s: must be >= 0 seconds")
        return Trigger(TriggerKind.AFTER_SECONDS, after)
    return Trigger(TriggerKind.HANDSHAKE)


def whole_number(arg: str | None, spec: str, default: int, what: str) -> int:
    if arg is None:
        return default
    try:
        value = int(arg)
    except ValueError:
        raise InputError(f"fault spec {spec!r}: {what} {arg!r} is not a whole number") from None
    if value < 0:
        raise InputError(f"fault spec {spec!r}: {what} must be >= 0")
    return value


def no_message_trigger(name: str, after_messages: int | None, spec: str) -> None:
    if after_messages is not None:
        raise InputError(f"fault spec {spec!r}: {name} takes '@Ns', not '@Nmsg'")
