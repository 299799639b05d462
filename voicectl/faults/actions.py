"""What a fault does to one connection, as plain data the fake provider server carries out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "OUTAGE_STEP_S",
    "Action",
    "Close",
    "CorruptToolArguments",
    "Delay",
    "DelayFirstChunk",
    "Drop",
    "MalformedKind",
    "Outage",
    "Reject",
    "RespondError",
    "SendMalformed",
    "Stall",
    "StallStream",
    "TruncateStream",
]


@dataclass(frozen=True)
class Close:
    """Send a close frame with this code and reason (then complete the closing handshake)."""

    code: int
    reason: str = ""

    def describe(self) -> str:
        return f"close {self.code}" + (f" {self.reason!r}" if self.reason else "")


@dataclass(frozen=True)
class Drop:
    """Abort the TCP connection: no close frame either way (the client sees 1006)."""

    def describe(self) -> str:
        return "TCP drop"


@dataclass(frozen=True)
class Reject:
    """Answer the opening handshake with this HTTP status instead of 101."""

    status: int

    def describe(self) -> str:
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class Stall:
    """Stop reading (TCP backpressure, no pongs) and stop answering; keep the socket open."""

    def describe(self) -> str:
        return "stall"


class MalformedKind(StrEnum):
    """What kind of bad message the provider sends."""

    JSON = "json"  # not JSON at all
    KEYS = "keys"  # JSON without the keys the protocol requires
    ERROR = "error"  # the provider's own in-band error message


@dataclass(frozen=True)
class SendMalformed:
    """Send one bad message of this kind (the protocol module shapes it)."""

    kind: MalformedKind
    error_code: int = 503
    error_message: str = "Service temporarily unavailable"

    def describe(self) -> str:
        if self.kind is MalformedKind.ERROR:
            return f"in-band error {self.error_code}"
        return "non-JSON message" if self.kind is MalformedKind.JSON else "JSON missing keys"


@dataclass(frozen=True)
class Delay:
    """Delay every provider->client message by ``ms`` +/- uniform ``jitter_ms`` (order kept)."""

    ms: float
    jitter_ms: float = 0.0

    def describe(self) -> str:
        return f"+{self.ms:g} ms" + (f" +/- {self.jitter_ms:g} ms" if self.jitter_ms else "")


@dataclass(frozen=True)
class RespondError:
    """Answer an HTTP request with this status (and ``Retry-After`` when given) instead of 200."""

    status: int
    retry_after_s: float | None = None

    def describe(self) -> str:
        after = f", Retry-After {self.retry_after_s:g} s" if self.retry_after_s is not None else ""
        return f"HTTP {self.status}{after}"


@dataclass(frozen=True)
class DelayFirstChunk:
    """Send a streamed response's headers at once but its first chunk ``ms`` later."""

    ms: float

    def describe(self) -> str:
        return f"first chunk {self.ms:g} ms late"


@dataclass(frozen=True)
class StallStream:
    """Stop a streamed response after ``after_chunks`` chunks, keeping the connection open."""

    after_chunks: int

    def describe(self) -> str:
        return f"stream stalled after chunk {self.after_chunks}"


@dataclass(frozen=True)
class TruncateStream:
    """End a streamed response cleanly after ``after_chunks`` chunks: no finish_reason, no [DONE]."""

    after_chunks: int

    def describe(self) -> str:
        return f"stream truncated after chunk {self.after_chunks}"


@dataclass(frozen=True)
class CorruptToolArguments:
    """Stream tool-call arguments that are not valid JSON."""

    def describe(self) -> str:
        return "malformed tool-call arguments"


Action = (
    Close
    | Drop
    | Reject
    | Stall
    | SendMalformed
    | Delay
    | RespondError
    | DelayFirstChunk
    | StallStream
    | TruncateStream
    | CorruptToolArguments
)


@dataclass(frozen=True)
class Outage:
    """A provider down until it recovers (``chaos failover``): every live connection gets
    ``actions`` in turn, :data:`OUTAGE_STEP_S` apart, and every new handshake is answered with
    ``refuse_status`` (None: accepted, then left silent) until the provider is back."""

    actions: tuple[Action, ...]
    refuse_status: int | None

    def __post_init__(self) -> None:
        if not self.actions:
            raise ValueError("an outage needs at least one action")


#: How long an outage waits between its actions (the fatal in-band error, then the hang-up).
OUTAGE_STEP_S = 0.05
