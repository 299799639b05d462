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
