"""Helpers shared by the streamed-response faults (``llm-slow``, ``llm-stall``, ``llm-truncate``)."""

from __future__ import annotations

from voicectl.errors import InputError
from voicectl.faults.base import Trigger, TriggerKind

__all__ = ["no_message_trigger", "request_trigger", "whole_number"]


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
