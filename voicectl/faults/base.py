"""What every provider fault shares: the registry, the "which connections" selector, triggers.

A fault is a small dataclass of its parameters plus what it does to one connection, registered
under the name the CLI uses (Toxiproxy's toxic model). When it acts (the :class:`Trigger`) and on
which connections (the :class:`Selector`) are decided here, once, for every fault.
"""

from __future__ import annotations

import http
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeVar

from voicectl.errors import InputError
from voicectl.faults.actions import Action, Outage

__all__ = [
    "FAULTS",
    "Fault",
    "FaultFamily",
    "Selector",
    "Trigger",
    "TriggerKind",
    "check_close_code",
    "check_close_reason",
    "check_handshake_status",
    "close_code_name",
    "crash_fault",
    "crash_names",
    "fault_names",
    "register",
]


class FaultFamily(StrEnum):
    """How a fault shows up to the target, which decides how the reaction is judged."""

    CONNECTION_LOSS = "connection-loss"  # the connection ends: close, drop, rejected handshake
    STALL = "stall"  # the connection stays open but the provider goes silent
    MALFORMED = "malformed"  # the provider sends something the target must report
    LATENCY = "latency"  # the provider answers late; the target should carry on


class TriggerKind(StrEnum):
    """When a fault acts on a selected connection."""

    FIRST_MESSAGE = "first-message"  # right after the client's first message
    AFTER_SECONDS = "after-seconds"  # a timer from the accepted handshake
    AFTER_MESSAGES = "after-messages"  # after the client's Nth message
    HANDSHAKE = "handshake"  # instead of accepting the handshake
    ALWAYS = "always"  # for the whole connection (latency)


@dataclass(frozen=True)
class Trigger:
    """When a fault acts: a kind and its argument (seconds or a message count)."""

    kind: TriggerKind
    value: float = 0.0

    @classmethod
    def from_options(cls, after: float | None, after_messages: int | None) -> Trigger:
        """Build from the CLI's ``--after`` / ``--after-messages`` (default: first message)."""
        if after is not None and after_messages is not None:
            raise InputError("give --after or --after-messages, not both")
        if after is not None:
            if after < 0:
                raise InputError(f"--after must be >= 0 seconds, got {after:g}")
            return cls(TriggerKind.AFTER_SECONDS, float(after))
        if after_messages is not None:
            if after_messages < 1:
                raise InputError(f"--after-messages must be >= 1, got {after_messages}")
            return cls(TriggerKind.AFTER_MESSAGES, float(after_messages))
        return cls(TriggerKind.FIRST_MESSAGE)

    def describe(self) -> str:
        if self.kind is TriggerKind.AFTER_SECONDS:
            return "on accept" if self.value == 0 else f"{self.value:g} s after accept"
        if self.kind is TriggerKind.AFTER_MESSAGES:
            count = int(self.value)
            return f"after the client's message {count}"
        if self.kind is TriggerKind.FIRST_MESSAGE:
            return "after the client's first message"
        if self.kind is TriggerKind.HANDSHAKE:
            return "at the handshake"
        return "on every message"


_RANGE = re.compile(r"^\s*(\d+)\s*(?:(\.\.)\s*(\d+)?\s*)?$")


@dataclass(frozen=True)
class Selector:
    """Which connections get the fault: every one (a bad key fails every time), the first, or N..M.

    Connections are numbered from 1 in the order their handshakes reach the fake provider.
    """

    first: int = 1
    last: int | None = None  # None: no upper bound

    @classmethod
    def parse(cls, text: str) -> Selector:
        """``every``, ``first``, ``N``, ``N..M`` or ``N..`` (1-based, inclusive; ``N..``: N on)."""
        value = text.strip().lower()
        if value in ("every", "all"):
            return cls()
        if value == "first":
            return cls(1, 1)
        match = _RANGE.match(value)
        if match is None:
            raise InputError(f"--on must be every, first, N, N..M or N.., got {text!r}")
        first = int(match[1])
        if match[2] is not None and match[3] is None:
            if first < 1:
                raise InputError(f"--on {text!r}: connections are numbered from 1")
            return cls(first, None)
        last = int(match[3]) if match[3] is not None else first
        if first < 1 or last < first:
            raise InputError(f"--on {text!r}: connections are numbered from 1 and N <= M")
        return cls(first, last)

    def selects(self, number: int) -> bool:
        return number >= self.first and (self.last is None or number <= self.last)

    def describe(self) -> str:
        if self.last is None:
            return "every connection" if self.first == 1 else f"connections {self.first} on"
        if self.first == self.last:
            return "the first connection" if self.first == 1 else f"connection {self.first}"
        return f"connections {self.first}..{self.last}"


