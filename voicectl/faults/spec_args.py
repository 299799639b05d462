"""Checks a fault's ``from_spec`` shares for the compact spec's ``:ARG`` and ``@AFTER`` parts."""

from __future__ import annotations

from voicectl.errors import InputError

__all__ = ["float_arg", "int_arg", "no_arg", "no_trigger"]


def no_arg(name: str, arg: str | None, spec: str) -> None:
    """InputError if a fault that takes no ``:ARG`` was given one."""
    if arg is not None:
        raise InputError(f"fault spec {spec!r}: {name} takes no ':' argument")


def no_trigger(name: str, after: float | None, after_messages: int | None, spec: str) -> None:
    """InputError if a fault that takes no ``@AFTER`` was given one."""
    if after is not None or after_messages is not None:
        raise InputError(f"fault spec {spec!r}: {name} takes no '@' trigger")


def int_arg(value: str | None, spec: str, default: int) -> int:
    """``value`` as an integer (``default`` when absent)."""
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InputError(f"fault spec {spec!r}: {value!r} is not an integer") from None


def float_arg(value: str, spec: str) -> float:
    """``value`` as a number."""
    try:
        return float(value)
    except ValueError:
        raise InputError(f"fault spec {spec!r}: {value!r} is not a number") from None
