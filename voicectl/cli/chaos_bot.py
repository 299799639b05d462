"""``voicectl chaos <fault> --bot-cmd``: the command's own fault on a fake of the user's bot.

The call is placed by replay's bot runner (:func:`voicectl.replay.runner.run_replay`), which
starts the fakes and the bot, judges caller impact, a clean end and (with an STT switcher
inside the bot) failover; this module adds the command's fault to the fakes and its checks:
``close.not_retried``/``reconnect.*`` from the fake's connection log and ``error.*`` from the
bot's own Pipecat (provider faults), or the failover checks over several incidents
(``stt-crash``, ``failover``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from voicectl.audio.script import Call, bundled_fixtures_dir, load_call
from voicectl.cli.chaos_provider_options import common_outputs
from voicectl.cli.common import Outputs, execute, fail_usage
from voicectl.errors import InputError
from voicectl.faults.base import Fault, Selector
from voicectl.outcome.failover import Incident
from voicectl.report import Report
from voicectl.report.gating import Gating

__all__ = [
    "bot_call",
    "reject_own_target_options",
    "run_incidents_on_bot",
    "run_provider_fault_on_bot",
]

#: Seconds, beyond the call and the bot's start, a --bot-cmd chaos run may take.
_MARGIN_S = 60.0


def reject_own_target_options(given: dict[str, bool]) -> None:
    """Options that configure voicectl's own targets make no sense with ``--bot-cmd``."""
    for option, was_given in given.items():
        if was_given:
            raise InputError(
                f"{option} applies to voicectl's own targets, not to your bot (--bot-cmd)"
            )


def bot_call(audio: Path | None) -> Call:
    """The call to place into the user's bot (default: the bundled ``order_status``)."""
    return load_call(audio or bundled_fixtures_dir() / "order_status.wav")


def _check_bot(bot: Any) -> None:
    if bot.command.uses_rate:
        raise InputError(
            "a chaos command starts your bot once: put its pipeline rate in --bot-cmd "
            "instead of {rate}"
        )


def _timeout(call: Call, bot: Any, given: float | None) -> float:
    needed = call.audio.duration_s + bot.silence_bound_s + 1.0 + bot.ready_timeout_s + _MARGIN_S
    if given is not None and given < call.audio.duration_s + bot.silence_bound_s:
        raise InputError(
            f"--timeout {given:g} s is shorter than the call ({call.audio.duration_s:.1f} s) "
            f"and its tail ({bot.silence_bound_s + 1.0:g} s)"
        )
    return given if given is not None else needed


def _run(
    command: str,
    bot: Any,
    call: Call,
    args: dict[str, Any],
    outputs: Outputs,
    trials: int,
    judge: Callable[[Any, Any, Report], None],
    during_call: Any = None,
) -> None:
    """Place ``call`` into ``bot`` through replay's runner, then ``judge(result, run, report)``
    for each call placed."""
    from voicectl.checks.replay import REALTIME_ANSWER_BOUND_S
    from voicectl.replay.runner import ReplayPlan, run_replay

    plan = ReplayPlan(
        calls=[call],
        rates=(),
        bot=bot,
        fast=False,
        answer_bound_s=REALTIME_ANSWER_BOUND_S,
        answers_judged=False,
        during_call=during_call,
    )
    report = Report(
        command=command, args={**args, "bot": bot.describe(), "audio": call.audio.source}
    )
    gating = Gating.prepare(report, trials, None)
    outputs = replace(outputs, timeout_s=outputs.timeout_s * trials)

    async def work(report: Report) -> None:
        result = await run_replay(plan, report)
        if result.bot_runs and result.runs and not report.interrupted:
            judge(result.bot_runs[-1], result.runs[-1], report)

    execute(report, outputs, gating.wrap(work))


