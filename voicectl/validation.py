"""Validate-only mode: a command parses and checks its input, then stops before running.

``voicectl run`` checks every scenario of a suite this way before it starts the first one. It
lives outside ``voicectl.cli`` and ``voicectl.suite`` so that neither imports the other for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["validate_only", "validating"]

_VALIDATE_ONLY: ContextVar[bool] = ContextVar("voicectl_validate_only", default=False)


@contextlib.contextmanager
def validate_only() -> Iterator[None]:
    """Inside, a command parses and checks its input, then exits 0 before running anything."""
    token = _VALIDATE_ONLY.set(True)
    try:
        yield
    finally:
        _VALIDATE_ONLY.reset(token)


def validating() -> bool:
    """Whether the current command only validates its input."""
    return _VALIDATE_ONLY.get()
