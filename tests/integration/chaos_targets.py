"""Custom chaos targets: ``factory(url)`` functions the way a user would write them.

``make_well_behaved_stt`` is the reference for a correct reaction, to prove the checks can pass:
it stops on a non-recoverable close or handshake rejection and reports a permanent error that
names the code, and retries recoverable failures a bounded number of times with jittered
backoff. ``make_tight_loop_stt`` is the opposite: it reconnects at once, forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncGenerator
from typing import Any

from pipecat.frames.frames import CancelFrame, EndFrame, Frame, StartFrame
from pipecat.services.stt_service import STTService
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State

__all__ = ["make_tight_loop_stt", "make_well_behaved_stt"]

NON_RECOVERABLE = {1002, 1003, 1007, 1008, 1009, 1010}


class _SocketSTT(STTService):
    """An STT that streams audio to ``url`` and lets subclasses decide how to react to failures."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._url = url
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        self._task = self.create_task(self._connection_loop())

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._shutdown()

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._shutdown()

    async def _shutdown(self) -> None:
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None
        if self._ws is not None:
            await self._ws.close()

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame | None, None]:
        ws = self._ws
        if ws is not None and ws.state is State.OPEN:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(audio)
        yield None

    async def _session(self) -> tuple[int, str]:
        """One connection; returns the close code and reason it ended with."""
        async with connect(self._url, close_timeout=1) as ws:
            self._ws = ws
            await ws.send('{"config": "voicectl-test"}')
            try:
                async for _ in ws:
                    pass
            except ConnectionClosed:
                pass
            received = ws.protocol.close_rcvd
            self._ws = None
            return (received.code, received.reason) if received else (1006, "no close frame")

    async def _connection_loop(self) -> None:
        raise NotImplementedError


class WellBehavedSTT(_SocketSTT):
    """Gives up on non-recoverable failures at once; retries others at most 3 times."""

    async def _connection_loop(self) -> None:
        attempt = 0
        while True:
            try:
                code, reason = await self._session()
                cause = f"provider closed the connection with {code}" + (
                    f" ({reason})" if reason else ""
                )
                permanent = code in NON_RECOVERABLE
            except InvalidStatus as exc:
                status = exc.response.status_code
                cause = f"provider rejected the connection with HTTP {status}"
                permanent = 400 <= status < 500 and status not in (408, 429)
            except OSError as exc:
                cause, permanent = f"cannot connect: {exc}", False
            if permanent:
                await self.push_error(f"{cause}; not retrying", force_treat_as_permanent=True)
                return
            attempt += 1
            if attempt > 3:
                await self.push_error(
                    f"{cause}; giving up after 3 retries", force_treat_as_permanent=True
                )
                return
            await asyncio.sleep(random.uniform(0.5, 1.0) * 2 ** (attempt - 1))


class TightLoopSTT(_SocketSTT):
    """Reconnects immediately whatever happened, forever, and never says a word."""

    async def _connection_loop(self) -> None:
        while True:
            try:
                await self._session()
            except (InvalidStatus, OSError):
                await asyncio.sleep(0)


def make_well_behaved_stt(url: str) -> WellBehavedSTT:
    """``voicectl chaos ws-close --target tests/integration/chaos_targets.py:make_well_behaved_stt``."""
    return WellBehavedSTT(url)


async def make_tight_loop_stt(url: str) -> TightLoopSTT:
    """An async factory, to show those work too."""
    return TightLoopSTT(url)
