"""A conversation fault's timeline, events and metrics, as report tables (``voicectl chaos
interrupt | hangup | carrier-close``), and the timeline builder the caller-fault commands share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicectl.outcome.call import HangUp
from voicectl.outcome.conversation import BargeInResult, CallEndingResult
from voicectl.report import Report

if TYPE_CHECKING:
    from voicectl.audio.script import Utterance
    from voicectl.outcome.call import BotAudioRun, CallOutcome

__all__ = ["CallTimeline", "tabulate_barge_in", "tabulate_call_ending"]


class CallTimeline:
    """A call's timeline table (call seconds, who, what), the event behind a row logged with it."""

    def __init__(self, report: Report, digits: int = 3) -> None:
        self.report = report
        self.digits = digits  # the table's rounding of call seconds
        self.rows: list[list[object]] = []

    def row(self, t: float, who: str, what: str) -> None:
        self.rows.append([round(t, self.digits), who, what])

    def event(self, t: float, who: str, what: str, kind: str, /, **data: Any) -> None:
        """A row, and the report event ``kind`` from ``who`` at ``t``."""
        self.row(t, who, what)
        self.report.log(who, kind, clock="call", t=t, **data)

    def utterance(self, u: Utterance, what: str | None = None) -> None:
        self.event(
            u.start, "caller", what or f"says {u.text!r}", "utterance", end=u.end, text=u.text
        )

    def audio_run(
        self, run: BotAudioRun, what: str = "audio", /, show_clear: bool = True, **data: Any
    ) -> None:
        """Its start and end rows (``... cut by clear`` when a clear cut it) and its event."""
        self.row(run.start, "bot", f"{what} starts")
        cut = show_clear and run.cleared
        self.row(run.end, "bot", f"{what} cut by clear" if cut else f"{what} ends")
        self.report.log(
            "bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared, **data
        )

    def call_error(self, outcome: CallOutcome) -> None:
        if outcome.error:
            t = outcome.duration_s
            self.event(t, "call", outcome.error, "error", message=outcome.error)

    def add_table(self) -> None:
        self.rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
        self.report.add_table("Timeline (call seconds)", ["t", "who", "what"], self.rows)


def tabulate_barge_in(report: Report, result: BargeInResult) -> None:
    """The barge-in call's timeline, its events and the bot's figures, into ``report``."""
    outcome = result.outcome
    rows: list[list[object]] = []
    if result.first is not None:
        rows.append(
            [
                round(result.first.utterance.start, 3),
                "caller",
                f"says {result.first.utterance.text!r}",
            ]
        )
        rows.append([round(result.first.utterance.end, 3), "caller", "stops talking"])
    for run in outcome.runs:
        rows.append([round(run.start, 3), "bot", "audio starts"])
        rows.append(
            [round(run.end, 3), "bot", "audio cut by clear" if run.cleared else "audio ends"]
        )
    for clear in outcome.clears:
        rows.append(
            [
                round(clear.t, 3),
                "bot",
                "clear"
                + (" (while bot audio flowed)" if clear.during_bot_audio else " (bot silent)"),
            ]
        )
    if result.tool_call_seen_at is not None:
        rows.append(
            [
                round(result.tool_call_seen_at, 3),
                "bot",
                f"function call {result.tool_call_name} ({result.tool_call_id}) in progress",
            ]
        )
    if result.barge is not None:
        rows.append(
            [
                round(result.barge.utterance.start, 3),
                "caller",
                f"barges in: {result.barge.utterance.text!r}",
            ]
        )
        rows.append([round(result.barge.utterance.end, 3), "caller", "stops talking"])
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
    rows.sort(key=lambda row: float(row[0]))  # type: ignore[arg-type]
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)
    for turn in (result.first, result.barge):
        if turn is not None:
            u = turn.utterance
            report.log("caller", "utterance", clock="call", t=u.start, end=u.end, text=u.text)
    for run in outcome.runs:
        report.log(
            "bot",
            "bot_audio",
            clock="call",
            t=run.start,
            end=run.end,
            cleared=run.cleared,
            messages=run.messages,
        )
    for clear in outcome.clears:
        report.log("bot", "clear", clock="call", t=clear.t, during_bot_audio=clear.during_bot_audio)
    if outcome.error:
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
    if result.bot_calls:
        report.metrics["bot.replies"] = result.bot_calls[0].replies
        report.metrics["bot.tool_calls_interrupted"] = result.bot_calls[0].tool_calls_interrupted
    calls = result.function_calls
    if calls is not None and calls.events:
        first = calls.events[0].timestamp
        report.add_table(
            "Function calls, as seen inside the bot",
            ["t (s after the first)", "event", "function", "tool_call_id"],
            [
                [
                    round(e.timestamp - first, 3),
                    e.kind,
                    e.function_name,
                    e.tool_call_id,
                ]
                for e in calls.events
            ],
        )
    if result.bot_calls and result.bot_calls[0].full_bot:
        report.metrics["bot.hung_up_by"] = result.hung_up_by


def tabulate_call_ending(report: Report, result: CallEndingResult) -> None:
    """The ended call's timeline, its events and what the bot sent after the end, into ``report``."""
    outcome = result.outcome
    rows: list[list[object]] = []
    if outcome.ended_at is not None:
        what = (
            "drops the line (no stop, no close frame)"
            if result.ending.how is HangUp.DROP
            else f"closes with {result.ending.code}"
        )
        rows.append([round(outcome.ended_at, 3), "carrier", what])
        if outcome.close_handshake_s is not None:
            rows.append(
                [round(outcome.ended_at + outcome.close_handshake_s, 3), "bot", "closes its side"]
            )
        end_s = result.pipeline_end_s
        if end_s is not None:
            rows.append([round(outcome.ended_at + end_s, 3), "bot", "pipeline finished"])
    if outcome.error:
        rows.append([round(outcome.duration_s, 3), "call", outcome.error])
    report.add_table("Timeline (call seconds)", ["t", "who", "what"], rows)
    report.metrics["messages_after_end"] = outcome.messages_after_end
    report.metrics["media_after_end"] = outcome.media_after_end
    for run in outcome.runs:
        report.log("bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared)
    if outcome.ended_at is not None:
        report.log(
            "carrier",
            str(result.ending.how),
            clock="call",
            t=outcome.ended_at,
            code=result.ending.code if result.ending.how is HangUp.CLOSE else None,
        )
        if outcome.close_handshake_s is not None:
            report.log(
                "bot",
                "closed",
                clock="call",
                t=outcome.ended_at + outcome.close_handshake_s,
                code=outcome.bot_close_code,
            )
        if result.pipeline_end_s is not None:
            report.log(
                "bot", "pipeline_finished", clock="call", t=outcome.ended_at + result.pipeline_end_s
            )
    if outcome.error:
        report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
