"""``voicectl chaos stt-crash | failover``: does the bot keep hearing the caller when its STT dies?"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.checks.failover import (
    judge_cause_visible,
    judge_failback,
    judge_no_false_switch,
    judge_stall_surfaced,
    judge_switched,
    judge_transcripts_continue,
)
from voicectl.cli.applicability import reject_caller_channel
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.chaos import chaos_app
from voicectl.cli.common import (
    CallerChannel,
    CallerChannelOpt,
    HtmlOpt,
    JsonOpt,
    JunitOpt,
    MarkdownOpt,
    Outputs,
    QuietOpt,
    StrictOpt,
    TimeoutOpt,
    TrialsOpt,
    VerboseOpt,
    execute,
    fail_usage,
    make_outputs,
    print_notices,
)
from voicectl.errors import InputError
from voicectl.failover.crashes import CRASH_MODES, crash_cause, parse_incidents
from voicectl.failover.scenario import FailoverPlan, run_failover, validate_plan
from voicectl.failover.timeline import tabulate_failover
from voicectl.faults.base import FaultFamily
from voicectl.faults.stall import StallFault
from voicectl.outcome.failover import Incident
from voicectl.report import Report
from voicectl.report.gating import Gating

__all__ = ["failover", "run_stt_stall", "stt_crash"]

PrimaryOpt = Annotated[
    str | None,
    typer.Option(
        "--primary",
        help="Primary STT: a built-in name or path.py:factory / module:factory [default: soniox]. "
        "With --bot-cmd: the --fake NAME serving your bot's primary STT [default: the first STT --fake].",
    ),
]
BackupOpt = Annotated[
    str | None,
    typer.Option(
        "--backup",
        help="Backup STT: a built-in name or path.py:factory / module:factory [default: soniox]. "
        "With --bot-cmd: the --fake NAME serving your bot's backup STT [default: the second STT --fake].",
    ),
]
ProtocolOpt = Annotated[
    str | None,
    typer.Option(
        "--protocol",
        help="Fake provider protocol for custom factories: P for both, or PRIMARY,BACKUP (default generic).",
    ),
]
StrategyOpt = Annotated[
    str | None,
    typer.Option(
        "--strategy",
        help="Your ServiceSwitcher strategy class, module:Class (default ServiceSwitcherStrategyFailover).",
    ),
]
BackoffOpt = Annotated[
    str | None,
    typer.Option(
        "--backoff",
        help="Built-in services' reconnect_backoff_min_wait,max_wait in seconds, e.g. 0.5,1 (Pipecat default 4,10; chaos failover: 0.5,1).",
    ),
]
SwitchOpt = Annotated[
    float, typer.Option("--switch-within", help="Bound for failover.switched, seconds.", min=0.1)
]
HeartbeatsOpt = Annotated[
    bool,
    typer.Option("--heartbeats", help="Run the bot with PipelineParams(enable_heartbeats=True)."),
]
SurfaceWithinOpt = Annotated[
    float,
    typer.Option(
        "--surface-within",
        help="Bound for recvloop.error_surfaced after a stall, seconds.",
        min=0.1,
    ),
]
AudioOpt = Annotated[
    Path | None,
    typer.Option(
        "--audio",
        help="Caller audio; its utterances come from its sidecar, or from the audio (default: bundled order_status).",
    ),
]


def _call(audio: Path | None, caller_channel: CallerChannel | None = None) -> Call:
    call = (
        load_call(audio, caller_channel=caller_channel.value if caller_channel else None)
        if audio
        else next(c for c in bundled_calls() if c.name == "order_status")
    )
    reject_caller_channel(caller_channel, [call.audio.caller_channel])
    print_notices(call.notices)
    return call


def _backoff(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"--backoff must be MIN,MAX seconds, got {text!r}") from None
    if not 0 < low <= high:
        raise InputError(f"--backoff {text!r}: need 0 < MIN <= MAX")
    return low, high


def _run(
    plan: FailoverPlan,
    command: str,
    switch_within: float,
    outputs: Outputs,
    surface_within: float = 5.0,
    failback_within: float = 10.0,
    trials: int = 1,
) -> None:
    try:
        validate_plan(plan)
        last = max(i.at_s for i in plan.incidents)
        if last >= plan.call.audio.duration_s:
            raise InputError(
                f"an incident at {last:g} s is past the end of the call ({plan.call.audio.duration_s:.1f} s)"
            )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    report = Report(
        command=command,
        args={
            "primary": plan.primary,
            "backup": plan.backup,
            "protocol": plan.protocol,
            "incidents": [i.describe() for i in plan.incidents],
            "strategy": plan.strategy or "ServiceSwitcherStrategyFailover",
            "backoff": list(plan.backoff) if plan.backoff else "pipecat default (4 s, 10 s)",
            "audio": plan.call.audio.source,
            "switch_within_s": switch_within,
        },
    )
    gating = Gating.prepare(report, trials, None)
    outputs = replace(outputs, timeout_s=outputs.timeout_s * trials)

    async def work(report: Report) -> None:
        outcome = await run_failover(plan)
        utterances = list(plan.call.script.utterances)
        report.extend_checks(judge_switched(outcome, bound_s=switch_within))
        report.extend_checks(judge_transcripts_continue(outcome, utterances))
        report.add_check(judge_no_false_switch(outcome))
        report.extend_checks(judge_cause_visible(outcome))
        report.extend_checks(judge_stall_surfaced(outcome, bound_s=surface_within))
        failback = judge_failback(outcome, bound_s=failback_within)
        if failback is not None:
            report.add_check(failback)
        if outcome.call is not None and outcome.call.error:
            report.harness_error = f"the call itself failed: {outcome.call.error}"
        tabulate_failover(report, outcome)

    execute(report, outputs, gating.wrap(work))


@chaos_app.command("stt-crash")
@with_bot_under_test
def stt_crash(
    mode: Annotated[
        str, typer.Option("--mode", help=f"How the primary dies: {', '.join(CRASH_MODES)}.")
    ] = "close",
    at: Annotated[
        float | None,
        typer.Option("--at", help="Crash this many seconds into the call (default 8).", min=0),
    ] = None,
    at_utterance: Annotated[
        int | None,
        typer.Option("--at-utterance", help="Crash as the caller starts utterance N.", min=1),
    ] = None,
    primary: PrimaryOpt = None,
    backup: BackupOpt = None,
    protocol: ProtocolOpt = None,
    strategy: StrategyOpt = None,
    backoff: BackoffOpt = None,
    switch_within: SwitchOpt = 15.0,
    heartbeats: HeartbeatsOpt = False,
    surface_within: SurfaceWithinOpt = 5.0,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    trials: TrialsOpt = 1,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 120.0,
    bot: Any = None,
) -> None:
    """Crash the bot's primary STT mid-call (the reference bot, or --bot-cmd's fake) and judge the ServiceSwitcher failover."""
    try:
        if bot is not None:
            _reject_own_target_options(protocol, strategy, backoff, heartbeats)
        cause = crash_cause(mode)
        if cause is None:
            raise InputError(f"--mode must be one of {', '.join(CRASH_MODES)}, got {mode!r}")
        if at is not None and at_utterance is not None:
            raise InputError("give --at or --at-utterance, not both")
        call = _call(audio, caller_channel)
        crash_at = 8.0 if at is None else at
        if at_utterance is not None:
            utterances = call.script.utterances
            if at_utterance > len(utterances):
                raise InputError(
                    f"--at-utterance {at_utterance}: the call has {len(utterances)} utterances"
                )
            crash_at = utterances[at_utterance - 1].start
        incident = Incident(crash_at, cause, "primary")
        if surface_within != 5.0 and incident.family is not FaultFamily.STALL:
            raise InputError(
                "--surface-within bounds how soon a stall is noticed: it applies to --mode stall only"
            )
        if bot is not None:
            from voicectl.cli.chaos_bot import run_incidents_on_bot

            return run_incidents_on_bot(
                "chaos stt-crash", (incident,), bot=bot, call=call, primary=primary,
                backup=backup, switch_within=switch_within, failback_within=10.0,
                surface_within=surface_within, trials=trials,
                outputs=make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout),
            )  # fmt: skip
        _check_factory_options(primary, backup, protocol, backoff)
        plan = FailoverPlan(
            call=call,
            primary=primary or "soniox",
            backup=backup or "soniox",
            protocol=protocol,
            strategy=strategy,
            backoff=_backoff(backoff),
            incidents=(incident,),
            heartbeats=heartbeats,
        )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    _run(
        plan,
        "chaos stt-crash",
        switch_within,
        make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout),
        surface_within,
        trials=trials,
    )


def _check_factory_options(
    primary: str | None, backup: str | None, protocol: str | None, backoff: str | None
) -> None:
    """--protocol speaks for custom factories and --backoff for built-in services: either
    with no service of its kind is a usage error (:class:`InputError`)."""
    from voicectl.harness.targets import BUILTIN_TARGETS

    builtin = [name in BUILTIN_TARGETS for name in (primary or "soniox", backup or "soniox")]
    if protocol is not None and all(builtin):
        raise InputError(
            "--protocol applies to custom factories (path.py:factory, module:factory); "
            "--primary and --backup are built-in services (it would be ignored)"
        )
    if backoff is not None and not any(builtin):
        raise InputError(
            "--backoff applies to built-in services; --primary and --backup are your "
            "factories (it would be ignored)"
        )


def _reject_own_target_options(
    protocol: str | None, strategy: str | None, backoff: str | None, heartbeats: bool
) -> None:
    from voicectl.cli.chaos_bot import reject_own_target_options

    reject_own_target_options(
        {
            "--protocol": protocol is not None,
            "--strategy": strategy is not None,
            "--backoff": backoff is not None,
            "--heartbeats": heartbeats,
        }
    )


def run_stt_stall(
    *,
    at: float,
    target: str,
    heartbeats: bool,
    surface_within: float,
    audio: Path | None,
    trials: int,
    outputs: Outputs,
) -> None:
    """``voicectl chaos stall --stage stt``: the reference bot's STT provider goes silent mid-call."""
    try:
        plan = FailoverPlan(
            call=_call(audio),
            primary=target,
            backup=target,
            incidents=(Incident(at, StallFault.as_crash(), "primary"),),
            heartbeats=heartbeats,
        )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    _run(plan, "chaos stall --stage stt", 15.0, outputs, surface_within, trials=trials)


