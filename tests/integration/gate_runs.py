"""The three real-time runs that the regression-gate test and docs/commands/report.md compare.

The reference bot ends the caller's turn on 0.6 s of silence (``--bot-turn-stop
speech-timeout``), not by Smart Turn: Smart Turn's "incomplete" adds 1.5 s to some turns, and
with a few turns a side that noise is larger than the 0.8 s slow-down the gate must catch (the
page has the measured spreads). Each run replays the 21 s ``order_status_short`` call in real
time, twice (``--trials 2``: 6 turns): the baseline, the same bot again, and the bot with 0.8 s
added before every answer. The three run at the same time, so they share whatever load the
machine has then; runs made one after another see different loads. Each is a :func:`shared_run`,
made once per test session, so the test and the page's examples read the same reports.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared_runs import CliRun, shared_run

__all__ = ["GATE_RUNS", "gate_runs"]

_COMMON = (
    "replay", "voicectl/data/smoke/order_status_short.wav", "--rates", "16000", "--realtime",
    "--trials", "2", "--bot-turn-stop", "speech-timeout",
)  # fmt: skip
GATE_RUNS: dict[str, tuple[str, ...]] = {
    "base": (*_COMMON, "--json", "base.json"),
    "same": (*_COMMON, "--json", "same.json"),
    "slow": (*_COMMON, "--bot-reply-delay", "0.8", "--json", "slow.json"),
}


def gate_runs() -> dict[str, CliRun]:
    """The baseline, the same bot and the 0.8 s slower bot, run at the same time (each one's
    JSON report is ``NAME.json`` in its run's folder)."""
    with ThreadPoolExecutor(len(GATE_RUNS)) as pool:
        futures = {
            name: pool.submit(shared_run, *args, timeout=240) for name, args in GATE_RUNS.items()
        }
        return {name: future.result() for name, future in futures.items()}
