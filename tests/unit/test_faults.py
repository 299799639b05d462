"""Fault types, the connection selector, triggers and compact specs (sans-I/O)."""

from __future__ import annotations

import pytest

from voicectl.errors import InputError
from voicectl.faults import (
    FAULTS,
    Close,
    Delay,
    Drop,
    FaultFamily,
    Flap,
    Handshake,
    Latency,
    Malformed,
    MalformedKind,
    Reject,
    Selector,
    SendMalformed,
    Stall,
    StallFault,
    Trigger,
    TriggerKind,
    WsClose,
    WsDrop,
    check_close_code,
    check_handshake_status,
    close_code_name,
    fault_names,
    parse_fault_spec,
    parse_lifetimes,
)


def test_every_fault_is_registered_under_its_cli_name() -> None:
    assert fault_names() == [
        "flap",
        "handshake",
        "latency",
        "llm-bad-args",
        "llm-error",
        "llm-slow",
        "llm-stall",
        "llm-truncate",
        "malformed",
        "stall",
        "ws-close",
        "ws-drop",
    ]
    assert FAULTS["ws-close"] is WsClose and FAULTS["stall"] is StallFault


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999])
def test_sendable_close_codes_are_accepted(code: int) -> None:
    assert check_close_code(code) == code


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (1005, "local use only"),
        (1006, "local use only"),
        (1015, "local use only"),
        (999, "1000-4999"),
        (0, "1000-4999"),
        (5000, "1000-4999"),
        (1004, "reserved"),
        (2000, "reserved"),
    ],
)
def test_unsendable_close_codes_are_input_errors(code: int, why: str) -> None:
    with pytest.raises(InputError, match=why):
        WsClose(code=code)
    with pytest.raises(InputError, match=why):
        Flap(code=code)


def test_close_code_names_follow_the_rfc_and_ranges() -> None:
    assert close_code_name(1008) == "policy violation"
    assert close_code_name(1011) == "internal error"
    assert close_code_name(3001) == "registered"
    assert close_code_name(4001) == "private use"


@pytest.mark.parametrize("status", [101, 99, 600, 299 + 1000])
def test_handshake_statuses_outside_errors_are_rejected(status: int) -> None:
    with pytest.raises(InputError):
        check_handshake_status(status)


def test_non_standard_http_status_is_rejected() -> None:
    with pytest.raises(InputError, match="not a standard"):
        Handshake(status=499)


def test_close_reason_is_limited_to_123_bytes() -> None:
    WsClose(code=1008, reason="x" * 123)
    Flap(code=1011, reason="x" * 123)
    for fault in (WsClose, Flap):
        with pytest.raises(InputError, match=r"^--reason: a close reason of 124 bytes cannot"):
            fault(code=1011, reason="é" * 62)


@pytest.mark.parametrize(
    ("text", "numbers", "not_numbers"),
    [
        ("every", [1, 2, 1000], []),
        ("first", [1], [2, 3]),
        ("3", [3], [2, 4]),
        ("2..4", [2, 3, 4], [1, 5]),
        ("2..", [2, 3, 1000], [1]),
    ],
)
def test_selector_picks_connections(text: str, numbers: list[int], not_numbers: list[int]) -> None:
    selector = Selector.parse(text)
    assert all(selector.selects(n) for n in numbers)
    assert not any(selector.selects(n) for n in not_numbers)


@pytest.mark.parametrize("text", ["0", "4..2", "abc", "0..", "..3", "-1"])
def test_bad_selectors_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--on"):
        Selector.parse(text)


def test_selector_descriptions() -> None:
    assert Selector.parse("every").describe() == "every connection"
    assert Selector.parse("first").describe() == "the first connection"
    assert Selector.parse("2..3").describe() == "connections 2..3"


def test_trigger_defaults_to_the_first_client_message() -> None:
    assert Trigger.from_options(None, None).kind is TriggerKind.FIRST_MESSAGE
    assert Trigger.from_options(6.0, None) == Trigger(TriggerKind.AFTER_SECONDS, 6.0)
    assert Trigger.from_options(None, 3) == Trigger(TriggerKind.AFTER_MESSAGES, 3.0)
    assert Trigger.from_options(0.0, None).describe() == "on accept"


