"""``ws-close``: the provider sends a close frame with a chosen code and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, Close, Outage
from voicectl.faults.base import (
    Fault,
    FaultFamily,
    Trigger,
    check_close_code,
    check_close_reason,
    close_code_name,
    register,
)
from voicectl.faults.spec_args import int_arg

__all__ = ["WsClose"]


@register
@dataclass(frozen=True)
class WsClose(Fault):
    """Close with ``code`` and ``reason``, ``after`` seconds or ``after_messages`` client messages
    (default: right after the client's first message)."""

    name: ClassVar[str] = "ws-close"
    family: ClassVar[FaultFamily] = FaultFamily.CONNECTION_LOSS
    crash: ClassVar[str | None] = "close"

    code: int = 1008
    reason: str = ""
    after: float | None = None
    after_messages: int | None = None

    def __post_init__(self) -> None:
        check_close_code(self.code)
        try:
            check_close_reason(self.reason)
        except InputError as exc:
            raise InputError(f"--reason: {exc}") from None
        Trigger.from_options(self.after, self.after_messages)  # validates

    @property
    def trigger(self) -> Trigger:
        return Trigger.from_options(self.after, self.after_messages)

    @property
    def action(self) -> Action:
        return Close(self.code, self.reason)

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> WsClose:
        """``ws-close:CODE`` (default 1008)."""
        return cls(code=int_arg(arg, spec, 1008), after=after, after_messages=after_messages)

    @classmethod
    def as_crash(cls, code: int = 1011) -> WsClose:
        """The provider crashes with ``code`` (a close code is checked like ``--code``)."""
        return cls(code=code, reason="provider crashed (injected by voicectl)")

    def outage(self) -> Outage:
        """Every live connection closed with the code; new handshakes refused with 503."""
        return Outage((self.action,), refuse_status=503)

    def incident_label(self) -> str:
        return f"close {self.code}"

    def basis(self) -> str:
        return f"close {self.code} ({close_code_name(self.code)})"

    def describe(self) -> str:
        return f"{self.action.describe()} {self.trigger.describe()}"

    def attribution_terms(self) -> tuple[str, ...]:
        terms = [str(self.code), close_code_name(self.code)]
        if self.reason:
            terms.append(self.reason)
        return tuple(t for t in terms if t not in ("unknown", "registered", "private use"))
