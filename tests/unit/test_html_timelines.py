"""The HTML report draws a call's clock and the run's clock on separate timelines."""

from __future__ import annotations

import re

from voicectl.report import Report
from voicectl.report.html import render_html


def _svg(page: str, clock: str) -> str:
    match = re.search(rf"<svg id='{clock}-timeline'.*?</svg>", page, re.S)
    assert match, f"no {clock} timeline"
    return match.group(0)


def test_call_and_run_events_are_drawn_on_their_own_timelines() -> None:
    report = Report("replay")
    report.log("harness", "bot_started", t=0.2)
    report.log("call:order_status", "utterance", t=1.0, clock="call", end=2.5)
    report.log("call:order_status", "clear", t=3.0, clock="call")
    page = render_html(report)
    call, run = _svg(page, "call"), _svg(page, "run")
    assert "call:order_status" in call and "harness" not in call
    assert "harness" in run and "call:order_status" not in run
    assert call.count("class='mark bar'") == 1 and call.count("class='mark tick'") == 1
    assert "Call timeline (seconds of each lane&#x27;s call)" in page
    assert "Run timeline (seconds from the start of the run)" in page


def test_a_report_with_run_events_only_has_only_the_run_timeline() -> None:
    report = Report("chaos ws-close")
    report.log("provider", "connection", t=0.1, end=0.4)
    page = render_html(report)
    assert "<svg id='run-timeline'" in page and "call-timeline" not in page


def test_a_report_without_events_says_so() -> None:
    assert "No events were recorded." in render_html(Report("smoke"))
