"""What a load run does: how many callers, how fast they arrive, when they stop (sans-I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicectl.audio.script import Call
from voicectl.errors import InputError
from voicectl.replay.line import LineSpec

__all__ = ["FRAME_S", "LoadPlan", "LoadShape"]

FRAME_S = 0.020
# Golden-ratio sequence: caller k's start is offset by frac(k * phi) of a frame, so frame phases
# are spread evenly over the 20 ms period whatever the ramp rate, as with calls that arrive
# independently. Without it a ramp of 20 calls/s (50 ms apart) puts every caller on one of two
# phases, and the frames of half the calls fall due in the same instant.
_PHI = 0.6180339887498949


@dataclass(frozen=True)
class LoadShape:
    """The arrival and stopping rule, as Locust runs users: ``concurrency`` callers start at
    ``ramp_per_s``; each places calls back to back until ``duration_s`` has passed since the
    run started or ``total_calls`` calls have been started. Calls in progress then finish."""

    concurrency: int
    ramp_per_s: float
    duration_s: float | None = None
    total_calls: int | None = None
    spread_phases: bool = True

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise InputError(f"--calls must be at least 1, got {self.concurrency}")
        if not self.ramp_per_s > 0:
            raise InputError(
                f"--ramp must be a positive number of calls per second, got {self.ramp_per_s}"
            )
        if self.duration_s is not None and not self.duration_s > 0:
            raise InputError(f"--duration must be positive, got {self.duration_s}")
        if self.total_calls is not None and self.total_calls < 1:
            raise InputError(f"--count must be at least 1, got {self.total_calls}")

    @property
    def ramp_s(self) -> float:
        """Seconds until the last caller has started."""
        return self.caller_start(self.concurrency - 1)

    def caller_start(self, caller: int) -> float:
        """Run seconds at which ``caller`` (0-based) places its first call."""
        offset = (caller * _PHI) % 1.0 * FRAME_S if self.spread_phases else 0.0
        return caller / self.ramp_per_s + offset

    def may_start(self, now_s: float, started: int) -> bool:
        """Whether a caller may start another call at run second ``now_s``."""
        if self.total_calls is not None and started >= self.total_calls:
            return False
        if self.duration_s is not None and now_s >= self.duration_s:
            return False
        return (
            self.total_calls is not None
            or self.duration_s is not None
            or started < self.concurrency
        )

    def planned_calls(self) -> int | None:
        """How many calls will be placed, when that is known in advance."""
        if self.total_calls is not None:
            return self.total_calls
        if self.duration_s is None:
            return self.concurrency
        return None


@dataclass(frozen=True)
class LoadPlan:
    """A load run: the recordings each caller plays, the target and the shape."""

    calls: Sequence[Call]
    url: str
    shape: LoadShape
    carrier: str = "twilio"
    tail_s: float = 3.0
    connect_timeout_s: float = 5.0
    call_grace_s: float = 15.0  # a call may run this long past its audio before it is cut
    line: LineSpec | None = None  # a bad caller line on every call

    def __post_init__(self) -> None:
        if not self.calls:
            raise InputError("a load run needs at least one call recording")
        for call in self.calls:
            if not call.script.utterances:
                raise InputError(f"{call.audio.source}: its sidecar lists no caller utterances")

    def call_for(self, index: int) -> Call:
        """The recording the ``index``-th call plays (round robin over the recordings)."""
        return self.calls[index % len(self.calls)]

    def call_length_s(self, call: Call) -> float:
        return call.audio.duration_s + self.tail_s

    def call_deadline_s(self, call: Call) -> float:
        """The hard bound on one call, connect included."""
        return self.connect_timeout_s + self.call_length_s(call) + self.call_grace_s

    def longest_call_s(self) -> float:
        return max(self.call_deadline_s(c) for c in self.calls)

    def expected_run_s(self) -> float:
        """An upper bound on the run if the target behaves: every caller's last call started in
        time and every call hit its own deadline."""
        shape = self.shape
        longest = self.longest_call_s()
        if shape.duration_s is not None:
            return max(shape.duration_s, shape.ramp_s) + longest
        total = shape.planned_calls() or shape.concurrency
        rounds = -(-total // shape.concurrency)
        return shape.ramp_s + rounds * longest

    def names(self) -> Sequence[str]:
        return [c.name for c in self.calls]
