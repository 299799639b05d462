"""Moved to :mod:`voicectl.outcome.connections` (re-exported for code written before the move)."""

from voicectl.outcome.connections import (
    DOOMED,
    HEAD_RECORDS,
    REJECTED,
    SELECTED,
    TAIL_RECORDS,
    ConnectionLog,
    ConnectionRecord,
    EndedBy,
    SentTranscript,
)

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
