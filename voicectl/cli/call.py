"""``voicectl call [SCRIPT]``: a scripted caller (say, wait, wait_for, expect, dtmf, hangup)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from voicectl.bot.pipeline import BotVariant, ReferenceBotConfig
from voicectl.carriers import CarrierName
from voicectl.cli.common import (
    BaselineOpt,
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    LineOpt,
    MarkdownOpt,
    QuietOpt,
    StrictOpt,
    TrialsOpt,
    VerboseOpt,
    execute,
    fail_usage,
    make_outputs,
    parse_line_option,
    prepare_gating,
)
from voicectl.errors import InputError
from voicectl.report import Report
from voicectl.suite.callscript import CallScriptSpec

__all__ = ["bundled_call_script", "call"]


def bundled_call_script() -> Path:
    """The call script ``voicectl call`` plays when given none."""
    return Path(str(resources.files("voicectl") / "data" / "calls" / "order_status.call.toml"))


def _check_dtmf(spec: CallScriptSpec, carrier: str) -> None:
    """A dtmf step needs a carrier with a ``dtmf`` message."""
    from voicectl.carriers import CallIdentity, open_session

    step = next((s for s in spec.steps if s.action == "dtmf"), None)
    if step is not None and not open_session(carrier, CallIdentity.generate(carrier, "x")).has_dtmf:
        raise InputError(
            f"{spec.source}:{step.line}: step {step.number}: the {carrier} carrier has no dtmf "
            "message; use another --carrier"
        )


def call(
    script: Annotated[
        Path | None,
        typer.Argument(
            help="A call script (TOML: [call] and [[step]]s). Default: the bundled order-status script.",
            dir_okay=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Your bot's ws:// URL (default: the in-process reference bot)."),
    ] = None,
    carrier: Annotated[
        CarrierName, typer.Option("--carrier", help="Carrier protocol to speak.")
    ] = CarrierName.TWILIO,
    variant: Annotated[
        BotVariant,
        typer.Option("--bot-variant", help="Reference bot with a known production bug reproduced."),
    ] = BotVariant.CORRECT,
    reply_delay: Annotated[
        float,
        typer.Option(
            "--bot-reply-delay", help="Reference bot: wait this long before each answer.", min=0
        ),
    ] = 0.0,
    stt: Annotated[
        str | None,
        typer.Option(
            "--stt",
            help="Reference bot: add a real Pipecat STT (soniox, deepgram-flux, ...) on a fake provider that transcribes what each say step says; gives word: steps the inside view.",
        ),
    ] = None,
    line: LineOpt = None,
    trials: TrialsOpt = 1,
    baseline: BaselineOpt = None,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    strict: StrictOpt = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", help="Hard deadline, seconds (default: the script's bounds + 60 s).", min=1
        ),
    ] = None,
) -> None:
    """Play a scripted caller into a bot and judge each wait_for and expect step."""
    from voicectl.conversation.scripted import prepare_clips, script_length_s
    from voicectl.report.compare import recording_fingerprints
    from voicectl.suite.callscript import load_call_script

    path = script or bundled_call_script()
    wire_rate = 16000 if carrier is CarrierName.RAW else 8000
    try:
        if url is not None and not url.startswith(("ws://", "wss://")):
            raise InputError(f"--url must be a ws:// or wss:// URL, got {url!r}")
        if url is not None and (reply_delay or variant is not BotVariant.CORRECT):
            raise InputError("--bot-variant and --bot-reply-delay apply to the reference bot")
        if stt is not None:
            from voicectl.harness.targets import BUILTIN_TARGETS

            stt_names = [n for n in BUILTIN_TARGETS if not n.endswith("-tts")]
            if stt not in stt_names:
                raise InputError(f"--stt must be one of {', '.join(stt_names)}, got {stt!r}")
            if url is not None:
                raise InputError("--stt applies to the reference bot, not to a bot at --url")
        spec = load_call_script(path)
        clips = prepare_clips(spec, wire_rate)
        _check_dtmf(spec, carrier.value)
        line_spec = parse_line_option(line)
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    config = ReferenceBotConfig(variant=variant, tool_delay_s=reply_delay)
    sources = sorted(
        {str(s.say.audio) for s in spec.steps if s.say is not None and s.say.audio is not None}
    )
    report = Report(
        command="call",
        args={
            "script": str(path),
            "name": spec.name,
            "steps": [s.describe() for s in spec.steps],
            "audio": sources,
            "recordings": recording_fingerprints([str(path), *sources]),
            "url": url,
            "carrier": carrier.value,
            "bot": None
            if url
            else config.describe() + (f", {stt} STT on a fake provider" if stt else ""),
            "line": None if line_spec is None else line_spec.to_json(),
        },
    )
    gating = prepare_gating(report, trials, baseline)
    length = script_length_s(spec, clips, wire_rate)

    async def work(report: Report) -> None:
        from voicectl.checks.protocol import judge_carrier_protocol
        from voicectl.checks.scripted import judge_script
        from voicectl.conversation.scripted import run_call_script
        from voicectl.replay.runner import add_line_table, record_first_audio

        result = await run_call_script(
            spec,
            clips,
            url=url,
            carrier=carrier.value,
            bot_config=config,
            line=line_spec,
            deadline_s=length + 30,
            stt=stt,
        )
        outcome = result.outcome
        report.extend_checks(judge_script(spec.steps, result.steps, outcome.error))
        if outcome.protocol is not None and outcome.protocol.messages:
            report.add_check(judge_carrier_protocol("call", outcome.protocol))
        rows = []
        reached = {d.step.number: d for d in result.steps}
        for step in spec.steps:
            done = reached.get(step.number)
            verdict = "" if done is None or done.ok is None else ("ok" if done.ok else "failed")
            rows.append(
                [
                    step.number,
                    step.line,
                    step.describe(),
                    "not reached" if done is None else round(done.started_at, 2),
                    verdict,
                    "" if done is None else done.observed,
                ]
            )
        report.add_table("Steps", ["step", "line", "what", "at s", "", "observed"], rows)
        for done in result.steps:
            report.log(
                "caller",
                f"step_{done.step.action}",
                clock="call",
                t=done.started_at,
                step=done.step.number,
                observed=done.observed,
            )
        for run in outcome.runs:
            report.log(
                "bot", "bot_audio", clock="call", t=run.start, end=run.end, cleared=run.cleared
            )
        if outcome.error:
            report.log("call", "error", clock="call", t=outcome.duration_s, message=outcome.error)
        record_first_audio(report, [outcome])
        if line_spec is not None:
            add_line_table(line_spec, [(spec.name, outcome)], report)

    run_timeout = timeout if timeout is not None else (length + 60) * trials
    execute(
        report,
        make_outputs(json, junit, markdown, html, quiet, verbose, strict, run_timeout),
        gating.wrap(work),
    )
