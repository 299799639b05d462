"""``voicectl segment``: find the caller's utterances in recordings and write their sidecars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from voicectl.audio.io import FORMATS_HELP
from voicectl.audio.script import (
    Call,
    segment_call,
    sidecar_document,
    sidecar_path,
    sidecar_text,
)
from voicectl.cli.applicability import reject_caller_channel
from voicectl.cli.common import CallerChannelOpt, configure_logging, fail_usage, print_notices
from voicectl.errors import InputError
from voicectl.report._atomic import atomic_write

__all__ = ["segment"]


def segment(
    calls: Annotated[
        list[Path],
        typer.Argument(
            help=f"Recordings of calls: {FORMATS_HELP}.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the sidecars into this directory (default: next to each recording).",
            file_okay=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite sidecars that already exist.")
    ] = False,
    rate: Annotated[
        int | None,
        typer.Option("--rate", help="Sample rate of raw input files (.ulaw/.alaw/.pcm)."),
    ] = None,
    caller_channel: CallerChannelOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only what was written.")
    ] = False,
) -> None:
    """Find the caller's utterances with Silero VAD and write each recording's sidecar (NAME.json) for review.

    The sidecar lists when the caller speaks (start, end, pauses inside an utterance); add "text"
    to an utterance to name what was said. replay, load and chaos read it instead of finding the
    utterances again; edit and commit it.
    """
    configure_logging(False)
    console = Console(highlight=False)
    try:
        targets = [_target(path, out) for path in calls]
        for target in targets:
            if target.exists() and not force:
                raise InputError(f"{target}: a sidecar exists already (--force to overwrite it)")
        found: list[tuple[Call, Path]] = []
        for path, target in zip(calls, targets, strict=True):
            channel = caller_channel.value if caller_channel else None
            call = segment_call(path, rate=rate, caller_channel=channel)
            print_notices([call.audio.notice])
            found.append((call, target))
        reject_caller_channel(caller_channel, (call.audio.caller_channel for call, _ in found))
        for call, target in found:
            document = sidecar_document(call)

            def write(handle: TextIO, document: dict[str, object] = document) -> None:
                handle.write(sidecar_text(document))

            atomic_write(target, write, "the sidecar")
            if not quiet:
                console.print(_table(call))
            console.print(
                Text(
                    f"wrote {target}: {len(call.script.utterances)} caller utterances "
                    f"in {call.audio.duration_s:.1f} s"
                ),
                soft_wrap=True,
            )
    except InputError as exc:
        raise fail_usage(str(exc)) from None


def _target(path: Path, out: Path | None) -> Path:
    sidecar = sidecar_path(path)
    return sidecar if out is None else out / sidecar.name


def _table(call: Call) -> Table:
    table = Table(title=f"{call.audio.source}", title_justify="left", box=None)
    for column in ("utterance", "start s", "end s", "length s", "pauses inside (s)"):
        table.add_column(column, justify="left" if column.startswith("pauses") else "right")
    for number, utterance in enumerate(call.script.utterances, start=1):
        table.add_row(
            str(number),
            f"{utterance.start:.2f}",
            f"{utterance.end:.2f}",
            f"{utterance.duration_s:.2f}",
            ", ".join(f"{a:.2f}-{b:.2f}" for a, b in utterance.pauses),
        )
    return table
