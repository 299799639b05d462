"""``--json``, ``--junit``, ``--markdown``, ``--html``, ``-q``, ``-v``, ``--strict``, ``--timeout``:
the report options every command takes, added once by :func:`with_report_outputs`."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from voicectl.cli.common import (
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    MarkdownOpt,
    Outputs,
    QuietOpt,
    StrictOpt,
    TimeoutOpt,
    VerboseOpt,
    make_outputs,
)

__all__ = ["outputs_of", "with_report_outputs"]

F = TypeVar("F", bound=Callable[..., Any])

_KINDS: list[tuple[str, Any, Any]] = [
    ("json", JsonOpt, None),
    ("junit", JunitOpt, None),
    ("markdown", MarkdownOpt, None),
    ("html", HtmlOpt, None),
    ("quiet", QuietOpt, False),
    ("verbose", VerboseOpt, False),
    ("strict", StrictOpt, False),
]


def with_report_outputs(timeout_s: float = 120.0) -> Callable[[F], F]:
    """Give the decorated command the report options; it receives ``outputs`` (an
    :class:`~voicectl.cli.common.Outputs`) instead. ``timeout_s`` is ``--timeout``'s default."""
    options = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, kind, default in _KINDS
    ]
    options.append(
        inspect.Parameter(
            "timeout", inspect.Parameter.KEYWORD_ONLY, default=timeout_s, annotation=TimeoutOpt
        )
    )
    names = {p.name for p in options}

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        if "outputs" not in signature.parameters:
            raise TypeError(f"{command.__name__} must take an 'outputs' parameter")
        clash = names & set(signature.parameters)
        if clash:
            raise TypeError(f"{command.__name__} already has {sorted(clash)}")
        kept = [p for name, p in signature.parameters.items() if name != "outputs"]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {p.name: kwargs.pop(p.name, p.default) for p in options}
            return command(*args, outputs=make_outputs(**given), **kwargs)

        parameters = [*kept, *options]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate


def outputs_of(outputs: Outputs | None, trials: int = 1) -> Outputs:
    """The ``outputs`` :func:`with_report_outputs` passed, ``--timeout`` bounding each of
    ``trials`` runs."""
    if outputs is None:
        raise TypeError("the report options are added by @with_report_outputs")
    return dataclasses.replace(outputs, timeout_s=outputs.timeout_s * trials)
