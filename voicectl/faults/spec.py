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

Each fault type's ``from_spec(arg, after, after_messages, spec)`` classmethod parses its own
argument (the LLM faults: ``llm-error:429~2``, ``llm-slow:5000``, ``llm-stall:3``,
``llm-truncate:3``, ``llm-bad-args``; on HTTP fakes ``@Ns`` selects requests arriving N s or
more after the fake started).
"""

from __future__ import annotations

import re

from voicectl.errors import InputError
from voicectl.faults.base import FAULTS, Fault, Selector, fault_names

__all__ = ["parse_fault_spec"]

_SPEC = re.compile(
    r"^(?P<name>[a-z][a-z-]*)"
    r"(?::(?P<arg>[^@#]+))?"
    r"(?:@(?P<after>\d+(?:\.\d+)?)(?P<unit>s|msg)?)?"
    r"(?:#(?P<on>[^#]+))?$"
)


def parse_fault_spec(text: str) -> tuple[Fault, Selector]:
    """Parse a compact spec into a fault (its own :meth:`Fault.from_spec` reads ``ARG``) and
    the connections it applies to."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise InputError(f"fault spec {text!r} is not NAME[:ARG][@AFTER][#ON]")
    name = match["name"]
    if name not in FAULTS:
        raise InputError(f"unknown fault {name!r} (known: {', '.join(fault_names())})")
    after: float | None = None
    after_messages: int | None = None
    if match["after"] is not None:
        if match["unit"] == "msg":
            after_messages = int(float(match["after"]))
        else:
            after = float(match["after"])
    selector = Selector.parse(match["on"]) if match["on"] else Selector()
    return FAULTS[name].from_spec(match["arg"], after, after_messages, text), selector
