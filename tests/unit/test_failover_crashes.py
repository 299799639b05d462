"""Failover incidents carry registered faults: crash words, outages and names come from FAULTS."""

from __future__ import annotations

import pytest

from voicectl.errors import InputError
from voicectl.failover.crashes import CRASH_MODES, crash_cause, parse_incidents
from voicectl.faults import FAULTS, Close, Drop, MalformedKind, SendMalformed, Stall, WsClose
from voicectl.faults.base import crash_fault
from voicectl.outcome.failover import Incident, ServiceEvent


def test_the_crash_modes_are_the_registered_faults_outage_forms_and_an_exception() -> None:
    assert CRASH_MODES == ("close", "drop", "error", "exception", "stall")
    names = {mode: getattr(crash_fault(mode), "name", None) for mode in CRASH_MODES}
    assert names == {
        "close": "ws-close",
        "drop": "ws-drop",
        "error": "malformed",
        "exception": None,
        "stall": "stall",
    }
    assert all(FAULTS[name] is crash_fault(mode) for mode, name in names.items() if name)
    assert crash_cause("exception") is ServiceEvent.EXCEPTION
    assert crash_cause("recover") is None and crash_cause("boom") is None


def test_each_crash_takes_the_provider_down_with_its_faults_action_and_refusal() -> None:
    outages = {}
    for mode in ("close", "drop", "error", "stall"):
        cause = crash_cause(mode)
        assert cause is not None and not isinstance(cause, ServiceEvent)
        outages[mode] = cause.outage()
    assert outages["close"].actions == (Close(1011, "provider crashed (injected by voicectl)"),)
    assert outages["close"].refuse_status == 503
    assert outages["drop"].actions == (Drop(),) and outages["drop"].refuse_status == 503
    error = SendMalformed(MalformedKind.ERROR, 401, "Invalid API key (injected by voicectl)")
    assert outages["error"].actions == (error, Close(1000, "authentication failed"))
    assert outages["error"].refuse_status == 401
    assert outages["stall"].actions == (Stall(),) and outages["stall"].refuse_status is None


def test_a_fault_without_an_outage_form_cannot_be_a_crash() -> None:
    with pytest.raises(NotImplementedError, match="handshake has no outage form"):
        FAULTS["handshake"].as_crash()


def test_incidents_are_named_by_their_fault_as_before() -> None:
    incidents = parse_incidents("1008@5,backup:drop@9,primary:error@12,exception@14,recover@20")
    assert [i.describe() for i in incidents] == [
        "close 1008 on the active STT at 5 s",
        "drop on backup at 9 s",
        "error on primary at 12 s",
        "exception on the active STT at 14 s",
        "recover at 20 s",
    ]
    assert [i.family for i in incidents][:2] == ["connection-loss", "connection-loss"]
    assert incidents[3].cause is ServiceEvent.EXCEPTION and incidents[3].family is None
    assert incidents[4].is_recovery and not incidents[0].is_recovery


@pytest.mark.parametrize("code", ["1004", "1005", "999", "5000", "2000"])
def test_a_crash_close_code_is_checked_by_the_one_close_code_rule(code: str) -> None:
    with pytest.raises(InputError, match=f"^--crashes: close code {code} cannot be sent"):
        parse_incidents(f"{code}@5")


def test_a_crash_with_a_code_is_the_ws_close_fault_with_that_code() -> None:
    (incident,) = parse_incidents("4001@3.5")
    assert incident == Incident(3.5, WsClose.as_crash(4001))
