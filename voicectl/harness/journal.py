"""Moved to :mod:`voicectl.outcome.journal` (re-exported for code written before the move)."""

from voicectl.outcome.journal import (
    PERMANENT_CATEGORIES,
    BoundedList,
    ChaosJournal,
    ErrorRecord,
    OutputRecord,
    UsableFlip,
)

__all__ = [
    "PERMANENT_CATEGORIES",
    "BoundedList",
    "ChaosJournal",
    "ErrorRecord",
    "OutputRecord",
    "UsableFlip",
]
