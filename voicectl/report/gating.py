"""``--trials`` and ``--baseline`` around a command's run: the work repeated, its trials merged
into one report, and its first-audio latencies compared with a saved report's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicectl.errors import InputError
from voicectl.report.model import Report

__all__ = ["Gating"]


@dataclass(frozen=True)
class Gating:
    """``--trials`` and ``--baseline`` around a command's work."""

    trials: int = 1
    baseline: Report | None = None
    baseline_path: Path | None = None

    @classmethod
    def prepare(cls, report: Report, trials: int, baseline: Path | None) -> Gating:
        """Load the baseline and refuse (InputError) one of a different recording, bot,
        carrier, command or pacing; note both options in the report's args."""
        if trials > 1:
            report.args["trials"] = trials
        if baseline is None:
            return cls(trials)
        from voicectl.report import load_json
        from voicectl.report.compare import comparable, run_identity

        base = load_json(baseline)
        differs = comparable(
            run_identity(base.command, base.args), run_identity(report.command, report.args)
        )
        if differs is not None:
            raise InputError(f"--baseline {baseline}: {differs}")
        report.args["baseline"] = str(baseline)
        return cls(trials, base, baseline)

    def wrap(self, work: Callable[[Report], Awaitable[Any]]) -> Callable[[Report], Awaitable[Any]]:
        """``work`` repeated ``trials`` times and judged against the baseline."""
        if self.trials == 1 and self.baseline is None:
            return work

        async def gated(report: Report) -> None:
            if self.trials == 1:
                await work(report)
            else:
                await self._repeat(report, work)
            if self.baseline is not None and report.harness_error is None:
                from voicectl.report.compare import compare_latencies, first_audio_latencies

                report.extend_checks(
                    compare_latencies(
                        first_audio_latencies(self.baseline), first_audio_latencies(report)
                    )
                )

        return gated

    async def _repeat(self, report: Report, work: Callable[[Report], Awaitable[Any]]) -> None:
        from voicectl.report.trials import merge_trials

        done: list[Report] = []
        try:
            for i in range(self.trials):
                trial = Report(command=report.command, args=report.args)
                done.append(trial)
                report.log("harness", "trial_started", trial=i + 1)
                await work(trial)
        finally:
            merge_trials(report, done)
