"""How the user's bot reacted to a fault on one of its fakes: reconnects from what the fake saw,
errors and usability from what the bot's own Pipecat reported (the inside view).

The fake is the provider, so its connection log (connections, close codes, their times) is
first-hand evidence for ``close.not_retried`` and ``reconnect.*``. The errors that count are
those of the service that talked to the fake: the processor whose transcripts the fake sent
(matched by text and time), else the first processor named like the provider to report an error
or a usability change after the fault fired, else every processor. All times are call seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from voicectl.checks.journal_facts import DELIVERY_GRACE_S
from voicectl.checks.policy import Expectation
from voicectl.checks.provider_errors import ATTRIBUTABLE, RECVLOOP, SURFACED, UNUSABLE
from voicectl.checks.reconnect import LATENCY, judge_chaos
from voicectl.faults.base import Fault
from voicectl.outcome.connections import ConnectionLog
from voicectl.outcome.journal import ChaosJournal, ErrorRecord
from voicectl.report.model import Check, Verdict
from voicectl.sut.inside import InsideEvent, WorkerView

__all__ = [
    "INSIDE_CHECKS",
    "fake_journal",
    "judge_fake_reactions",
    "served_speech",
    "service_of_fake",
]

#: Checks that need the bot's own errors, usability or outputs (the inside view).
INSIDE_CHECKS = frozenset({SURFACED, ATTRIBUTABLE, UNUSABLE, RECVLOOP, LATENCY})


def _named_like(processor: str, provider: str) -> bool:
    squeeze = provider.replace("-", "").lower()
    return squeeze in processor.replace("-", "").lower()


def service_of_fake(
    log: ConnectionLog, events: Iterable[InsideEvent], provider: str, fault_t: float | None
) -> str | None:
    """The processor in the bot that talked to the fake (times on one clock), or ``None``."""
    events = list(events)
    sent = [(s.t, s.text) for s in log.transcripts]
    for event in events:
        if event.kind != "transcript":
            continue
        text = str(event.get("text", ""))
        if any(t - 0.05 <= event.t <= t + DELIVERY_GRACE_S and text == said for t, said in sent):
            return str(event.get("processor", "")) or None
    if fault_t is None:
        return None
    for event in events:
        if event.kind in ("error", "usable") and event.t >= fault_t - 0.05:
            processor = str(event.get("processor", ""))
            if _named_like(processor, provider):
                return processor
    return None


def served_speech(log: ConnectionLog, provider: str) -> bool:
    """Whether the bot used the fake for speech (a TTS route: Deepgram's ``/v1/speak``, ...)."""
    from voicectl.providers.fakeset import PROVIDERS
    from voicectl.providers.protocol import ServiceKind

    routes = PROVIDERS[provider].routes
    for record in log.records():
        path = record.path.split("?", 1)[0]
        kind = next((p.kind for prefix, p in routes if path.startswith(prefix)), None)
        if kind is ServiceKind.TTS:
            return True
    return False


def fake_journal(
    log: ConnectionLog, worker: WorkerView | None, *, t0: float, provider: str
) -> tuple[ChaosJournal, str | None]:
    """The chaos journal of one call (call seconds, ``t0`` its start on the fakes' clock) and
    the processor it attributes errors to (``None``: every processor's errors count)."""
    shifted = log.shifted(t0)
    journal = ChaosJournal(shifted)
    if worker is None:
        return journal, None
    events = [replace(e, t=e.t - t0) for e in worker.events]
    fired = [r.fault_at for r in shifted.records() if r.fault_at is not None]
    service = service_of_fake(shifted, events, provider, min(fired) if fired else None)
    for event in events:
        processor = str(event.get("processor", ""))
        if service is not None and processor != service:
            continue
        if event.kind == "error":
            journal.add_error(
                ErrorRecord(
                    event.t,
                    str(event.get("message", "")),
                    str(event.get("category", "")),
                    processor,
                    bool(event.get("usable", True)),
                    event.get("exception_type"),
                    bool(event.get("fatal", False)),
                )
            )
        elif event.kind == "usable":
            journal.add_usable(event.t, bool(event.get("usable")))
        elif event.kind == "transcript":
            journal.add_output(event.t, "transcript", str(event.get("text", "")))
    return journal, service


def judge_fake_reactions(
    label: str,
    fault: Fault,
    expectation: Expectation,
    journal: ChaosJournal,
    *,
    now: float,
    fake_url: str,
    service: str | None,
    why_unseen: str | None,
    tts: bool = False,
) -> list[Check]:
    """The command's reconnect and error checks for one call, judged as of ``now`` (the caller's
    hang-up: the bot's teardown is not judged); a check that needs the inside view is ``error``
    with ``why_unseen`` when the bot was not seen inside, ``latency.tolerated`` too for a fake
    that served speech (``tts``)."""
    checks = []
    for judgement in judge_chaos(
        journal, fault, expectation, now=now, final=True, target_url=fake_url
    ):
        check = judgement.check
        if check.id in INSIDE_CHECKS and why_unseen is not None:
            check = replace(check, verdict=Verdict.ERROR, observed=f"not judged: {why_unseen}")
        elif check.id == LATENCY and tts:
            check = replace(
                check,
                verdict=Verdict.ERROR,
                observed="not judged: the fake served speech (TTS); the bot's inside view "
                "reports transcripts, not the audio each answer became",
            )
        checks.append(
            replace(
                check,
                title=f"{label}: {check.title}",
                detail=(check.detail + " " if check.detail else "")
                + f"Errors counted: {service or 'every processor (none was matched to the fake)'}.",
            )
        )
    return checks
