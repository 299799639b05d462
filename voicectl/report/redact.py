"""Mask secrets (API keys, tokens, passwords, auth headers) before anything is written or shown.

Provider URLs routinely carry keys (``wss://api.example.com/v1?api_key=sk-...``) and error texts
echo request headers, so every string that leaves voicectl — JSON, JUnit, Markdown, console —
goes through :func:`redact`. Masking is idempotent: redacting twice gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "is_secret_name", "redact", "redact_value"]

MASK = "***"

# A parameter or field name that holds a secret: one of the words below, alone or as the last
# part of a longer name (``session_token``, ``xi-api-key``, ``client_secret``). "monkey" or
# "keyboard" do not match: the word must stand alone or follow ``_``/``-``/``.``.
_SECRET_WORD = (
    r"(?:api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token"
    r"|auth|authorization|password|passwd|pwd|secret|signature|sig|credentials?)"
)
_SECRET_NAME = rf"(?:[A-Za-z0-9]+[_.-])*{_SECRET_WORD}"
_SECRET_NAME_FULL = re.compile(rf"{_SECRET_NAME}", re.IGNORECASE)

# ``Authorization: Bearer abc``, ``'Authorization': 'Token abc'``, ``X-Api-Key: abc``.
_HEADER = re.compile(
    r"""(?P<head>\b(?:proxy-)?authorization|\b(?:x-|xi-)?api-key|\bx-auth-token)"""
    r"""(?P<sep>['"]?\s*[:=]\s*['"]?)"""
    r"""(?P<scheme>(?:bearer|token|basic|digest|key)\s+)?"""
    r"""(?P<value>[^\s'",;}]+)""",
    re.IGNORECASE,
)
# A bearer token anywhere in free text (``... with Bearer eyJhbGci...``).
_BEARER = re.compile(r"\b(?P<scheme>bearer\s+)(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE)
# ``scheme://user:password@host`` and ``scheme://token@host``.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@?#]+)@")
# ``api_key=abc`` in query strings, form bodies and free text.
_PARAM = re.compile(
    rf"(?P<name>(?<![A-Za-z0-9_.-]){_SECRET_NAME})(?P<sep>=)(?P<value>[^&\s#'\"<>;,]+)",
    re.IGNORECASE,
)
# ``"api_key": "abc"`` in JSON or Python reprs echoed inside error texts.
_QUOTED_FIELD = re.compile(
    rf"""(?P<name>(?P<q>['"]){_SECRET_NAME}(?P=q)\s*:\s*)(?P<vq>['"])(?P<value>[^'"]*)(?P=vq)""",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Return ``text`` with secrets in URLs, query strings and auth headers masked."""
    if not text:
        return text
    text = _HEADER.sub(_mask_header, text)
    text = _BEARER.sub(lambda m: f"{m['scheme']}{MASK}", text)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _PARAM.sub(lambda m: f"{m['name']}={MASK}", text)
    return _QUOTED_FIELD.sub(lambda m: f"{m['name']}{m['vq']}{MASK}{m['vq']}", text)


def is_secret_name(name: str) -> bool:
    """Whether a field or parameter called ``name`` holds a secret (``api_key``, ``token``...)."""
    return _SECRET_NAME_FULL.fullmatch(name) is not None


def redact_value(value: Any) -> Any:
    """Redact every string inside ``value``; string values of secret-named keys are masked whole.

    Mappings, lists and tuples are copied, everything else is returned as it is.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            key: (
                MASK
                if isinstance(key, str) and is_secret_name(key) and isinstance(item, str) and item
                else redact_value(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


def _mask_header(match: re.Match[str]) -> str:
    return f"{match['head']}{match['sep']}{match['scheme'] or ''}{MASK}"
