"""Sans-I/O wire formats of telephony carriers, played from the caller's side against a bot."""

from __future__ import annotations

from collections.abc import Mapping

from voicectl.carriers.events import (
    BotClear,
    BotEvent,
    BotMalformed,
    BotMark,
    BotMedia,
    BotOther,
)
from voicectl.carriers.exotel import ExotelSession
from voicectl.carriers.identity import CallIdentity, CarrierName, WireEncoding
from voicectl.carriers.plivo import PlivoSession
from voicectl.carriers.raw import RawSession
from voicectl.carriers.session import CarrierSession, Message
from voicectl.carriers.telnyx import TelnyxSession
from voicectl.carriers.twilio import TwilioSession
from voicectl.errors import InputError

__all__ = [
    "SESSIONS",
    "BotClear",
    "BotEvent",
    "BotMalformed",
    "BotMark",
    "BotMedia",
    "BotOther",
    "CallIdentity",
    "CarrierName",
    "CarrierSession",
    "ExotelSession",
    "Message",
    "PlivoSession",
    "RawSession",
    "TelnyxSession",
    "TwilioSession",
    "WireEncoding",
    "open_session",
]

SESSIONS: Mapping[CarrierName, type[CarrierSession]] = {
    CarrierName.TWILIO: TwilioSession,
    CarrierName.TELNYX: TelnyxSession,
    CarrierName.PLIVO: PlivoSession,
    CarrierName.EXOTEL: ExotelSession,
    CarrierName.RAW: RawSession,
}


def open_session(
    carrier: CarrierName | str,
    identity: CallIdentity | None = None,
    *,
    sample_rate: int | None = None,
    encoding: WireEncoding | str | None = None,
    custom_parameters: Mapping[str, str] | None = None,
) -> CarrierSession:
    """Start the caller side of one call on ``carrier`` (ids generated from "voicectl" if none)."""
    try:
        name = CarrierName(str(carrier).strip().lower())
    except ValueError:
        valid = ", ".join(CarrierName)
        raise InputError(f"unknown carrier {str(carrier)!r}; choose one of: {valid}") from None
    session_type = SESSIONS[name]
    return session_type(
        identity or CallIdentity.generate(name),
        sample_rate=sample_rate,
        encoding=encoding,
        custom_parameters=custom_parameters,
    )
