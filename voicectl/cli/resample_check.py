"""``voicectl resample-check``: resampler quality, stream continuity, sample-rate diagnosis.

Three modes, one report each: the resampler matrix (no arguments), the diagnosis of
recordings (files), and a rate-sensitive component told the right and wrong rate
(``--component``, on the bundled calls or on given 8 kHz calls with transcript sidecars).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voicectl.cli.common import Outputs, execute, fail_usage, parse_rates
from voicectl.cli.report_options import outputs_of, with_report_outputs
from voicectl.errors import InputError
from voicectl.report import Report

if TYPE_CHECKING:
    from voicectl.audio.io import Audio
    from voicectl.audio.script import Call
    from voicectl.resample.components import Component, SmartTurnResult, VadResult
    from voicectl.resample.matrix import MatrixPlan

__all__ = ["resample_check"]

_DEFAULT_RATES = "8000,16000,22050,24000,44100,48000"
_COMPONENTS = ("smart-turn", "silero-vad")


@with_report_outputs(timeout_s=600.0)
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
            help="smart-turn or silero-vad: run the Pipecat model on the calls' utterances told the right rate and mislabelled 2x / 0.5x.",
        ),
    ] = None,
    rate: Annotated[
        int | None,
        typer.Option("--rate", help="Declared sample rate of raw input files (.ulaw/.alaw/.pcm)."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write SVG plots into this directory (created if missing)."),
    ] = None,
    outputs: Outputs | None = None,
) -> None:
    """Measure resamplers (default: every installed Pipecat resampler and soxr, 6 rates) or diagnose recordings."""
    outputs = outputs_of(outputs)
    try:
        if plot is not None and plot.exists() and not plot.is_dir():
            raise InputError(f"--plot {plot}: exists and is not a directory")
        if (files or component) and (rates != _DEFAULT_RATES or resamplers is not None or thorough):
            raise InputError("--rates, --resamplers and --thorough apply to the matrix only")
        if rate is not None and not files:
            raise InputError("--rate applies to raw input files")
        if component is not None:
            calls = _component_calls(component, files or [], rate)
        elif files:
            from voicectl.audio.io import load_audio

            recordings = [load_audio(path, rate=rate) for path in files]
        else:
            plan = _matrix_plan(rates, resamplers, thorough)
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    if component is not None:
        from voicectl.resample.components import Component

        _run_component(Component(component), calls, outputs, plot)
    elif files:
        _diagnose_files(recordings, outputs, plot)
    else:
        _run_matrix(plan, outputs, plot)


def _matrix_plan(rates: str, resamplers: str | None, thorough: bool) -> MatrixPlan:
    from voicectl.resample.matrix import MatrixPlan
    from voicectl.resample.resamplers import available_resamplers, parse_resamplers

    rate_list = parse_rates(rates)
    bad = [r for r in rate_list if not 4000 <= r <= 192_000]
    if bad:
        raise InputError(f"--rates: {bad[0]} Hz is outside 4000..192000 Hz")
    if len(rate_list) < 2:
        raise InputError("--rates needs at least two sample rates to make a pair")
    specs = parse_resamplers(resamplers, available_resamplers())
    return MatrixPlan(resamplers=specs, rates=tuple(rate_list), thorough=thorough)


def _run_matrix(plan: MatrixPlan, outputs: Outputs, plot: Path | None) -> None:
    report = Report(
        command="resample-check",
        args={
            "mode": "matrix",
            "rates": list(plan.rates),
            "resamplers": [s.name for s in plan.resamplers],
            "thorough": plan.thorough,
            "plot": str(plot) if plot else None,
        },
    )

    async def work(report: Report) -> None:
        from voicectl.resample.judge import judge_matrix
        from voicectl.resample.matrix import run_matrix

        result = await run_matrix(plan)
        judge_matrix(result, report, verbose=outputs.verbose)
        if plot is not None:
            from voicectl.resample.plots import plot_matrix, plot_names

            report.metrics["plots"] = plot_names(plot, plot_matrix(plan, plot))

    execute(report, outputs, work)


def _diagnose_files(recordings: list[Audio], outputs: Outputs, plot: Path | None) -> None:
    """Run ``rate.declared_matches_content`` on each recording."""
    report = Report(
        command="resample-check",
        args={
            "mode": "diagnose",
            "files": [a.source for a in recordings],
            "declared_rates": [a.sample_rate for a in recordings],
            "plot": str(plot) if plot else None,
        },
    )

    async def work(report: Report) -> None:
        from voicectl.checks.rate_diagnosis import rate_check, rate_table
        from voicectl.resample.diagnose import diagnose_rate

        diagnoses = []
        written: list[Path] = []
        for audio in recordings:
            diagnoses.append(diagnose_rate(audio))
            report.add_check(rate_check(diagnoses[-1]))
            if plot is not None:
                from voicectl.resample.plots import plot_diagnosis

                written += plot_diagnosis(diagnoses[-1], audio, plot)
            await asyncio.sleep(0)
        report.add_table(*rate_table(diagnoses))
        if plot is not None:
            from voicectl.resample.plots import plot_names

            report.metrics["plots"] = plot_names(plot, written)

    execute(report, outputs, work)


def _component_calls(name: str, files: list[Path], rate: int | None) -> list[Call]:
    """The calls to run a component on: the bundled ones, or 8 kHz calls with sidecars."""
    from voicectl.audio.script import bundled_calls, load_call

    if name not in _COMPONENTS:
        raise InputError(f"--component must be one of {', '.join(_COMPONENTS)}, not {name!r}")
    calls = [load_call(path, rate=rate) for path in files] if files else bundled_calls()
    for call in calls:
        if not call.script.utterances:
            raise InputError(f"{call.audio.source}: its sidecar lists no caller utterances")
        if call.audio.sample_rate != 8000:
            raise InputError(
                f"{call.audio.source}: --component runs on 8 kHz telephony calls, not {call.audio.sample_rate} Hz"
            )
    return calls


def _run_component(
    component: Component, calls: list[Call], outputs: Outputs, plot: Path | None
) -> None:
    report = Report(
        command="resample-check",
        args={
            "mode": "component",
            "component": component.value,
            "calls": [c.audio.source for c in calls],
            "plot": str(plot) if plot else None,
        },
    )

    async def work(report: Report) -> None:
        from voicectl.resample.components import (
            Component,
            component_checks,
            component_tables,
            run_silero_vad,
            run_smart_turn,
        )

        result: SmartTurnResult | VadResult
        if component is Component.SMART_TURN:
            result = await run_smart_turn(calls)
        else:
            result = await run_silero_vad(calls)
        report.extend_checks(component_checks(result))
        for table in component_tables(result):
            report.add_table(*table)
        if plot is not None:
            from voicectl.resample.plots import plot_components, plot_names

            report.metrics["plots"] = plot_names(plot, plot_components(result, plot))

    execute(report, outputs, work)
