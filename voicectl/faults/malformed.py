"""``malformed``: the provider sends a message the target cannot use and must report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, Close, MalformedKind, Outage, SendMalformed
from voicectl.faults.base import Fault, FaultFamily, Trigger, register

__all__ = ["Malformed"]


@register
@dataclass(frozen=True)
class Malformed(Fault):
    """Send one bad message on each selected connection: non-JSON, JSON missing the keys the
    protocol requires, or the provider's own in-band error message. The connection stays open."""

    name: ClassVar[str] = "malformed"
    family: ClassVar[FaultFamily] = FaultFamily.MALFORMED
    terminates_connection: ClassVar[bool] = False
    crash: ClassVar[str | None] = "error"

    kind: MalformedKind = MalformedKind.ERROR
    error_code: int = 503
    error_message: str = "Cannot continue request (voicectl fault). Please restart the request."
    after: float | None = None
    after_messages: int | None = None

    def __post_init__(self) -> None:
        Trigger.from_options(self.after, self.after_messages)

    @property
    def trigger(self) -> Trigger:
        return Trigger.from_options(self.after, self.after_messages)

    @property
    def action(self) -> Action:
        return SendMalformed(self.kind, self.error_code, self.error_message)

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Malformed:
        """``malformed:KIND``: json, keys or error (default)."""
        try:
            kind = MalformedKind(arg) if arg else MalformedKind.ERROR
        except ValueError:
            raise InputError(
                f"fault spec {spec!r}: malformed kind is json, keys or error"
            ) from None
        return cls(kind=kind, after=after, after_messages=after_messages)

    @classmethod
    def as_crash(cls) -> Malformed:
        """The provider's fatal in-band error: the key it was given is no longer valid."""
        return cls(MalformedKind.ERROR, 401, "Invalid API key (injected by voicectl)")

    def outage(self) -> Outage:
        """The bad message on every live connection, then a hang-up (close 1000); new
        handshakes refused with the error's status (401 for the crash: the key is rejected)."""
        if self.kind is not MalformedKind.ERROR:
            raise NotImplementedError("only the provider's in-band error is an outage")
        hang_up = Close(1000, "authentication failed")
        return Outage((self.action, hang_up), refuse_status=self.error_code)

    def describe(self) -> str:
        return f"send a {self.action.describe()} {self.trigger.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        if self.kind is MalformedKind.ERROR:
            return (str(self.error_code), self.error_message)
        if self.kind is MalformedKind.JSON:
            return ("json", "decode", "parse", "malformed", "invalid message")
        return ("missing", "required", "keyerror", "validation", "malformed", "unknown message")
