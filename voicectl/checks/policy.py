"""The close-code policy of DESIGN section 2: what a service should do after each failure.

| close | class | expected reaction |
|---|---|---|
| 1002 1003 1007 1008 1009 1010 1015, HTTP 401/403 | non-recoverable | no reconnect, terminal error within 2 s naming the cause, service unusable |
| 1001 1006 1011 1012 1013 1014, HTTP 429/5xx, TCP drop | recoverable | bounded retries with backoff, terminal error once it gives up |
| 1000 | normal | per target; reconnecting is allowed |
| 4000-4999 | private | per-provider map, default recoverable |

RFC 6455 leaves the reaction to a close code undefined (7.4), so this is a convention; every
entry can be overridden (``--expect``, ``--max-attempts``, ``--surface-within``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from voicectl.faults.base import Fault, FaultFamily, close_code_name
from voicectl.faults.flap import Flap
from voicectl.faults.handshake import Handshake
from voicectl.faults.ws_close import WsClose

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_SURFACE_WITHIN_S",
    "NON_RECOVERABLE_CLOSE_CODES",
    "RECOVERABLE_CLOSE_CODES",
    "STALL_SURFACE_WITHIN_S",
    "Expectation",
    "Reaction",
    "classify_close_code",
    "classify_status",
    "expectation_for",
]

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_SURFACE_WITHIN_S = 2.0
#: A stalled provider is only noticed by a keepalive or a send timeout; 10 s is about what a
#: caller sits through in silence before hanging up.
STALL_SURFACE_WITHIN_S = 10.0

NON_RECOVERABLE_CLOSE_CODES = frozenset({1002, 1003, 1007, 1008, 1009, 1010, 1015})
RECOVERABLE_CLOSE_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


class Reaction(StrEnum):
    """The class of a failure, which fixes the expected reaction."""

    NON_RECOVERABLE = "non-recoverable"
    RECOVERABLE = "recoverable"
    NORMAL = "normal"


def classify_close_code(code: int, private: Mapping[int, str] | None = None) -> Reaction:
    """The policy class of a close code (``private`` maps a provider's own codes)."""
    if private and code in private:
        return Reaction(private[code])
    if code in NON_RECOVERABLE_CLOSE_CODES:
        return Reaction.NON_RECOVERABLE
    if code == 1000:
        return Reaction.NORMAL
    return Reaction.RECOVERABLE


def classify_status(status: int) -> Reaction:
    """HTTP status at the handshake: 401/403 and other client errors cannot be retried away;
    408, 429 and 5xx can."""
    if status in (408, 429) or status >= 500:
        return Reaction.RECOVERABLE
    if 400 <= status < 500:
        return Reaction.NON_RECOVERABLE
    return Reaction.RECOVERABLE


@dataclass(frozen=True)
class Expectation:
    """The expected reaction to one fault, and where that expectation comes from."""

    reaction: Reaction
    basis: str
    source: str = "policy"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    surface_within_s: float = DEFAULT_SURFACE_WITHIN_S

    def describe(self) -> str:
        if self.reaction is Reaction.NON_RECOVERABLE:
            what = "no reconnect, terminal error naming the cause, service unusable"
        elif self.reaction is Reaction.NORMAL:
            what = "reconnecting allowed, bounded"
        else:
            what = f"at most {self.max_attempts} retries with backoff, then a terminal error"
        return f"{self.basis}: {self.reaction.value} ({self.source}): {what}"

    def to_json(self) -> dict[str, object]:
        return {
            "reaction": self.reaction.value,
            "basis": self.basis,
            "source": self.source,
            "max_attempts": self.max_attempts,
            "surface_within_s": self.surface_within_s,
        }


def expectation_for(
    fault: Fault,
    *,
    private_codes: Mapping[int, str] | None = None,
    expect: Reaction | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    surface_within_s: float | None = None,
) -> Expectation:
    """The policy's expectation for ``fault`` with the user's overrides applied."""
    if isinstance(fault, WsClose | Flap):
        reaction = classify_close_code(fault.code, private_codes)
        basis = f"close {fault.code} ({close_code_name(fault.code)})"
    elif isinstance(fault, Handshake):
        reaction = classify_status(fault.status)
        basis = fault.basis()
    else:
        reaction = Reaction.RECOVERABLE
        basis = fault.basis()
    if surface_within_s is None:
        surface_within_s = (
            STALL_SURFACE_WITHIN_S
            if fault.family is FaultFamily.STALL
            else DEFAULT_SURFACE_WITHIN_S
        )
    return Expectation(
        reaction=expect or reaction,
        basis=basis,
        source="--expect" if expect else "policy",
        max_attempts=max_attempts,
        surface_within_s=surface_within_s,
    )
