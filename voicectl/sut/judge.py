"""Judge one call into the user's bot after a fault: what the fakes did, what the bot's own
Pipecat reported (the inside view), and what the caller heard; all on the call clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voicectl.audio.script import Call, Utterance
from voicectl.checks.caller import (
    DEFAULT_SILENCE_BOUND_S,
    CallerTimeline,
    judge_call_ended_cleanly,
    judge_caller_not_left_in_silence,
)
from voicectl.checks.failover import (
    judge_cause_visible,
    judge_stall_surfaced,
    judge_switched,
    judge_transcripts_continue,
)
from voicectl.faults.base import Fault
from voicectl.outcome.call import CallOutcome
from voicectl.outcome.failover import FailoverOutcome, Incident, SeenError, Switch, Transcript
from voicectl.report.model import Check, Verdict
from voicectl.sut.inside import WorkerView

__all__ = [
    "FaultFiring",
    "failover_seen_inside",
    "faults_fired",
    "judge_call_after_faults",
    "recovered_without_switch",
    "stt_switcher",
]


@dataclass(frozen=True)
class FaultFiring:
    """A fake applied a fault: ``t`` monotonic seconds."""

    t: float
    fake: str
    fault: Fault | None  # the registered fault that fired (None: a refusal of no fault)
    action: str  # what it did ("close 1008", "HTTP 401", ...)

    def takes_a_provider_down(self) -> bool:
        """A fault that can switch an STT away: one with an outage form, or a refused handshake."""
        return self.fault is not None and (
            self.fault.crash is not None or self.fault.name == "handshake"
        )


def faults_fired(fakes: Any) -> list[FaultFiring]:
    """Every fault a :class:`~voicectl.providers.fakeset.FakeSet` applied, in time order."""
    fired = []
    for name, fake in fakes.fakes.items():
        kinds = [fault for fault, _ in fakes.plan.faults_for(name)]
        for record in fake.log.records():
            if record.fault_at is not None:
                at, action = record.fault_at, record.fault_action
            elif record.status not in (101, 200):
                at, action = record.opened_at, f"HTTP {record.status}"
            else:
                continue
            fault = next((k for k in kinds if k.name != "handshake"), kinds[0]) if kinds else None
            if action.startswith("HTTP"):
                fault = next((k for k in kinds if k.name in ("handshake", "llm-error")), fault)
            fired.append(FaultFiring(at, name, fault, action))
    return sorted(fired, key=lambda f: f.t)


def stt_switcher(worker: WorkerView) -> dict[str, Any] | None:
    switchers = [s for s in worker.switchers if len(s.get("services", [])) >= 2]
    stt = [s for s in switchers if any("STT" in str(n) for n in s["services"])]
    found = stt or switchers
    return found[0] if found else None


def failover_seen_inside(outcome: CallOutcome, worker: WorkerView, t0: float) -> FailoverOutcome:
    """Switches, errors, usability, transcripts of the bot's STT switcher (its first two
    services are the primary and the backup), on the call clock (``t0`` its start); no
    incidents yet. The worker must have a switcher (:func:`stt_switcher`)."""
    switcher = stt_switcher(worker)
    assert switcher is not None
    services = [str(s) for s in switcher["services"]]
    names = {"primary": services[0], "backup": services[1]}
    role_of = {name: role for role, name in names.items()}
    failover = FailoverOutcome(call=outcome, names=names)

    def at(t: float) -> float:
        return t - t0

    for event in worker.events:
        processor = str(event.get("processor", ""))
        if event.kind == "switched" and event.get("switcher") == switcher["name"]:
            to = str(event.get("to", ""))
            failover.switches.append(Switch(at(event.t), role_of.get(to, to)))
        elif event.kind == "error":
            failover.errors.append(
                SeenError(
                    at(event.t),
                    processor,
                    str(event.get("message", "")),
                    str(event.get("category", "")),
                    bool(event.get("usable", True)),
                )
            )
        elif event.kind == "pipeline_error":
            failover.pipeline_errors.append(
                SeenError(at(event.t), processor, str(event.get("message", "")), "", True, True)
            )
        elif event.kind == "usable":
            failover.usable.append((at(event.t), processor, bool(event.get("usable"))))
        elif event.kind == "transcript":
            failover.transcripts.append(
                Transcript(
                    at(event.t), role_of.get(processor, processor), str(event.get("text", ""))
                )
            )
        elif event.kind == "heartbeat_timeout":
            failover.heartbeat_timeouts.append(at(event.t))
    return failover


def _failover_outcome(
    outcome: CallOutcome, worker: WorkerView, t0: float, first: FaultFiring
) -> FailoverOutcome:
    failover = failover_seen_inside(outcome, worker, t0)
    role_of = {name: role for role, name in failover.names.items()}
    fault_t = first.t - t0
    # The service the fault hit: the first of the switcher's services to report an error after
    # it; else the one active then (the fake does not know which service connected to it).
    hit = next(
        (
            role_of[e.processor]
            for e in failover.errors
            if e.t >= fault_t and e.processor in role_of
        ),
        None,
    )
    if hit is None:
        before = [s for s in failover.switches if s.t <= fault_t]
        hit = before[-1].to if before else "primary"
    assert first.fault is not None  # judged only for a fault that takes a provider down
    incident = Incident(round(fault_t, 2), first.fault, hit)
    failover.incidents = (incident,)
    failover.incidents_done.append((incident, fault_t, hit))
    return failover


def recovered_without_switch(
    failover: FailoverOutcome, utterances: Sequence[Utterance]
) -> Check | None:
    """``failover.switched`` as ``skip`` when the faulted service came back by itself (one
    faulted connection, then a reconnect that held): no switch, never unusable, and every
    utterance ending 1 s or more after the fault transcribed by it. ``None`` otherwise."""
    if not failover.incidents_done:
        return None
    incident, fault_t, hit = failover.incidents_done[0]
    later = [u for u in utterances if u.end >= fault_t + 1.0]
    name = failover.names.get(hit, hit)
    heard = [t for t in failover.transcripts if t.t >= fault_t and t.service == hit]
    gave_up = any(not usable for t, who, usable in failover.usable if t >= fault_t and who == name)
    if failover.switches or gave_up or not later or len(heard) < len(later):
        return None
    return Check(
        "failover.switched",
        f"switched away from the {hit} after {incident.describe()}",
        Verdict.SKIP,
        "on_service_switched after the failed service gives up",
        f"not exercised: the {hit} ({name}) recovered without giving up (still usable; "
        f"{len(heard)} transcript(s) from it for the {len(later)} utterance(s) after the fault): "
        "nothing to fail over",
    )


def judge_call_after_faults(
    label: str,
    call: Call | None,
    outcome: CallOutcome,
    worker: WorkerView | None,
    fired: Sequence[FaultFiring],
    *,
    hooked: bool,
    why_unseen: str,
    silence_bound_s: float = DEFAULT_SILENCE_BOUND_S,
    switch_within_s: float = 15.0,
    said: Sequence[Utterance] | None = None,
) -> list[Check]:
    """Caller impact, a clean end and (with a failover ServiceSwitcher inside) failover.*

    The caller's utterances are ``said`` when given (a directed call says only some of its
    script's), else ``call``'s script."""
    t0 = outcome.started_monotonic
    if t0 is None:
        return []
    end = outcome.duration_s
    in_call = [f for f in fired if 0.0 <= f.t - t0 <= end]
    checks: list[Check] = []
    if not in_call:
        return checks
    first = in_call[0]
    if said is not None:
        utterances = list(said)
    else:
        utterances = list(call.script.utterances) if call is not None else []
    timeline = CallerTimeline(
        utterances,
        [(run.start, run.end) for run in outcome.runs],
        end,
        end if outcome.closed_by_bot else None,
    )
    checks.append(
        judge_caller_not_left_in_silence(label, timeline, first.t - t0, bound_s=silence_bound_s)
    )
    checks.append(
        judge_call_ended_cleanly(
            label,
            hooked=hooked and worker is not None,
            pipeline_ended=worker is not None and worker.ended,
            why_unseen=why_unseen
            if not hooked
            else "the bot reported no pipeline worker for the call",
        )
    )
    if worker is not None and stt_switcher(worker) is not None and first.takes_a_provider_down():
        failover = _failover_outcome(outcome, worker, t0, first)
        recovered = recovered_without_switch(failover, utterances)
        checks += (
            [recovered]
            if recovered is not None
            else judge_switched(failover, bound_s=switch_within_s)
        )
        checks += judge_transcripts_continue(failover, utterances)
        checks += judge_cause_visible(failover)
        checks += judge_stall_surfaced(failover)
    return checks