@chaos_app.command("failover")
@with_bot_under_test
def failover(
    crashes: Annotated[
        str,
        typer.Option(
            "--crashes",
            help="Incidents: KIND@SECONDS, comma-separated; KIND is a close code, "
            + ", ".join(m for m in CRASH_MODES if m != "close")
            + " or recover; prefix primary:/backup: to aim (default: the active STT).",
        ),
    ] = "1011@5,recover@20,1011@24",
    primary: PrimaryOpt = None,
    backup: BackupOpt = None,
    protocol: ProtocolOpt = None,
    strategy: StrategyOpt = None,
    backoff: BackoffOpt = None,
    switch_within: SwitchOpt = 15.0,
    failback_within: Annotated[
        float,
        typer.Option(
            "--failback-within",
            help="Bound for going back to the primary after it recovers, seconds (failover.failback, a warn unless --strict).",
            min=0.1,
        ),
    ] = 10.0,
    audio: AudioOpt = None,
    caller_channel: CallerChannelOpt = None,
    json: JsonOpt = None,
    junit: JunitOpt = None,
    markdown: MarkdownOpt = None,
    html: HtmlOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    trials: TrialsOpt = 1,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 150.0,
    bot: Any = None,
) -> None:
    """Repeated STT incidents with recovery: switch away, switch back, switch again."""
    try:
        incidents = parse_incidents(crashes)
        if bot is not None:
            _reject_own_target_options(protocol, strategy, backoff, False)
            from voicectl.cli.chaos_bot import run_incidents_on_bot

            return run_incidents_on_bot(
                "chaos failover", incidents, bot=bot, call=_call(audio, caller_channel),
                primary=primary, backup=backup, switch_within=switch_within,
                failback_within=failback_within, surface_within=5.0, trials=trials,
                outputs=make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout),
            )  # fmt: skip
        _check_factory_options(primary, backup, protocol, backoff)
        plan = FailoverPlan(
            call=_call(audio, caller_channel),
            primary=primary or "soniox",
            backup=backup or "soniox",
            protocol=protocol,
            strategy=strategy,
            backoff=_backoff(backoff or "0.5,1"),
            incidents=incidents,
        )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    _run(
        plan,
        "chaos failover",
        switch_within,
        make_outputs(json, junit, markdown, html, quiet, verbose, strict, timeout),
        failback_within=failback_within,
        trials=trials,
    )
