"""STT incidents (``chaos stt-crash``, ``chaos failover``) on the fakes of the user's bot.

The bot's STT ``ServiceSwitcher`` is inside the bot; voicectl takes down the *fake* that serves
its primary or its backup at call times, as the reference bot's scenario does with its own fakes
(:meth:`~voicectl.providers.server.FakeProviderServer.begin_outage`: every live connection hit,
new handshakes refused until ``recover``). Which role an unprefixed incident hits comes from the
switches the bot reported so far.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voicectl.checks.failover import (
    judge_cause_visible,
    judge_failback,
    judge_stall_surfaced,
    judge_switched,
    judge_transcripts_continue,
)
from voicectl.errors import InputError
from voicectl.outcome.failover import FailoverOutcome, Incident, ServiceEvent
from voicectl.report.model import Check, Verdict
from voicectl.sut.inside import InsideView

__all__ = ["STT_PROVIDERS", "AppliedIncident", "IncidentDriver", "check_incidents"]

#: Fake providers that serve an STT (a default --primary/--backup is the first two of these).
STT_PROVIDERS = ("deepgram", "openai-stt", "cartesia", "soniox", "assemblyai")


def check_incidents(incidents: Sequence[Incident], roles: dict[str, str | None]) -> None:
    """Usage errors: a crash voicectl cannot cause in a bot it does not change, a role with
    no fake."""
    for incident in incidents:
        if incident.cause is ServiceEvent.EXCEPTION:
            raise InputError(
                "an 'exception' crash raises inside the STT service, which voicectl does not "
                "change in your bot; use close, drop, error or stall (the provider fails)"
            )
        role = incident.service or "primary"
        if not incident.is_recovery and roles.get(role) is None:
            raise InputError(
                f"{incident.describe()}: no fake serves the {role} STT "
                f"(name it with --{role} NAME, a --fake you started)"
            )


@dataclass(frozen=True)
class AppliedIncident:
    """An incident carried out: ``t`` monotonic seconds, the role and fake it hit."""

    incident: Incident
    t: float
    role: str
    fake: str


@dataclass
class IncidentDriver:
    """Runs beside the call: at each incident's call time, acts on the fake of its role."""

    incidents: Sequence[Incident]
    roles: dict[str, str | None]  # "primary"/"backup" -> fake name
    applied: list[AppliedIncident] = field(default_factory=list)

    async def __call__(self, run: Any, since: float) -> None:
        fakes = run.fakes
        for incident in sorted(self.incidents, key=lambda i: i.at_s):
            await asyncio.sleep(max(0.0, since + incident.at_s - time.monotonic()))
            if incident.is_recovery:
                for name in {n for n in self.roles.values() if n is not None}:
                    fakes[name].server.end_outage()
                self.applied.append(AppliedIncident(incident, time.monotonic(), "all", ""))
                continue
            role = incident.service or self._active(run.inside, since)
            fake = self.roles.get(role)
            if fake is None:
                continue
            if isinstance(incident.cause, ServiceEvent):
                continue  # an exception: check_incidents refused it before the run
            await fakes[fake].server.go_down(incident.cause.outage())
            self.applied.append(AppliedIncident(incident, time.monotonic(), role, fake))

    def describe(self) -> list[str]:
        """Each incident, naming the fake of its role."""
        out = []
        for incident in self.incidents:
            fake = self.roles.get(incident.service or "primary")
            who = f"{fake} (the {incident.service} STT)" if incident.service else "the active STT"
            if incident.is_recovery:
                out.append(incident.describe())
            else:
                out.append(incident.describe().replace(incident.service or "the active STT", who))
        return out

    @staticmethod
    def _active(inside: InsideView, since: float) -> str:
        """The role the bot's STT switcher last switched to during this call (primary first)."""
        role = "primary"
        for worker in inside.workers.values():
            if not worker.events or worker.events[0].t < since:
                continue
            for switcher in worker.switchers:
                services = [str(s) for s in switcher.get("services", [])]
                for event in worker.of_kind("switched"):
                    if event.get("switcher") == switcher.get("name") and len(services) >= 2:
                        role = "backup" if str(event.get("to")) == services[1] else "primary"
        return role

    def fill(self, failover: FailoverOutcome, t0: float) -> None:
        """Put the plan's incidents and those carried out (call seconds) into ``failover``."""
        failover.incidents = tuple(self.incidents)
        for done in self.applied:
            failover.incidents_done.append((done.incident, done.t - t0, done.role))

    def judge(
        self,
        bot_run: Any,
        run: Any,
        *,
        switch_within_s: float,
        failback_within_s: float,
        surface_within_s: float,
    ) -> tuple[list[Check], FailoverOutcome | None]:
        """The failover checks of one call (a ``CallRun`` of replay's runner) into the bot
        (``bot_run``) and the outcome they judged (``None`` when the bot's switcher was not seen:
        then ``failover.switched`` is ``error`` with the reason)."""
        from voicectl.sut.judge import failover_seen_inside, stt_switcher
        from voicectl.sut.session import NOT_HOOKED

        t0 = run.outcome.started_monotonic
        if t0 is None:
            return [], None
        why = None
        if not bot_run.inside.hooked:
            why = NOT_HOOKED
        elif run.inside is None:
            why = "the bot reported no pipeline worker for the call"
        elif stt_switcher(run.inside) is None:
            why = "the bot's pipeline has no ServiceSwitcher with two services"
        if why is not None:
            unseen = Check(
                "failover.switched",
                f"{run.label}: switched away from the failed STT",
                Verdict.ERROR,
                "on_service_switched to the backup after the incident, seen inside the bot",
                f"not judged: {why}",
            )
            return [unseen], None
        failover = failover_seen_inside(run.outcome, run.inside, t0)
        self.fill(failover, t0)
        checks = [
            *judge_switched(failover, bound_s=switch_within_s),
            *judge_transcripts_continue(failover, list(run.call.script.utterances)),
            Check(
                "failover.no_false_switch",
                "an error from another processor did not switch the STT",
                Verdict.SKIP,
                "no on_service_switched within 2 s of a downstream processor's ErrorFrame",
                "not exercised: voicectl does not change your bot's pipeline, so it injects no "
                "ErrorFrame from another processor",
            ),
            *judge_cause_visible(failover),
            *judge_stall_surfaced(failover, bound_s=surface_within_s),
        ]
        failback = judge_failback(failover, bound_s=failback_within_s)
        if failback is not None:
            checks.append(failback)
        if bot_run.fakes is not None:
            for role, name in self.roles.items():
                if name is not None:
                    records = bot_run.fakes[name].log.shifted(t0).records()
                    failover.connections[role] = [r.to_json() for r in records]
        return checks, failover
