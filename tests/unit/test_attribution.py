"""A cause is named only by a whole token, never by part of an address, port or number."""

from __future__ import annotations

import pytest

from voicectl.checks.attribution import named_terms, without_addresses

TERMS_1008 = ("1008", "policy violation")


@pytest.mark.parametrize(
    "message",
    [
        "connection to ws://127.0.0.1:51008/v1/listen failed: connection closed",
        "could not connect to 127.0.0.1:1008",
        "request id 10081 failed",
        "session 7f3a-1008-b2 closed",
        "took 1008.5 ms",
        "retry after wss://api.example/1008?policy%20violation",
        "[::1]:1008 refused",
    ],
)
def test_a_code_inside_an_address_port_id_or_number_names_nothing(message: str) -> None:
    assert named_terms(message, TERMS_1008) == []


@pytest.mark.parametrize(
    "message",
    [
        "received 1008 (policy violation); then sent 1008 (policy violation)",
        "WebSocket closed with code 1008",
        "close code=1008 from ws://127.0.0.1:51008/v1",
        "Error 1008.",
        "Policy  Violation: bad key",
    ],
)
def test_a_code_or_reason_standing_alone_is_named(message: str) -> None:
    assert named_terms(message, TERMS_1008)


def test_addresses_are_removed_before_matching() -> None:
    assert "51008" not in without_addresses("ws://127.0.0.1:51008/x and localhost:8765")
    assert "8765" not in without_addresses("ws://127.0.0.1:51008/x and localhost:8765")
