"""``voicectl chaos ws-close|ws-drop|handshake|stall|malformed|latency|flap``: provider faults.

Each command only parses and validates (bad input: one line, exit 2, before anything runs),
then hands a :class:`~voicectl.harness.runner.ChaosPlan` to the harness and renders the report;
with ``--bot-cmd`` the fault acts on a fake of the user's bot instead (:mod:`.chaos_bot`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Annotated, Any

import typer

from voicectl.audio.script import bundled_calls
from voicectl.checks.policy import DEFAULT_MAX_ATTEMPTS, Reaction, expectation_for
from voicectl.cli.bot_options import with_bot_under_test
from voicectl.cli.chaos import chaos_app
from voicectl.cli.chaos_provider_options import (
    AfterMessagesOpt,
    AfterOpt,
    common_outputs,
    with_provider_options,
)
from voicectl.cli.common import execute, fail_usage
from voicectl.errors import InputError
from voicectl.faults import (
    Fault,
    Flap,
    Handshake,
    Latency,
    Malformed,
    MalformedKind,
    Selector,
    StallFault,
    WsClose,
    WsDrop,
    parse_lifetimes,
)
from voicectl.harness.runner import DEFAULT_BUDGET_S, ChaosPlan, run_chaos
from voicectl.harness.targets import DEFAULT_TARGET, resolve_target
from voicectl.providers import ServiceKind, get_protocol
from voicectl.report import Report
from voicectl.report.gating import Gating

__all__ = ["run_provider_fault"]


def run_provider_fault(
    build_fault: Callable[[], Fault], common: dict[str, Any], bot: Any = None
) -> None:
    """Validate everything, then run the experiment under :func:`execute`."""
    try:
        fault = build_fault()
        if common["seed"] is not None and not (isinstance(fault, Latency) and fault.jitter_ms):
            raise InputError(
                f"--seed seeds latency's --jitter, and nothing in chaos {fault.name} is random "
                "(it would be ignored): drop --seed"
            )
        selector = Selector.parse(common["on"])
        if bot is not None:
            from voicectl.cli.chaos_bot import run_provider_fault_on_bot

            spec = f"{fault.describe()}, {selector.describe()}"
            return run_provider_fault_on_bot(fault, selector, common, bot, spec)
        if common["audio"] is not None:
            raise InputError("--audio is the call placed into your bot: it needs --bot-cmd")
        target = resolve_target(common["target"] or DEFAULT_TARGET, common["protocol"])
        if isinstance(fault, Latency) and get_protocol(target.protocol).kind is ServiceKind.GENERIC:
            raise InputError(
                "latency needs a protocol that answers: the generic fake sends nothing to delay "
                "(choose --protocol)"
            )
        budget = float(common["budget"])
        timeout = common["timeout"] if common["timeout"] is not None else budget + 60.0
        if timeout <= budget:
            raise InputError(
                f"--timeout ({timeout:g} s) must be longer than --budget ({budget:g} s)"
            )
        private = get_protocol(target.protocol).private_close_codes
        expect = common["expect"]
        expectation = expectation_for(
            fault,
            private_codes=private,
            expect=Reaction(expect.value) if expect is not None else None,
            max_attempts=common["max_attempts"],
            surface_within_s=common["surface_within"],
        )
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    seed = common["seed"] if common["seed"] is not None else random.SystemRandom().randrange(2**31)
    call = bundled_calls()[0]
    plan = ChaosPlan(
        target=target,
        fault=fault,
        expectation=expectation,
        call=call,
        selector=selector,
        budget_s=budget,
        seed=seed,
        early_stop=not common["full_budget"],
    )
    report = Report(
        command=f"chaos {fault.name}",
        args={
            "fault": fault.to_json(),
            "on": selector.describe(),
            "target": target.name,
            "target_class": target.description,
            "protocol": target.protocol,
            "expectation": expectation.to_json(),
            "budget_s": budget,
            "seed": seed,
            "call": call.name,
            "full_budget": common["full_budget"],
        },
    )
    outputs = common_outputs(common, timeout * common["trials"])
    gating = Gating.prepare(report, common["trials"], None)

    async def work(report: Report) -> None:
        from voicectl.harness.report import record_outcome

        offset = report.elapsed()
        await run_chaos(plan, lambda outcome: record_outcome(report, plan, outcome, offset=offset))

    execute(report, outputs, gating.wrap(work))


@chaos_app.command("ws-close")
@with_bot_under_test
@with_provider_options
def ws_close(
    code: Annotated[int, typer.Option("--code", help="Close code to send (1000-4999).")] = 1008,
    reason: Annotated[str, typer.Option("--reason", help="Close reason (<= 123 bytes).")] = "",
    after: AfterOpt = None,
    after_messages: AfterMessagesOpt = None,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """The provider closes the WebSocket with a code (default 1008, right after the first message)."""
    run_provider_fault(
        lambda: WsClose(code=code, reason=reason, after=after, after_messages=after_messages),
        common,
        bot,
    )


@chaos_app.command("ws-drop")
@with_bot_under_test
@with_provider_options
def ws_drop(
    after: AfterOpt = None,
    after_messages: AfterMessagesOpt = None,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """The provider aborts TCP with no close frame (the client sees 1006)."""
    run_provider_fault(lambda: WsDrop(after=after, after_messages=after_messages), common, bot)


@chaos_app.command("handshake")
@with_bot_under_test
@with_provider_options
def handshake(
    status: Annotated[
        int, typer.Option("--status", help="HTTP status for the upgrade (401, 403, 429, 503, ...).")
    ] = 401,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """The provider rejects the WebSocket handshake with an HTTP status."""
    run_provider_fault(lambda: Handshake(status=status), common, bot)


#: ``--stage stt``: seconds into the call the reference bot's STT provider stalls.
STT_STALL_AT_S = 8.0


@chaos_app.command("stall")
@with_bot_under_test
@with_provider_options
def stall(
    stage: Annotated[
        str,
        typer.Option(
            "--stage",
            help="provider: --target's provider stalls (default); stt: the reference bot's STT "
            "provider stalls while the caller keeps talking.",
        ),
    ] = "provider",
    at: Annotated[
        float,
        typer.Option("--at", help="--stage stt: stall this many seconds into the call.", min=0),
    ] = STT_STALL_AT_S,
    heartbeats: Annotated[
        bool,
        typer.Option("--heartbeats", help="--stage stt: run the bot with enable_heartbeats=True."),
    ] = False,
    after: AfterOpt = None,
    after_messages: AfterMessagesOpt = None,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """The provider stops reading and answering (no pongs) but keeps the socket open."""
    if stage not in ("provider", "stt"):
        raise fail_usage(f"--stage must be provider or stt, got {stage!r}")
    if stage == "stt" and bot is not None:
        raise fail_usage(
            "--stage stt stalls the reference bot's STT; for your bot, stall the fake that "
            "serves its STT: --target NAME"
        )
    applies_to = "--stage stt" if stage == "provider" else "--stage provider"
    given = (
        {"--at": at != STT_STALL_AT_S, "--heartbeats": heartbeats}
        if stage == "provider"
        else {
            "--after": after is not None,
            "--after-messages": after_messages is not None,
            "--on": common["on"] != "every",
            "--seed": common["seed"] is not None,
            "--protocol": common["protocol"] is not None,
            "--budget": common["budget"] != DEFAULT_BUDGET_S,
            "--full-budget": bool(common["full_budget"]),
            "--max-attempts": common["max_attempts"] != DEFAULT_MAX_ATTEMPTS,
            "--expect": common["expect"] is not None,
        }
    )
    for option, was_given in given.items():
        if was_given:
            raise fail_usage(f"{option} applies to {applies_to} only")
    if stage == "stt":
        from voicectl.cli.chaos_service import run_stt_stall

        surface_within = common["surface_within"]
        run_stt_stall(
            at=at,
            target=common["target"] or DEFAULT_TARGET,
            heartbeats=heartbeats,
            surface_within=surface_within if surface_within is not None else 5.0,
            audio=common["audio"],
            trials=common["trials"],
            outputs=common_outputs(common, common["timeout"] or 120.0),
        )
        return
    run_provider_fault(lambda: StallFault(after=after, after_messages=after_messages), common, bot)


@chaos_app.command("malformed")
@with_bot_under_test
@with_provider_options
def malformed(
    kind: Annotated[
        MalformedKind,
        typer.Option(
            "--kind",
            help="json: not JSON; keys: JSON missing required keys; error: the provider's in-band error.",
            case_sensitive=False,
        ),
    ] = MalformedKind.ERROR,
    error_code: Annotated[
        int, typer.Option("--error-code", help="Code of the in-band error.")
    ] = 503,
    error_message: Annotated[
        str, typer.Option("--error-message", help="Text of the in-band error.")
    ] = Malformed.error_message,
    after: AfterOpt = None,
    after_messages: AfterMessagesOpt = None,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """The provider sends a malformed message or its in-band error (the connection stays open)."""
    run_provider_fault(
        lambda: Malformed(
            kind=kind,
            error_code=error_code,
            error_message=error_message,
            after=after,
            after_messages=after_messages,
        ),
        common,
        bot,
    )


@chaos_app.command("latency")
@with_bot_under_test
@with_provider_options
def latency(
    ms: Annotated[
        float, typer.Option("--ms", help="Added delay per provider message, ms.")
    ] = 300.0,
    jitter: Annotated[
        float, typer.Option("--jitter", help="+/- uniform jitter, ms (seeded).")
    ] = 0.0,
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """Every provider message arrives late (latency +/- jitter)."""
    run_provider_fault(lambda: Latency(ms=ms, jitter_ms=jitter), common, bot)


@chaos_app.command("flap")
@with_bot_under_test
@with_provider_options
def flap(
    lifetimes: Annotated[
        str, typer.Option("--lifetimes", help="Connection lifetimes in seconds, cycled (6,1,1).")
    ] = "6,1,1",
    code: Annotated[int, typer.Option("--code", help="Close code ending each connection.")] = 1011,
    reason: Annotated[str, typer.Option("--reason", help="Close reason.")] = "",
    *,
    common: dict[str, Any],
    bot: Any = None,
) -> None:
    """Connections close after a repeating cycle of lifetimes (a long one resets naive counters)."""
    run_provider_fault(
        lambda: Flap(lifetimes=parse_lifetimes(lifetimes), code=code, reason=reason), common, bot
    )
