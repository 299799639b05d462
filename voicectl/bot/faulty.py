"""Processors that reproduce known production bugs, for checks that must be shown to fail."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputDTMFFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.base_serializer import FrameSerializer

__all__ = ["StallAfterTurn", "StuckOnShutdown", "deaf_to_dtmf", "log_every_blocked_send"]


def deaf_to_dtmf(serializer: FrameSerializer) -> FrameSerializer:
    """Make ``serializer`` drop the carrier's ``dtmf`` events, as a hand-written serializer that
    decodes only ``media`` does: the keys the caller presses never reach the pipeline."""
    decode = serializer.deserialize

    async def deserialize(data: str | bytes) -> Frame | None:
        frame = await decode(data)
        return None if isinstance(frame, InputDTMFFrame) else frame

    serializer.deserialize = deserialize  # type: ignore[method-assign]
    return serializer


def log_every_blocked_send(transport: Any, give_up_s: float = 0.02) -> None:
    """Make ``transport`` (a ``FastAPIWebsocketTransport``) give up on any send that waits more
    than ``give_up_s`` and log a warning for it, then carry on with the next frame: the
    per-send "exception sending data" flood of Pipecat #5789 when a carrier stops reading."""
    client = transport._client
    send = client.send

    async def give_up_and_log(data: str | bytes) -> None:
        try:
            await asyncio.wait_for(send(data), give_up_s)
        except TimeoutError:
            logger.warning(f"{client} exception sending data: TimeoutError (peer not reading)")

    client.send = give_up_and_log


class StuckOnShutdown(FrameProcessor):
    """Blocks for a minute when the call ends (an awaited cleanup that never returns in time).

    The pipeline then outlives the call until Pipecat's own cancel timeout, holding its tasks and
    its models: the leak a hang-up check has to catch.
    """

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, EndFrame | CancelFrame):
            await asyncio.sleep(60)
        await self.push_frame(frame, direction)


class StallAfterTurn(FrameProcessor):
    """Blocks for ``stall_s`` at the caller's first finished turn: a truly stuck pipeline.

    Every frame behind it (heartbeats included) waits, which is what Pipecat's heartbeat
    monitor exists to notice. ``stalled_at`` is the monotonic time the stall began.
    """

    def __init__(self, stall_s: float, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._stall_s = stall_s
        self.stalled_at: float | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, UserStoppedSpeakingFrame) and self.stalled_at is None:
            self.stalled_at = time.monotonic()
            await asyncio.sleep(self._stall_s)
        await self.push_frame(frame, direction)
