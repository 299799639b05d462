"""Processors that reproduce known production bugs, for checks that must be shown to fail."""

from __future__ import annotations

import asyncio

from pipecat.frames.frames import CancelFrame, EndFrame, Frame, InputDTMFFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.base_serializer import FrameSerializer

__all__ = ["StuckOnShutdown", "deaf_to_dtmf"]


def deaf_to_dtmf(serializer: FrameSerializer) -> FrameSerializer:
    """Make ``serializer`` drop the carrier's ``dtmf`` events, as a hand-written serializer that
    decodes only ``media`` does: the keys the caller presses never reach the pipeline."""
    decode = serializer.deserialize

    async def deserialize(data: str | bytes) -> Frame | None:
        frame = await decode(data)
        return None if isinstance(frame, InputDTMFFrame) else frame

    serializer.deserialize = deserialize  # type: ignore[method-assign]
    return serializer


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
