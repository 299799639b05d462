"""``voicectl resample-check``: resampler quality, stream continuity, sample-rate diagnosis."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voicectl.cli.common import (
    JsonOpt,
    JunitOpt,
    MarkdownOpt,
    Outputs,
    QuietOpt,
    StrictOpt,
    TimeoutOpt,
    VerboseOpt,
    execute,
    fail_usage,
    parse_rates,
)
from voicectl.errors import InputError
from voicectl.report import Report

if TYPE_CHECKING:
    from voicectl.audio.io import Audio

__all__ = ["resample_check"]

_DEFAULT_RATES = "8000,16000,22050,24000,44100,48000"


def resample_check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Recordings to diagnose: does the content match the declared sample rate? Without files: the resampler matrix.",
            show_default=False,
        ),
    ] = None,
    rates: Annotated[
        str,
        typer.Option("--rates", help="Matrix: sample rates, comma-separated; all ordered pairs."),
    ] = _DEFAULT_RATES,
    resamplers: Annotated[
        str | None,
        typer.Option(
            "--resamplers",
            help="Matrix: resamplers, comma-separated (pipecat-stream, pipecat-oneshot, pipecat-resampy, soxr-qq|lq|mq|hq|vhq). Default: all installed.",
        ),
    ] = None,
    thorough: Annotated[
        bool,
        typer.Option(
            "--thorough",
            help="Matrix: 10 minutes of 20 ms chunks per stream for the sample count and drift (slow).",
        ),
    ] = False,
    component: Annotated[
        str | None,
        typer.Option(
            "--component",
            help="smart-turn or silero-vad: run the Pipecat model on the fixture utterances at the right rate and mislabelled 2x / 0.5x.",
        ),
    ] = None,
    rate: Annotated[
        int | None,
        typer.Option("--rate", help="Declared sample rate of raw input files (.ulaw/.alaw/.pcm)."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write SVG plots into this directory.", file_okay=False),
    ] = None,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 600.0,
) -> None:
    """Measure resamplers (default: every installed Pipecat resampler and soxr, 6 rates) or diagnose recordings."""
    from voicectl.audio.io import load_audio
    from voicectl.resample.matrix import MatrixPlan
    from voicectl.resample.resamplers import available_resamplers, parse_resamplers

    outputs = Outputs(
        json=json,
        junit=junit,
        markdown=markdown,
        quiet=quiet,
        verbose=verbose,
        strict=strict,
        timeout_s=timeout,
    )
    try:
        matrix_options = rates != _DEFAULT_RATES or resamplers is not None or thorough
        if files and matrix_options:
            raise InputError(
                "--rates, --resamplers and --thorough apply to the matrix, not to files"
            )
        if component is not None:
            raise InputError("--component is not built yet")
        if plot is not None and plot.exists() and not plot.is_dir():
            raise InputError(f"--plot {plot}: exists and is not a directory")
        if rate is not None and not files:
            raise InputError("--rate applies to raw input files")
        if files:
            recordings = [load_audio(path, rate=rate) for path in files]
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    if files:
        _diagnose_files(recordings, outputs)
        return
    try:
        rate_list = parse_rates(rates)
        bad = [r for r in rate_list if not 4000 <= r <= 192_000]
        if bad:
            raise InputError(f"--rates: {bad[0]} Hz is outside 4000..192000 Hz")
        if len(rate_list) < 2:
            raise InputError("--rates needs at least two sample rates to make a pair")
        specs = parse_resamplers(resamplers, available_resamplers())
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    plan = MatrixPlan(resamplers=specs, rates=tuple(rate_list), thorough=thorough)
    report = Report(
        command="resample-check",
        args={
            "mode": "matrix",
            "rates": rate_list,
            "resamplers": [s.name for s in specs],
            "thorough": thorough,
        },
    )

    async def work(report: Report) -> None:
        from voicectl.resample.judge import judge_matrix
        from voicectl.resample.matrix import run_matrix

        result = await run_matrix(plan)
        judge_matrix(result, report, verbose=verbose)

    execute(report, outputs, work)


def _diagnose_files(recordings: list[Audio], outputs: Outputs) -> None:
    """Run ``rate.declared_matches_content`` on each recording."""
    report = Report(
        command="resample-check",
        args={
            "mode": "diagnose",
            "files": [a.source for a in recordings],
            "declared_rates": [a.sample_rate for a in recordings],
        },
    )

    async def work(report: Report) -> None:
        from voicectl.resample.diagnose import diagnose_rate, rate_check, rate_table

        diagnoses = []
        for audio in recordings:
            diagnoses.append(diagnose_rate(audio))
            report.add_check(rate_check(diagnoses[-1]))
            await asyncio.sleep(0)
        report.add_table(*rate_table(diagnoses))

    execute(report, outputs, work)
