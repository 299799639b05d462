"""``--json``, ``--junit``, ``--markdown``, ``--html``, ``-q``, ``-v``, ``--strict``, ``--timeout``:
the report options every command takes, added once by :func:`with_report_outputs`."""

from __future__ import annotations

import dataclasses
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
from voicectl.cli.option_sets import option, with_option_set

__all__ = ["REPORT_OPTION_KINDS", "outputs_of", "with_report_outputs"]

F = TypeVar("F", bound=Callable[..., Any])

#: The report options every command takes: name, annotated type, default (``--timeout`` apart).
REPORT_OPTION_KINDS: list[tuple[str, Any, Any]] = [
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
    options = [option(name, kind, default) for name, kind, default in REPORT_OPTION_KINDS]
    options.append(option("timeout", TimeoutOpt, timeout_s))
    return with_option_set(options, into="outputs", convert=lambda given: make_outputs(**given))


def outputs_of(outputs: Outputs | None, trials: int = 1) -> Outputs:
    """The ``outputs`` :func:`with_report_outputs` passed, ``--timeout`` bounding each of
    ``trials`` runs."""
    if outputs is None:
        raise TypeError("the report options are added by @with_report_outputs")
    return dataclasses.replace(outputs, timeout_s=outputs.timeout_s * trials)
