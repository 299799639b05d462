"""Provider faults, one small registered type each (Toxiproxy's toxic model).

Importing this package registers every fault in :data:`FAULTS` under its CLI name.
"""

from voicectl.faults.actions import (
    Action,
    Close,
    Delay,
    Drop,
    MalformedKind,
    Reject,
    SendMalformed,
    Stall,
)
from voicectl.faults.base import (
    FAULTS,
    Fault,
    FaultFamily,
    Selector,
    Trigger,
    TriggerKind,
    check_close_code,
    check_close_reason,
    check_handshake_status,
    close_code_name,
    fault_names,
    register,
)
from voicectl.faults.flap import Flap, parse_lifetimes
from voicectl.faults.handshake import Handshake
from voicectl.faults.latency import Latency
from voicectl.faults.llm_bad_args import LLMBadArgs
from voicectl.faults.llm_error import LLMError
from voicectl.faults.llm_slow import LLMSlow
from voicectl.faults.llm_stall import LLMStall
from voicectl.faults.llm_truncate import LLMTruncate
from voicectl.faults.malformed import Malformed
from voicectl.faults.spec import parse_fault_spec
from voicectl.faults.stall import StallFault
from voicectl.faults.ws_close import WsClose
from voicectl.faults.ws_drop import WsDrop

__all__ = [
    "FAULTS",
    "Action",
    "Close",
    "Delay",
    "Drop",
    "Fault",
    "FaultFamily",
    "Flap",
    "Handshake",
    "LLMBadArgs",
    "LLMError",
    "LLMSlow",
    "LLMStall",
    "LLMTruncate",
    "Latency",
    "Malformed",
    "MalformedKind",
    "Reject",
    "Selector",
    "SendMalformed",
    "Stall",
    "StallFault",
    "Trigger",
    "TriggerKind",
    "WsClose",
    "WsDrop",
    "check_close_code",
    "check_close_reason",
    "check_handshake_status",
    "close_code_name",
    "fault_names",
    "parse_fault_spec",
    "parse_lifetimes",
    "register",
]