def run_provider_fault_on_bot(
    fault: Fault, selector: Selector, common: dict[str, Any], bot: Any, spec: str
) -> None:
    """A provider fault (``ws-close``, ``handshake``, ...) on the fake ``--target`` names."""
    from voicectl.checks.policy import Reaction, expectation_for
    from voicectl.harness.runner import DEFAULT_BUDGET_S
    from voicectl.providers.fakeset import PROVIDERS, FakeFault, FakeSpec

    try:
        reject_own_target_options(
            {
                "--protocol": common["protocol"] is not None,
                "--budget": common["budget"] != DEFAULT_BUDGET_S,
                "--full-budget": bool(common["full_budget"]),
            }
        )
        _check_bot(bot)
        if not bot.fakes:
            raise InputError("a chaos fault acts on one of your bot's fakes: give --fake")
        target = common["target"] or FakeSpec.parse(bot.fakes[0]).name
        seed = (
            common["seed"] if common["seed"] is not None else random.SystemRandom().randrange(2**31)
        )
        bot = replace(bot, more_faults=(FakeFault(target, fault, selector, spec),), seed=seed)
        fakes_plan = bot.fakes_plan()  # --target naming no fake: one line, exit 2
        name = fakes_plan.faults[-1].fake
        provider = next(s.provider for s in fakes_plan.fakes if s.name == name)
        routes = PROVIDERS[provider].routes
        expect = common["expect"]
        expectation = expectation_for(
            fault,
            private_codes=routes[0][1].private_close_codes if routes else None,
            expect=Reaction(expect.value) if expect is not None else None,
            max_attempts=common["max_attempts"],
            surface_within_s=common["surface_within"],
        )
        call = bot_call(common["audio"])
        timeout = _timeout(call, bot, common["timeout"])
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    def judge(bot_run: Any, run: Any, report: Report) -> None:
        from voicectl.sut.fake_reactions import (
            fake_journal,
            judge_fake_reactions,
            served_speech,
        )
        from voicectl.sut.session import NOT_HOOKED

        t0 = run.outcome.started_monotonic
        fake = bot_run.fakes[name] if bot_run.fakes is not None else None
        if t0 is None or fake is None:
            return
        journal, service = fake_journal(fake.log, run.inside, t0=t0, provider=provider)
        unseen = None
        if not bot_run.inside.hooked:
            unseen = NOT_HOOKED
        elif run.inside is None:
            unseen = "the bot reported no pipeline worker for the call"
        judged = judge_fake_reactions(
            run.label,
            fault,
            expectation,
            journal,
            now=min(run.outcome.ended_at or run.outcome.duration_s, run.outcome.duration_s),
            fake_url=fake.base_url,
            service=service,
            why_unseen=unseen,
            tts=served_speech(fake.log, provider),
        )
        # replay's runner already reported a fault that never fired (the bot never used the fake)
        fired = not any(c.id == "fault.fired" for c in report.checks)
        report.extend_checks(c for c in judged if fired or c.id != "fault.fired")
        _connections_table(report, name, journal.connections.records())
        report.metrics["fake_connections"] = len(journal.connections)
        report.metrics["errors_counted_from"] = service or "every processor"

    _run(
        f"chaos {fault.name}",
        bot,
        call,
        {
            "fault": fault.to_json(),
            "on": selector.describe(),
            "target": name,
            "expectation": expectation.to_json(),
            "seed": seed,
        },
        common_outputs(common, timeout),
        common["trials"],
        judge,
    )


def _connections_table(report: Report, name: str, records: Sequence[Any]) -> None:
    rows = [
        [
            r.number,
            round(r.opened_at, 2),
            None if r.closed_at is None else round(r.closed_at, 2),
            r.status,
            r.fault_action or "",
            r.ended_by.value if r.ended_by else "",
            " ".join(map(str, r.close_sent or r.close_received or ())),
        ]
        for r in records
    ]
    report.add_table(
        f"Connections to the {name} fake (call seconds)",
        ["#", "opened s", "closed s", "HTTP", "fault", "ended by", "close"],
        rows,
    )


def run_incidents_on_bot(
    command: str,
    incidents: Sequence[Incident],
    *,
    bot: Any,
    call: Call,
    primary: str | None,
    backup: str | None,
    switch_within: float,
    failback_within: float,
    surface_within: float,
    outputs: Outputs,
    trials: int,
) -> None:
    """STT incidents on the fakes serving the bot's primary and backup STT; failover judged
    from inside the bot."""
    from voicectl.providers.fakeset import FakeSpec
    from voicectl.sut.incidents import STT_PROVIDERS, IncidentDriver, check_incidents

    try:
        _check_bot(bot)
        specs = [FakeSpec.parse(f) for f in bot.fakes]
        if not specs:
            raise InputError(f"{command} takes down the fakes of your bot's STT: give --fake")
        started = {s.name for s in specs}
        stt = [s.name for s in specs if s.provider in STT_PROVIDERS]
        roles: dict[str, str | None] = {
            "primary": primary or (stt[0] if stt else None),
            "backup": backup or (stt[1] if len(stt) > 1 else None),
        }
        for role, name in roles.items():
            if name is not None and name not in started:
                raise InputError(
                    f"--{role} names fake {name!r}, which is not started "
                    f"(started: {', '.join(sorted(started))})"
                )
        check_incidents(incidents, roles)
        last = max(i.at_s for i in incidents)
        if last >= call.audio.duration_s:
            raise InputError(
                f"an incident at {last:g} s is past the end of the call ({call.audio.duration_s:.1f} s)"
            )
        outputs = replace(outputs, timeout_s=_timeout(call, bot, outputs.timeout_s))
    except InputError as exc:
        raise fail_usage(str(exc)) from None
    driver = IncidentDriver(incidents, roles)
    bot = replace(bot, outages=tuple(driver.describe()))

    def judge(bot_run: Any, run: Any, report: Report) -> None:
        _judge_failover(
            driver, bot_run, run, report, switch_within, failback_within, surface_within
        )

    _run(
        command,
        bot,
        call,
        {
            "incidents": [i.describe() for i in incidents],
            "primary": roles["primary"],
            "backup": roles["backup"],
        },
        outputs,
        trials,
        judge,
        during_call=driver,
    )


def _judge_failover(
    driver: Any,
    bot_run: Any,
    run: Any,
    report: Report,
    switch_within: float,
    failback_within: float,
    surface_within: float,
) -> None:
    from voicectl.failover.timeline import tabulate_failover

    checks, failover = driver.judge(
        bot_run,
        run,
        switch_within_s=switch_within,
        failback_within_s=failback_within,
        surface_within_s=surface_within,
    )
    report.extend_checks(checks)
    if failover is not None:
        tabulate_failover(report, failover)