@pytest.mark.parametrize(
    ("after", "after_messages", "message"),
    [(1.0, 2, "not both"), (-1.0, None, ">= 0"), (None, 0, ">= 1")],
)
def test_bad_triggers_are_input_errors(
    after: float | None, after_messages: int | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        WsDrop(after=after, after_messages=after_messages)


def test_each_fault_carries_its_action_and_family() -> None:
    assert WsClose(code=1011, reason="bye").action == Close(1011, "bye")
    assert WsDrop().action == Drop()
    assert Handshake(status=503).action == Reject(503)
    assert StallFault().action == Stall()
    assert Malformed(kind=MalformedKind.JSON).action == SendMalformed(
        MalformedKind.JSON, 503, Malformed.error_message
    )
    assert Latency(ms=300, jitter_ms=100).action == Delay(300, 100)
    assert WsDrop.family is FaultFamily.CONNECTION_LOSS
    assert StallFault.family is FaultFamily.STALL
    assert not Malformed.terminates_connection and not Latency.terminates_connection
    assert Handshake().trigger.kind is TriggerKind.HANDSHAKE


def test_flap_cycles_its_lifetimes_over_selected_connections() -> None:
    flap = Flap(lifetimes=(6.0, 1.0, 1.0))
    lifetimes = [flap.trigger_for(n).value for n in range(1, 8)]
    assert lifetimes == [6.0, 1.0, 1.0, 6.0, 1.0, 1.0, 6.0]
    assert flap.action == Close(1011, "")


def test_lifetimes_parse_and_validate() -> None:
    assert parse_lifetimes("6, 1,1") == (6.0, 1.0, 1.0)
    for bad in ("", "a,b", "1,0", "-1"):
        with pytest.raises(InputError, match="--lifetimes"):
            parse_lifetimes(bad)


def test_latency_jitter_cannot_exceed_the_delay() -> None:
    with pytest.raises(InputError, match="cannot exceed"):
        Latency(ms=100, jitter_ms=200)
    with pytest.raises(InputError, match=">= 0"):
        Latency(ms=-1)


def test_attribution_terms_name_the_cause() -> None:
    assert WsClose(code=1008, reason="bad key").attribution_terms() == (
        "1008",
        "policy violation",
        "bad key",
    )
    assert Handshake(status=401).attribution_terms() == ("401", "Unauthorized")
    assert "no close frame" in WsDrop().attribution_terms()
    assert Malformed(error_code=401, error_message="Invalid key").attribution_terms() == (
        "401",
        "Invalid key",
    )


def test_fault_json_has_name_parameters_and_trigger() -> None:
    data = WsClose(code=1011, after=6.0).to_json()
    assert data["name"] == "ws-close" and data["code"] == 1011
    assert data["trigger"] == "6 s after accept"
    assert data["description"] == "close 1011 6 s after accept"


@pytest.mark.parametrize(
    ("spec", "fault", "selector"),
    [
        ("ws-close:1011@6s", WsClose(code=1011, after=6.0), Selector()),
        ("ws-close:1008", WsClose(code=1008), Selector()),
        ("ws-close:1000@0", WsClose(code=1000, after=0.0), Selector()),
        ("ws-close:1008@3msg#first", WsClose(code=1008, after_messages=3), Selector(1, 1)),
        ("ws-drop@2s", WsDrop(after=2.0), Selector()),
        ("handshake:503#2..3", Handshake(status=503), Selector(2, 3)),
        ("stall@1.5", StallFault(after=1.5), Selector()),
        ("malformed:keys", Malformed(kind=MalformedKind.KEYS), Selector()),
        ("malformed", Malformed(), Selector()),
        ("latency:300~100", Latency(ms=300, jitter_ms=100), Selector()),
        ("flap:6,1,1", Flap(lifetimes=(6.0, 1.0, 1.0)), Selector()),
    ],
)
def test_compact_specs_parse(spec: str, fault: object, selector: Selector) -> None:
    assert parse_fault_spec(spec) == (fault, selector)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("teleport", "unknown fault 'teleport'"),
        ("ws-close:1006", "local use only"),
        ("ws-close:abc", "not an integer"),
        ("handshake:401@2s", "takes no '@'"),
        ("ws-drop:5", "takes no ':'"),
        ("malformed:xml", "json, keys or error"),
        ("latency:fast", "not a number"),
        ("ws-close 1008", "is not NAME"),
    ],
)
def test_bad_compact_specs_are_input_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_fault_spec(spec)


def test_every_registered_fault_parses_its_own_compact_spec() -> None:
    for name in fault_names():
        fault, selector = parse_fault_spec(name)
        assert fault.name == name and selector == Selector()
