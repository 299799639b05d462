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

from voicectl.errors import InputError
from voicectl.faults.actions import Close, Drop, MalformedKind, SendMalformed, Stall
from voicectl.outcome.failover import FailoverOutcome, Incident
from voicectl.sut.inside import InsideView

__all__ = ["STT_PROVIDERS", "AppliedIncident", "IncidentDriver", "check_incidents"]

#: Fake providers that serve an STT (a default --primary/--backup is the first two of these).
STT_PROVIDERS = ("deepgram", "openai-stt", "cartesia", "soniox", "assemblyai")


def check_incidents(incidents: Sequence[Incident], roles: dict[str, str | None]) -> None:
    """Usage errors: a crash voicectl cannot cause in a bot it does not change, a role with
    no fake."""
    for incident in incidents:
        if incident.kind == "exception":
            raise InputError(
                "an 'exception' crash raises inside the STT service, which voicectl does not "
                "change in your bot; use close, drop, error or stall (the provider fails)"
            )
        role = incident.service or "primary"
        if incident.kind != "recover" and roles.get(role) is None:
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
            if incident.kind == "recover":
                for name in {n for n in self.roles.values() if n is not None}:
                    fakes[name].server.end_outage()
                self.applied.append(AppliedIncident(incident, time.monotonic(), "all", ""))
                continue
            role = incident.service or self._active(run.inside, since)
            fake = self.roles.get(role)
            if fake is None:
                continue
            server = fakes[fake].server
            if incident.kind == "close":
                reason = "provider crashed (injected by voicectl)"
                server.begin_outage(Close(incident.code, reason), refuse_status=503)
            elif incident.kind == "drop":
                server.begin_outage(Drop(), refuse_status=503)
            elif incident.kind == "error":
                server.begin_outage(
                    SendMalformed(
                        MalformedKind.ERROR, 401, "Invalid API key (injected by voicectl)"
                    ),
                    refuse_status=401,
                )
                await asyncio.sleep(0.05)
                server.begin_outage(Close(1000, "authentication failed"), refuse_status=401)
            elif incident.kind == "stall":
                server.begin_outage(Stall(), refuse_status=None)
            self.applied.append(AppliedIncident(incident, time.monotonic(), role, fake))

    def describe(self) -> list[str]:
        """Each incident, naming the fake of its role."""
        out = []
        for incident in self.incidents:
            fake = self.roles.get(incident.service or "primary")
            who = f"{fake} (the {incident.service} STT)" if incident.service else "the active STT"
            if incident.kind == "recover":
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
