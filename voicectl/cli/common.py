"""What every command shares: report outputs, verbosity, deadline, signals, exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from voicectl.cli.crash import save_traceback
from voicectl.errors import InputError, VoicectlError
from voicectl.replay.line import LineSpec
from voicectl.replay.loop import precise_event_loop
from voicectl.report import (
    Report,
    render_console,
    render_verdict_line,
    write_json,
    write_junit,
    write_markdown,
)
from voicectl.report.console import output_console
from voicectl.report.gating import Gating
from voicectl.report.model import ExitCode
from voicectl.validation import validate_only, validating

__all__ = [
    "BaselineOpt",
    "CallerChannel",
    "CallerChannelOpt",
    "HtmlOpt",
    "JsonOpt",
    "JunitOpt",
    "LineOpt",
    "MarkdownOpt",
    "Outputs",
    "QuietOpt",
    "StrictOpt",
    "TimeoutOpt",
    "TrialsOpt",
    "VerboseOpt",
    "check_output_paths",
    "configure_logging",
    "execute",
    "fail_usage",
    "make_outputs",
    "parse_line_option",
    "parse_rates",
    "print_notices",
    "usage_errors",
    "validate_only",
]

JsonOpt = Annotated[
    Path | None, typer.Option("--json", help="Write the JSON report here.", dir_okay=False)
]
JunitOpt = Annotated[
    Path | None, typer.Option("--junit", help="Write a JUnit XML report here.", dir_okay=False)
]
MarkdownOpt = Annotated[
    Path | None,
    typer.Option(
        "--markdown",
        help="Append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).",
        dir_okay=False,
    ),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html", help="Write a self-contained HTML report (timeline drawn) here.", dir_okay=False
    ),
]


class CallerChannel(StrEnum):
    """Which channel of a two-party stereo recording is the caller."""

    LEFT = "left"
    RIGHT = "right"


CallerChannelOpt = Annotated[
    CallerChannel | None,
    typer.Option(
        "--caller-channel",
        help="Two-party stereo recordings: the caller's channel, left or right (default left: Twilio's dual-channel recordings put the parent call, the caller's inbound leg, first). The other channel is the original bot's track and is never replayed.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show the event journal and Pipecat's log.")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail the run.")]
LineOpt = Annotated[
    str | None,
    typer.Option(
        "--line",
        help="A bad caller line, seeded: loss=5%,burst=3,conceal=repeat|silence|drop,jitter=40ms,snr=15dB,drift=50ppm,seed=1.",
    ),
]
TrialsOpt = Annotated[
    int,
    typer.Option(
        "--trials",
        help="Repeat the run N times: per-check pass rates and pooled first-audio latencies.",
        min=1,
        max=1000,
    ),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="A JSON report of the same run: fail if first-audio p50/p95 regressed (>= 100 ms, 95 % bootstrap CI excluding zero).",
        dir_okay=False,
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Hard deadline for the whole run, seconds.", min=1)
]


@dataclass(frozen=True)
class Outputs:
    """Where a command writes its report and how much it prints."""

    json: Path | None = None
    junit: Path | None = None
    markdown: Path | None = None
    html: Path | None = None
    quiet: bool = False
    verbose: bool = False
    strict: bool = False
    timeout_s: float = 600.0


def make_outputs(
    json: Path | None,
    junit: Path | None,
    markdown: Path | None,
    html: Path | None,
    quiet: bool,
    verbose: bool,
    strict: bool,
    timeout: float,
) -> Outputs:
    """:class:`Outputs` from the report options every command takes."""
    return Outputs(
        json=json,
        junit=junit,
        markdown=markdown,
        html=html,
        quiet=quiet,
        verbose=verbose,
        strict=strict,
        timeout_s=timeout,
    )


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail_usage(message: str) -> typer.Exit:
    """Print a one-line usage error and return the exit to raise (exit code 2)."""
    stderr_console().print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    return typer.Exit(int(ExitCode.USAGE))


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """Turn an :class:`InputError` raised while checking options into a usage error (exit 2)."""
    try:
        yield
    except InputError as exc:
        raise fail_usage(str(exc)) from None


def print_notices(notices: Iterable[str | None]) -> None:
    """Print each input notice (e.g. which channel of a stereo call is the caller) on stderr."""
    console = stderr_console()
    for notice in notices:
        if notice:
            console.print(Text(f"note: {notice}"), soft_wrap=True)


def prepare_gating(report: Report, trials: int, baseline: Path | None) -> Gating:
    """:meth:`Gating.prepare`, its refusal a usage error (exit 2)."""
    try:
        return Gating.prepare(report, trials, baseline)
    except InputError as exc:
        raise fail_usage(str(exc)) from None


def parse_rates(text: str) -> list[int]:
    """Parse ``8000,16000`` into a sorted list of distinct sample rates."""
    try:
        rates = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise InputError(f"--rates must be comma-separated integers in Hz, got {text!r}") from None
    if not rates:
        raise InputError("--rates needs at least one sample rate")
    return rates


def parse_line_option(text: str | None) -> LineSpec | None:
    """``--line`` as a :class:`LineSpec` (None without the option); bad specs raise InputError."""
    if text is None:
        return None
    from voicectl.replay.line import parse_line

    return parse_line(text)


def configure_logging(verbose: bool) -> None:
    """Pipecat logs through loguru at DEBUG by default; keep it quiet unless asked."""
    from loguru import logger

    logger.remove()
    if verbose:
        logger.add(sys.stderr, level="INFO")


def execute(
    report: Report,
    outputs: Outputs,
    work: Callable[[Report], Awaitable[Any]],
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = precise_event_loop,
    status: bool = True,
) -> None:
    """Run ``work`` under the deadline and signals, then write and render the report and exit.

    The report is written whatever happens: on success, check failure, harness error, timeout
    and SIGINT/SIGTERM (exit 130 with what was measured so far). On a terminal, a transient
    status line shows the run is alive (``status=False``: the command draws its own progress).
    """
    if validating():
        raise typer.Exit(int(ExitCode.OK))
    try:
        check_output_paths(outputs)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    configure_logging(outputs.verbose)
    report.strict = outputs.strict
    from voicectl.cli.progress import RunStatus, progress_wanted

    show = status and not outputs.verbose and progress_wanted(outputs.quiet)
    try:
        with (
            RunStatus(report, outputs.timeout_s, enabled=show),
            asyncio.Runner(loop_factory=loop_factory) as runner,
        ):
            runner.run(_guarded(report, outputs, work))
    except KeyboardInterrupt:
        report.interrupted = True
    except InputError as exc:
        # Bad input found only once the run started: still write what was measured.
        report.harness_error = f"input error: {exc}"
        report.usage_error = True
        stderr_console().print(f"[bold red]error:[/] {exc}", soft_wrap=True)
    report.finish()
    written = _write_outputs(report, outputs)
    console = output_console()
    if outputs.quiet:
        console.print(Text(render_verdict_line(report)), soft_wrap=True)
    else:
        render_console(report, console, verbose=outputs.verbose)
    code = report.exit_code
    if not written and code in (ExitCode.OK, ExitCode.CHECK_FAILED):
        code = ExitCode.HARNESS  # a report CI relies on is missing
    raise typer.Exit(int(code))


async def _guarded(
    report: Report, outputs: Outputs, work: Callable[[Report], Awaitable[Any]]
) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    deadline = asyncio.timeout(outputs.timeout_s)
    try:
        async with deadline:
            await work(report)
    except TimeoutError as exc:
        if deadline.expired():
            report.harness_error = f"run did not finish within --timeout {outputs.timeout_s:.0f} s"
        else:  # a timeout inside the system under test or the harness, not the run's deadline
            report.harness_error = (
                f"a step of the run timed out (not --timeout): {_describe(exc)}"
                f"; traceback saved to {save_traceback(exc)}"
            )
    except asyncio.CancelledError:
        if not interrupted:
            raise
        report.interrupted = True
    except InputError:
        raise
    except VoicectlError as exc:
        report.harness_error = str(exc)
    except (
        Exception
    ) as exc:  # a voicectl bug or an SUT that broke the harness: exit 3, keep the report
        if os.environ.get("VOICECTL_DEBUG"):
            raise
        report.harness_error = f"{_describe(exc)}; traceback saved to {save_traceback(exc)}"
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _describe(exc: BaseException) -> str:
    """``TimeoutError`` or ``ValueError: bad thing``, and where it was raised."""
    text = " ".join(str(exc).split())
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def check_output_paths(outputs: Outputs) -> None:
    """Raise :class:`InputError` for a report path that cannot be written, before the run."""
    for option, path in (
        ("--json", outputs.json),
        ("--junit", outputs.junit),
        ("--markdown", outputs.markdown),
        ("--html", outputs.html),
    ):
        if path is None:
            continue
        if path.is_dir():
            raise InputError(f"{option} {path}: is a directory")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise InputError(f"{option} {path}: directory {parent} does not exist")
        target = path if path.exists() else parent
        if not os.access(target, os.W_OK):
            raise InputError(f"{option} {path}: not writable")


def _write_outputs(report: Report, outputs: Outputs) -> bool:
    """Write every requested report; False (each problem printed) if one could not be written."""
    from voicectl.report.html import write_html

    written = True
    for path, write in (
        (outputs.json, write_json),
        (outputs.junit, write_junit),
        (outputs.markdown, write_markdown),
        (outputs.html, write_html),
    ):
        if path is None:
            continue
        try:
            write(report, path)
        except (InputError, OSError) as exc:
            stderr_console().print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            written = False
    return written
