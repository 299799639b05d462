"""What the fake provider (:class:`~voicectl.providers.server.FakeProviderServer`) keeps about
one live connection, when a message-counting fault trigger fires, and how a credential header is
journaled."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers

from voicectl.faults.actions import Action
from voicectl.faults.base import Trigger, TriggerKind
from voicectl.outcome.connections import ConnectionRecord
from voicectl.providers.protocol import Message, ProviderProtocol
from voicectl.report.redact import redact

__all__ = ["AUTH_HEADERS", "LiveConnection", "describe_auth", "trigger_due"]

AUTH_HEADERS = ("Authorization", "X-API-Key", "xi-api-key", "api-key")


@dataclass(eq=False)
class LiveConnection:
    """What the server keeps about one live connection."""

    record: ConnectionRecord
    protocol: ProviderProtocol
    action: Action | None
    trigger: Trigger | None
    ws: ServerConnection | None = None
    fired: bool = False
    stalled: bool = False
    closing: bool = False
    dropped: bool = False
    last_due: float = 0.0
    transcribed_upto: int = 0  # bytes_in when this connection was last sent a transcript
    audio_at: float = float("-inf")  # run time of the last audio-sized message received
    outbox: asyncio.Queue[tuple[float, float, Message, str | None]] | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def answering(self) -> bool:
        return self.ws is not None and not (self.stalled or self.closing or self.dropped)


def trigger_due(trigger: Trigger | None, messages: int) -> bool:
    """Whether a message-counting trigger fires after the client's ``messages``-th message."""
    if trigger is None:
        return False
    if trigger.kind is TriggerKind.FIRST_MESSAGE:
        return True
    return trigger.kind is TriggerKind.AFTER_MESSAGES and messages >= trigger.value


def describe_auth(headers: Headers) -> str:
    """Which credential header the client presented, with its value masked."""
    for name in AUTH_HEADERS:
        value = headers.get(name)
        if value is not None:
            return redact(f"{name}: {value}")
    return ""
