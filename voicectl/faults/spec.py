"""Compact fault specs for suites and scripts: ``ws-close:1011@6s``, ``handshake:401#first``.

Grammar: ``NAME[:ARG][@AFTER][#ON]`` where ``AFTER`` is ``6s`` / ``6`` (seconds after accept) or
``3msg`` (after the client's third message) and ``ON`` is the connection selector
(``every``, ``first``, ``N``, ``N..M``). ``ARG`` depends on the fault:

=============  =====================================================
``ws-close``   close code (``1008``)
``handshake``  HTTP status (``401``)
``malformed``  ``json`` | ``keys`` | ``error``
``latency``    ``MS`` or ``MS~JITTER`` (milliseconds)
``flap``       lifetimes in seconds (``6,1,1``)
=============  =====================================================

A fault type with a ``from_spec(arg, after, after_messages, spec)`` classmethod parses its own
argument (the LLM faults: ``llm-error:429~2``, ``llm-slow:5000``, ``llm-stall:3``,
``llm-truncate:3``, ``llm-bad-args``; on HTTP fakes ``@Ns`` selects requests arriving N s or
more after the fake started).
"""

from __future__ import annotations

import re

from voicectl.errors import InputError
from voicectl.faults.actions import MalformedKind
from voicectl.faults.base import FAULTS, Fault, Selector, fault_names
from voicectl.faults.flap import Flap, parse_lifetimes
from voicectl.faults.handshake import Handshake
from voicectl.faults.latency import Latency
from voicectl.faults.malformed import Malformed
from voicectl.faults.stall import StallFault
from voicectl.faults.ws_close import WsClose
from voicectl.faults.ws_drop import WsDrop

__all__ = ["parse_fault_spec"]

_SPEC = re.compile(
    r"^(?P<name>[a-z][a-z-]*)"
    r"(?::(?P<arg>[^@#]+))?"
    r"(?:@(?P<after>\d+(?:\.\d+)?)(?P<unit>s|msg)?)?"
    r"(?:#(?P<on>[^#]+))?$"
)


def parse_fault_spec(text: str) -> tuple[Fault, Selector]:
    """Parse a compact spec into a fault and the connections it applies to."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise InputError(f"fault spec {text!r} is not NAME[:ARG][@AFTER][#ON]")
    name = match["name"]
    if name not in FAULTS:
        raise InputError(f"unknown fault {name!r} (known: {', '.join(fault_names())})")
    arg = match["arg"]
    after: float | None = None
    after_messages: int | None = None
    if match["after"] is not None:
        if match["unit"] == "msg":
            after_messages = int(float(match["after"]))
        else:
            after = float(match["after"])
    selector = Selector.parse(match["on"]) if match["on"] else Selector()
    timed = after is not None or after_messages is not None

    def no_arg() -> None:
        if arg is not None:
            raise InputError(f"fault spec {text!r}: {name} takes no ':' argument")

    def no_after() -> None:
        if timed:
            raise InputError(f"fault spec {text!r}: {name} takes no '@' trigger")

    fault: Fault
    parse_own = getattr(FAULTS[name], "from_spec", None)
    if parse_own is not None:
        return parse_own(arg, after, after_messages, text), selector
    if name == "ws-close":
        fault = WsClose(code=_int(arg, text, 1008), after=after, after_messages=after_messages)
    elif name == "ws-drop":
        no_arg()
        fault = WsDrop(after=after, after_messages=after_messages)
    elif name == "handshake":
        no_after()
        fault = Handshake(status=_int(arg, text, 401))
    elif name == "stall":
        no_arg()
        fault = StallFault(after=after, after_messages=after_messages)
    elif name == "malformed":
        try:
            kind = MalformedKind(arg) if arg else MalformedKind.ERROR
        except ValueError:
            raise InputError(
                f"fault spec {text!r}: malformed kind is json, keys or error"
            ) from None
        fault = Malformed(kind=kind, after=after, after_messages=after_messages)
    elif name == "latency":
        no_after()
        ms, _, jitter = (arg or "300").partition("~")
        fault = Latency(ms=_float(ms, text), jitter_ms=_float(jitter, text) if jitter else 0.0)
    else:  # flap: every other registered fault parses its own spec (above)
        no_after()
        fault = Flap(lifetimes=parse_lifetimes(arg) if arg else Flap.lifetimes)
    return fault, selector


def _int(value: str | None, spec: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InputError(f"fault spec {spec!r}: {value!r} is not an integer") from None


def _float(value: str, spec: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(f"fault spec {spec!r}: {value!r} is not a number") from None
