"""How to place one call: the options of the carrier client (:mod:`voicectl.replay.client`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from voicectl.replay.line import LineSpec

__all__ = ["FAST_SILENCE_SPEED", "CallOptions"]


#: --fast: how many times faster than real time the silence after each utterance is sent.
FAST_SILENCE_SPEED = 20.0


@dataclass(frozen=True)
class CallOptions:
    """How to place one call."""

    url: str
    carrier: str = "twilio"
    fast: bool = False
    tail_s: float = 3.0
    connect_timeout_s: float = 5.0
    fast_silence_speed: float = FAST_SILENCE_SPEED
    fast_max_wait_s: float = 8.0  # wall seconds to wait for a reply before moving on
    fast_hold_s: float = 0.3  # stop the silence this long before the next utterance
    fast_reply_quiet_s: float = 0.05
    # --fast: whether the bot, seen from inside, is still mid-answer (a function call running, or
    # its result not yet spoken); the caller waits for it before moving on. None: audio only.
    fast_answer_pending: Callable[[], bool] | None = field(default=None, compare=False)
    record: bool = False
    seed: str = "voicectl"
    close_wait_s: float = 5.0  # how long a caller-initiated close waits for the bot's close frame
    # --fast: pause after the opening messages, as the line would, so the bot's pipeline (and its
    # STT's provider connection) is up before a burst of caller audio arrives.
    fast_settle_s: float = 0.5
    # A bad caller line (loss, jitter, noise, drift) between the caller and the bot; None: clean.
    line: LineSpec | None = None
    # SO_RCVBUF of the carrier's socket, set before connecting (None: the kernel's default). A
    # small one makes the bot's sends back up soon after the carrier stops reading.
    recv_buffer_bytes: int | None = None
