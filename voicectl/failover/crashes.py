"""The ``--crashes`` schedule of ``chaos failover`` (and ``chaos stt-crash --mode``), sans-I/O.

A crash word names a registered provider fault in its outage form (:attr:`Fault.crash`:
``close``, ``drop``, ``error``, ``stall``); a bare number is a ``ws-close`` with that code,
checked by the one close-code rule. ``exception`` (the STT's own code raises) and ``recover``
are :class:`ServiceEvent`\\ s, not provider faults.
"""

from __future__ import annotations

import re

from voicectl.errors import InputError
from voicectl.faults.base import Fault, crash_fault, crash_names
from voicectl.faults.ws_close import WsClose
from voicectl.outcome.failover import Incident, ServiceEvent

__all__ = ["CRASH_MODES", "crash_cause", "parse_incidents"]

#: How a service can die: the outage forms of the registered faults, and an exception.
CRASH_MODES: tuple[str, ...] = tuple(sorted([*crash_names(), ServiceEvent.EXCEPTION.value]))

_INCIDENT = re.compile(r"^(?:(primary|backup):)?(\w+)@(\d+(?:\.\d+)?)s?$")


def crash_cause(mode: str) -> Fault | ServiceEvent | None:
    """The cause a crash mode of :data:`CRASH_MODES` names (None: not a crash mode)."""
    if mode == ServiceEvent.EXCEPTION.value:
        return ServiceEvent.EXCEPTION
    fault = crash_fault(mode)
    return None if fault is None else fault.as_crash()


def parse_incidents(text: str) -> tuple[Incident, ...]:
    """``"1011@5,recover@20,backup:drop@30"`` -> incidents (a bare number is a close code)."""
    incidents = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INCIDENT.match(part)
        if match is None:
            raise InputError(
                f"--crashes: {part!r} is not KIND@SECONDS (e.g. 1011@5, drop@8, recover@20)"
            )
        service, kind, at = match[1], match[2], float(match[3])
        cause: Fault | ServiceEvent | None
        if kind.isdigit():
            try:
                cause = WsClose.as_crash(int(kind))
            except InputError as exc:
                raise InputError(f"--crashes: {exc}") from None
        elif kind == ServiceEvent.RECOVER.value:
            cause = ServiceEvent.RECOVER
        else:
            cause = crash_cause(kind)
        if cause is None:
            raise InputError(
                f"--crashes: unknown kind {kind!r} (a close code, {', '.join(CRASH_MODES)} or recover)"
            )
        incidents.append(Incident(at, cause, service))
    if not incidents:
        raise InputError("--crashes needs at least one incident")
    if all(i.is_recovery for i in incidents):
        raise InputError(
            f"--crashes {text!r} has no crash, only recoveries: nothing would fail over "
            f"(add a crash, e.g. 1011@5 or drop@8)"
        )
    return tuple(sorted(incidents, key=lambda i: i.at_s))
