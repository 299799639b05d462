"""Every connection the fake provider saw, in bounded memory.

Each connection keeps a few numbers in compact arrays (open time, end time, flags), so a target
that reconnects thousands of times a second costs a few bytes per connection. Full records
(path, first message, close codes each way) are kept for the first and the most recent
connections only.
"""

from __future__ import annotations

import math
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from voicectl.report.redact import redact

__all__ = [
    "DOOMED",
    "HEAD_RECORDS",
    "REJECTED",
    "SELECTED",
    "TAIL_RECORDS",
    "ConnectionLog",
    "ConnectionRecord",
    "EndedBy",
    "SentTranscript",
]

HEAD_RECORDS = 200
TAIL_RECORDS = 200
MAX_TRANSCRIPTS = 1000
_PREVIEW = 160

SELECTED = 1  # the fault applies to this connection
DOOMED = 2  # ... and it ends the connection (close, drop, rejection, stall)
REJECTED = 4  # the handshake was refused with an HTTP status


class EndedBy(StrEnum):
    """Who ended a connection and how."""

    PROVIDER = "provider"  # the fake sent a close frame
    PROVIDER_DROP = "provider-drop"  # the fake aborted TCP (no close frame)
    TARGET = "target"  # the target sent a close frame
    LOST = "lost"  # TCP ended without a close frame from either side
    REJECTED = "rejected"  # the handshake was refused
    ABANDONED = "abandoned"  # stalled (not read), and the target has since opened a new one
    SHUTDOWN = "shutdown"  # still open when the fake shut down


