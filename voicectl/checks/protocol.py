"""``carrier.protocol``: every message the bot sent, judged as the real carrier would."""

from __future__ import annotations

from voicectl.carriers.conformance import ProtocolLedger, Violation
from voicectl.report.model import Check, Verdict
from voicectl.report.redact import redact

__all__ = ["PROTOCOL", "judge_carrier_protocol"]

PROTOCOL = "carrier.protocol"


def judge_carrier_protocol(
    label: str, ledger: ProtocolLedger, *, connected: bool = True, call_error: str | None = None
) -> Check:
    """Pass when the carrier would accept every message the bot sent on the call."""
    title = f"{label}: the bot spoke {ledger.carrier}'s protocol"
    expected = (
        f"every message as {ledger.carrier} accepts it: this call's stream id, valid base64 "
        "payloads in the carrier's encoding, known events only, nothing after the call ended"
    )
    metrics: dict[str, object] = {
        "messages": ledger.messages,
        "media": ledger.media,
        "marks": ledger.marks,
        "dropped_media": ledger.dropped_media,
        "violations": {kind.name.lower(): n for kind, n in ledger.counts.items()},
    }
    law_steps = ledger.law_step_ratio()
    if law_steps is not None:
        metrics["law_step_ratio"] = round(law_steps, 3)
        smoothness = [s for law in ("mulaw", "alaw") if (s := ledger.law_smoothness(law))]
        metrics["law_smoothness"] = round(min(smoothness), 3) if smoothness else None
    if not connected or ledger.messages == 0:
        why = (
            f"the call never connected ({call_error or 'no connection'})"
            if not connected
            else "the bot sent no message"
        )
        return Check(PROTOCOL, title, Verdict.ERROR, expected, f"not exercised: {why}", "", metrics)
    finding = ledger.encoding_finding()
    if not ledger.counts and not finding:
        observed = (
            f"{ledger.messages} messages accepted ({ledger.media} media, {ledger.marks} marks)"
        )
        return Check(PROTOCOL, title, Verdict.PASS, expected, observed, "", metrics)
    if not ledger.counts:
        return Check(PROTOCOL, title, Verdict.FAIL, expected, finding, "", metrics)
    parts = [f"{n} {kind.value}" for kind, n in _ordered(ledger)]
    observed = f"{ledger.violations} of {ledger.messages} messages rejected: " + ", ".join(parts)
    cause = ledger.cause()
    if cause:
        observed += f"; {cause.removesuffix(' (see carrier.protocol)')}"
    if finding and finding not in observed:
        observed += f"; {finding}"
    detail = "; ".join(
        f"first {kind.value}: {redact(ledger.first[kind])}" for kind, _ in _ordered(ledger)
    )
    return Check(PROTOCOL, title, Verdict.FAIL, expected, observed, detail, metrics)


def _ordered(ledger: ProtocolLedger) -> list[tuple[Violation, int]]:
    return sorted(ledger.counts.items(), key=lambda item: -item[1])