class Fault(ABC):
    """One provider fault: its parameters (the dataclass fields) and how it shows itself."""

    name: ClassVar[str]
    family: ClassVar[FaultFamily]
    #: Whether a selected connection ends because of the fault (close, drop, rejection, stall).
    terminates_connection: ClassVar[bool] = True
    #: The fault's word as a provider outage in ``chaos failover --crashes`` and ``chaos
    #: stt-crash --mode`` (None: it has no outage form; see :meth:`as_crash`, :meth:`outage`).
    crash: ClassVar[str | None] = None

    @property
    @abstractmethod
    def trigger(self) -> Trigger:
        """When the fault acts on a selected connection."""

    @property
    @abstractmethod
    def action(self) -> Action:
        """What the fault does to a selected connection."""

    def trigger_for(self, ordinal: int) -> Trigger:
        """The trigger for the ``ordinal``-th selected connection (1-based); flap varies it."""
        return self.trigger

    def action_for(self, ordinal: int) -> Action:
        """The action for the ``ordinal``-th selected connection (1-based)."""
        return self.action

    @abstractmethod
    def describe(self) -> str:
        """One line for people: ``close 1008 "policy violation" after the client's first message``."""

    @abstractmethod
    def attribution_terms(self) -> tuple[str, ...]:
        """Words an error text must contain (any one, case-insensitive) to name this fault's cause."""

    def basis(self) -> str:
        """What the target observes, for the policy table (``close 1008``, ``HTTP 401``)."""
        return self.describe()

    @classmethod
    def from_spec(
        cls, arg: str | None, after: float | None, after_messages: int | None, spec: str
    ) -> Fault:
        """Build from a compact spec's parts (:func:`~voicectl.faults.spec.parse_fault_spec`):
        ``NAME:ARG@AFTER`` gives ``arg``, and ``after`` seconds or ``after_messages``."""
        raise NotImplementedError(f"{cls.name} has no compact spec")

    @classmethod
    def as_crash(cls) -> Fault:
        """The fault as ``chaos failover`` injects it when its :attr:`crash` word is given."""
        raise NotImplementedError(f"{cls.name} has no outage form")

    def outage(self) -> Outage:
        """What the provider does while this fault keeps it down (``chaos failover``)."""
        raise NotImplementedError(f"{self.name} has no outage form")

    def incident_label(self) -> str:
        """How a failover verdict names this fault as an incident (``close 1011``, ``drop``)."""
        return self.crash or "error"

    def to_json(self) -> dict[str, object]:
        """The fault's name and parameters, for the report."""
        data: dict[str, object] = {"name": self.name}
        data.update({k: v for k, v in vars(self).items() if not k.startswith("_")})
        data["trigger"] = self.trigger.describe()
        data["description"] = self.describe()
        return data


@dataclass(frozen=True)
class TimedConnectionFault(Fault):
    """A fault that strikes a connection ``after`` seconds or ``after_messages`` client messages
    (the first message when neither is given); a subclass says what it does and in which words."""

    after: float | None = None
    after_messages: int | None = None

    def __post_init__(self) -> None:
        Trigger.from_options(self.after, self.after_messages)  # validates

    @property
    def trigger(self) -> Trigger:
        return Trigger.from_options(self.after, self.after_messages)


FAULTS: dict[str, type[Fault]] = {}

F = TypeVar("F", bound=type[Fault])


def register(cls: F) -> F:
    """Class decorator: make a fault available under its ``name``."""
    if cls.name in FAULTS:
        raise ValueError(f"fault {cls.name!r} registered twice")
    FAULTS[cls.name] = cls
    return cls


def fault_names() -> list[str]:
    return sorted(FAULTS)


def crash_names() -> list[str]:
    """The :attr:`Fault.crash` words of the registered faults that have an outage form."""
    return sorted(cls.crash for cls in FAULTS.values() if cls.crash is not None)


def crash_fault(word: str) -> type[Fault] | None:
    """The registered fault whose outage form ``word`` names, if any."""
    return next((cls for cls in FAULTS.values() if cls.crash == word), None)


# Codes a close frame may carry (RFC 6455 7.4, as python-websockets enforces them).
_SENDABLE_RFC = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
_CODE_NAMES = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
}


def close_code_name(code: int) -> str:
    """``policy violation`` for 1008; ``private use`` for 4000-4999; ``registered`` for 3000s."""
    if code in _CODE_NAMES:
        return _CODE_NAMES[code]
    if 3000 <= code <= 3999:
        return "registered"
    if 4000 <= code <= 4999:
        return "private use"
    return "unknown"


def check_close_code(code: int) -> int:
    """Return ``code`` if a close frame can carry it, else raise :class:`InputError`."""
    if code in (1005, 1006, 1015):
        raise InputError(
            f"close code {code} cannot be sent: it is reserved for local use only (RFC 6455 7.4.1)"
        )
    if code < 1000 or code > 4999:
        raise InputError(f"close code {code} cannot be sent: valid codes are 1000-4999")
    if code == 1004 or 1016 <= code <= 2999:
        raise InputError(f"close code {code} cannot be sent: it is reserved (RFC 6455 7.4.2)")
    if code in _SENDABLE_RFC or 3000 <= code <= 4999:
        return code
    raise InputError(f"close code {code} cannot be sent")  # pragma: no cover (ranges above)


def check_close_reason(reason: str) -> str:
    """Return ``reason`` if a close frame can carry it (123 bytes of UTF-8), else InputError."""
    size = len(reason.encode("utf-8"))
    if size > 123:
        raise InputError(
            f"a close reason of {size} bytes cannot be sent: a close frame carries at most "
            "123 bytes of UTF-8 (RFC 6455 5.5)"
        )
    return reason


def check_handshake_status(status: int) -> int:
    """Return ``status`` if the fake can answer a handshake with it, else raise InputError."""
    if status == 101:
        raise InputError("--status 101 would accept the handshake; use an error status")
    if not 200 <= status <= 599:
        raise InputError(f"--status must be an HTTP status from 200 to 599, got {status}")
    try:
        http.HTTPStatus(status)
    except ValueError:
        raise InputError(f"--status {status} is not a standard HTTP status") from None
    return status