@dataclass
class ConnectionRecord:
    """One connection's history, as the fake provider saw it (times in run seconds)."""

    number: int
    opened_at: float
    path: str = ""
    auth_header: str = ""
    status: int = 101
    selected: bool = False
    fault_action: str = ""
    fault_at: float | None = None
    first_message: str | None = None
    first_message_at: float | None = None
    messages_in: int = 0
    bytes_in: int = 0
    messages_out: int = 0
    closed_at: float | None = None
    ended_by: EndedBy | None = None
    close_sent: tuple[int, str] | None = None
    close_received: tuple[int, str] | None = None
    notes: list[str] = field(default_factory=list)

    def lifetime(self, now: float) -> float:
        end = self.closed_at if self.closed_at is not None else now
        return max(0.0, end - self.opened_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "connection": self.number,
            "opened_at": round(self.opened_at, 4),
            "closed_at": None if self.closed_at is None else round(self.closed_at, 4),
            "path": self.path,
            "auth_header": self.auth_header,
            "status": self.status,
            "selected": self.selected,
            "fault": self.fault_action or None,
            "fault_at": None if self.fault_at is None else round(self.fault_at, 4),
            "first_message": self.first_message,
            "messages_in": self.messages_in,
            "bytes_in": self.bytes_in,
            "messages_out": self.messages_out,
            "ended_by": None if self.ended_by is None else self.ended_by.value,
            "close_sent": list(self.close_sent) if self.close_sent else None,
            "close_received": list(self.close_received) if self.close_received else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SentTranscript:
    """A scripted transcript (or TTS answer) the fake sent on a connection."""

    t: float
    connection: int
    text: str
    queued_at: float  # when the fake decided to answer (before any latency fault)


class ConnectionLog:
    """The fake provider's journal of connections: compact arrays for all, records for some."""

    def __init__(self) -> None:
        self.opened_at = array("d")
        self.ended_at = array("d")
        self.fault_at = array("d")
        self.flags = bytearray()
        self._records: OrderedDict[int, ConnectionRecord] = OrderedDict()
        self.transcripts: list[SentTranscript] = []
        self.transcripts_sent = 0
        self.bytes_in = 0
        self.messages_in = 0

    def __len__(self) -> int:
        return len(self.opened_at)

    # -- writing (the server) ---------------------------------------------------------------

    def open(
        self, t: float, *, selected: bool, doomed: bool, path: str = "", auth_header: str = ""
    ) -> ConnectionRecord:
        """Record a new handshake request; returns its record (numbered from 1)."""
        number = len(self.opened_at) + 1
        self.opened_at.append(t)
        self.ended_at.append(math.nan)
        self.fault_at.append(math.nan)
        self.flags.append((SELECTED if selected else 0) | (DOOMED if doomed else 0))
        record = ConnectionRecord(number, t, path=path, auth_header=auth_header, selected=selected)
        self._records[number] = record
        if len(self._records) > HEAD_RECORDS + TAIL_RECORDS:
            for key in self._records:
                if key > HEAD_RECORDS:
                    del self._records[key]
                    break
        return record

    def fault_fired(self, record: ConnectionRecord, t: float, action: str) -> None:
        record.fault_at = t
        record.fault_action = action
        self.fault_at[record.number - 1] = t

    def reject(self, record: ConnectionRecord, t: float, status: int) -> None:
        record.status = status
        self.flags[record.number - 1] |= REJECTED
        self.fault_fired(record, t, f"HTTP {status}")
        self.end(record, t, EndedBy.REJECTED)

    def message(self, record: ConnectionRecord, t: float, message: str | bytes) -> None:
        size = len(message)
        record.messages_in += 1
        record.bytes_in += size
        self.messages_in += 1
        self.bytes_in += size
        if record.first_message is None:
            record.first_message_at = t
            if isinstance(message, bytes):
                record.first_message = f"<{size} bytes binary>"
            else:
                preview = message if len(message) <= _PREVIEW else message[:_PREVIEW] + "..."
                record.first_message = redact(preview)

    def end(self, record: ConnectionRecord, t: float, ended_by: EndedBy) -> None:
        if record.closed_at is None:
            record.closed_at = t
            record.ended_by = ended_by
            self.ended_at[record.number - 1] = t

    def transcript_sent(
        self, t: float, record: ConnectionRecord, text: str, queued_at: float | None = None
    ) -> None:
        self.transcripts_sent += 1
        if len(self.transcripts) < MAX_TRANSCRIPTS:
            queued = t if queued_at is None else queued_at
            self.transcripts.append(SentTranscript(t, record.number, text, queued))

    # -- reading (the checks) ---------------------------------------------------------------

    def record(self, number: int) -> ConnectionRecord | None:
        """The full record of connection ``number`` if it is still kept."""
        return self._records.get(number)

    def records(self) -> list[ConnectionRecord]:
        """The kept records in connection order (the first and the most recent ones)."""
        return list(self._records.values())

    @property
    def truncated(self) -> int:
        """How many connections have no full record any more."""
        return len(self.opened_at) - len(self._records)

    def is_selected(self, index: int) -> bool:
        return bool(self.flags[index] & SELECTED)

    def is_doomed(self, index: int) -> bool:
        return bool(self.flags[index] & DOOMED)

    def is_rejected(self, index: int) -> bool:
        return bool(self.flags[index] & REJECTED)

    def has_ended(self, index: int) -> bool:
        return not math.isnan(self.ended_at[index])

    def shifted(self, offset: float) -> ConnectionLog:
        """A copy with every time ``offset`` seconds earlier (e.g. from the fake's clock to the
        call's); the records are copies, so the original keeps running."""
        from dataclasses import replace

        def earlier(t: float | None) -> float | None:
            return None if t is None else t - offset

        copy = ConnectionLog()
        copy.opened_at = array("d", (t - offset for t in self.opened_at))
        copy.ended_at = array("d", (t - offset for t in self.ended_at))
        copy.fault_at = array("d", (t - offset for t in self.fault_at))
        copy.flags = bytearray(self.flags)
        for number, record in self._records.items():
            copy._records[number] = replace(
                record,
                opened_at=record.opened_at - offset,
                fault_at=earlier(record.fault_at),
                first_message_at=earlier(record.first_message_at),
                closed_at=earlier(record.closed_at),
                notes=list(record.notes),
            )
        copy.transcripts = [
            replace(s, t=s.t - offset, queued_at=s.queued_at - offset) for s in self.transcripts
        ]
        copy.transcripts_sent = self.transcripts_sent
        copy.bytes_in = self.bytes_in
        copy.messages_in = self.messages_in
        return copy
