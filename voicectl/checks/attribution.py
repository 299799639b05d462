"""Whether an error message names a cause: a code, status or reason as a whole token.

A term counts only where it stands on its own: ``1008`` names the close code in
``received 1008 (policy violation)``, but not in ``ws://127.0.0.1:51008/v1`` or in
``host:1008``, where it is part of an address, a port or a longer number. Addresses are
removed before matching, so an ephemeral port can never name a code by chance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["named_terms", "without_addresses"]

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_HOST_PORT = re.compile(r"(?:\[[0-9a-f:]+\]|[a-z0-9][a-z0-9.-]*):\d+\b", re.IGNORECASE)
# A token is not glued to a word character, nor part of a dotted or dashed name or number.
_BEFORE = r"(?<![\w.\-/:])"
_AFTER = r"(?![\w\-/]|\.\w)"


def without_addresses(text: str) -> str:
    """``text`` with URLs and ``host:port`` pairs replaced by a space."""
    return _HOST_PORT.sub(" ", _URL.sub(" ", text))


def named_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The ``terms`` that ``text`` names as whole tokens (case-insensitive), in ``terms`` order."""
    plain = without_addresses(text)
    found = []
    for term in terms:
        words = term.strip().split()
        if not words:
            continue
        body = r"\s+".join(re.escape(w) for w in words)
        if re.search(_BEFORE + body + _AFTER, plain, re.IGNORECASE):
            found.append(term)
    return found
