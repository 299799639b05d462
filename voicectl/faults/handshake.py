"""``handshake``: the provider answers the WebSocket upgrade with an HTTP error status."""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import ClassVar

from voicectl.faults.actions import Action, Reject
from voicectl.faults.base import (
    Fault,
    FaultFamily,
    Trigger,
    TriggerKind,
    check_handshake_status,
    register,
)
from voicectl.faults.spec_args import int_arg, no_trigger

__all__ = ["Handshake"]


@register
@dataclass(frozen=True)
class Handshake(Fault):
    """Reject the opening handshake with HTTP ``status`` (401, 403, 429, 503, ...)."""

    name: ClassVar[str] = "handshake"
    family: ClassVar[FaultFamily] = FaultFamily.CONNECTION_LOSS

    status: int = 401

    def __post_init__(self) -> None:
        check_handshake_status(self.status)

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Handshake:
        """``handshake:STATUS`` (default 401)."""
        no_trigger(cls.name, after, after_messages, spec)
        return cls(status=int_arg(arg, spec, 401))

    @property
    def trigger(self) -> Trigger:
        return Trigger(TriggerKind.HANDSHAKE)

    @property
    def action(self) -> Action:
        return Reject(self.status)

    def basis(self) -> str:
        return f"HTTP {self.status} ({http.HTTPStatus(self.status).phrase}) at the handshake"

    def describe(self) -> str:
        return f"reject the handshake with HTTP {self.status} {http.HTTPStatus(self.status).phrase}"

    def attribution_terms(self) -> tuple[str, ...]:
        return (str(self.status), http.HTTPStatus(self.status).phrase)
