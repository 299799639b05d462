"""The shape of one registered check: what it expects, its bound and why, and its tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CheckSpec", "Worst"]

#: The worst verdict a check gives when its expectation is not met.
Worst = Literal["fail", "warn", "error"]


@dataclass(frozen=True)
class CheckSpec:
    """One check id: what it expects and the pytest node ids that show it passing and failing.

    ``passes_in`` is a test where the check passes (None only when the check exists to say
    that something could not be judged and so never passes); ``fails_in`` is a test where it
    gives ``worst``.
    """

    id: str
    title: str
    commands: tuple[str, ...]
    expects: str
    bound: str
    bound_why: str
    passes_in: str | None
    fails_in: str
    worst: Worst = "fail"
    never_passes_because: str = ""

    def __post_init__(self) -> None:
        if self.passes_in is None and not self.never_passes_because:
            raise ValueError(f"{self.id}: a check without a passing test must say why")
