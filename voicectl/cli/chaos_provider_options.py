"""The options every provider-fault command shares (``voicectl chaos ws-close`` and its siblings),
declared once and added to each by :data:`with_provider_options`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from voicectl.checks.policy import DEFAULT_MAX_ATTEMPTS
from voicectl.cli.common import Outputs, TrialsOpt, make_outputs
from voicectl.cli.option_sets import option, with_option_set
from voicectl.cli.report_options import REPORT_OPTION_KINDS
from voicectl.harness.runner import DEFAULT_BUDGET_S
from voicectl.harness.targets import DEFAULT_TARGET, target_names
from voicectl.providers import protocol_names

__all__ = [
    "PROVIDER_OPTIONS",
    "AfterMessagesOpt",
    "AfterOpt",
    "Expect",
    "common_outputs",
    "with_provider_options",
]


class Expect(StrEnum):
    RECOVERABLE = "recoverable"
    NON_RECOVERABLE = "non-recoverable"


_COMMON = "Common options"
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target",
        "-t",
        help=f"Service under test: {', '.join(target_names())}, or path/file.py:factory / "
        f"package.module:factory called as factory(url) [default: {DEFAULT_TARGET}]. With "
        "--bot-cmd: the --fake to fault, by its NAME [default: the first --fake].",
        rich_help_panel=_COMMON,
    ),
]
AudioOpt = Annotated[
    Path | None,
    typer.Option(
        "--audio",
        help="With --bot-cmd: the call to place into your bot (default: the bundled order_status).",
        exists=True,
        dir_okay=False,
        rich_help_panel=_COMMON,
    ),
]
ProtocolOpt = Annotated[
    str | None,
    typer.Option(
        "--protocol",
        help=f"Fake provider protocol for a custom target ({', '.join(protocol_names())}; "
        "default generic).",
        rich_help_panel=_COMMON,
    ),
]
OnOpt = Annotated[
    str,
    typer.Option(
        "--on",
        help="Which connections get the fault: every, first, N or N..M (numbered from 1).",
        rich_help_panel=_COMMON,
    ),
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        help="Seed for jitter (default: random, recorded in the report).",
        rich_help_panel=_COMMON,
    ),
]
BudgetOpt = Annotated[
    float,
    typer.Option(
        "--budget",
        help="Observe at most this long (s); the run stops earlier once every verdict is settled.",
        min=0.5,
        rich_help_panel=_COMMON,
    ),
]
MaxAttemptsOpt = Annotated[
    int,
    typer.Option(
        "--max-attempts", help="Retries allowed per incident.", min=0, rich_help_panel=_COMMON
    ),
]
SurfaceOpt = Annotated[
    float | None,
    typer.Option(
        "--surface-within",
        help="Seconds after the deciding failure by which an error must surface "
        "(default 2; 10 for stall).",
        min=0.01,
        rich_help_panel=_COMMON,
    ),
]
ExpectOpt = Annotated[
    Expect | None,
    typer.Option(
        "--expect",
        help="Override the policy's class for this failure.",
        case_sensitive=False,
        rich_help_panel=_COMMON,
    ),
]
FullBudgetOpt = Annotated[
    bool,
    typer.Option(
        "--full-budget",
        help="Keep observing until the budget even once the verdict is settled (to see how far "
        "a reconnect loop goes).",
        rich_help_panel=_COMMON,
    ),
]
ChaosTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Hard deadline for the whole run, seconds (default: budget + 60).",
        min=1,
        rich_help_panel=_COMMON,
    ),
]
AfterOpt = Annotated[
    float | None,
    typer.Option("--after", help="Act this many seconds after the handshake (0: at once)."),
]
AfterMessagesOpt = Annotated[
    int | None,
    typer.Option("--after-messages", help="Act after the client's Nth message."),
]


PROVIDER_OPTIONS = [
    option("target", TargetOpt, None),
    option("audio", AudioOpt, None),
    option("protocol", ProtocolOpt, None),
    option("on", OnOpt, "every"),
    option("seed", SeedOpt, None),
    option("budget", BudgetOpt, DEFAULT_BUDGET_S),
    option("max_attempts", MaxAttemptsOpt, DEFAULT_MAX_ATTEMPTS),
    option("surface_within", SurfaceOpt, None),
    option("expect", ExpectOpt, None),
    option("full_budget", FullBudgetOpt, False),
    option("trials", TrialsOpt, 1),
    *(option(name, kind, default) for name, kind, default in REPORT_OPTION_KINDS),
    option("timeout", ChaosTimeoutOpt, None),
]
with_provider_options = with_option_set(PROVIDER_OPTIONS, into="common")


def common_outputs(common: dict[str, Any], timeout_s: float) -> Outputs:
    """The report options of a provider-fault command, ``--timeout`` resolved to ``timeout_s``."""
    names = [name for name, _, _ in REPORT_OPTION_KINDS]
    return make_outputs(**{name: common[name] for name in names}, timeout=timeout_s)
