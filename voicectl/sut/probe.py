"""voicectl's end of the setup hook: a loopback server collecting the bot's inside events."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path

from voicectl.sut.inside import InsideView, parse_event

__all__ = ["PROBE_ENV", "SETUP_FILE", "InsideProbe"]

PROBE_ENV = "VOICECTL_PROBE"
#: The setup file Pipecat loads in the bot (``PIPECAT_SETUP_FILES``).
SETUP_FILE = Path(__file__).with_name("pipecat_setup.py")
_MAX_LINE = 1 << 20


class InsideProbe:
    """Listens on 127.0.0.1 for the hook of one bot process; :attr:`view` fills in as it talks."""

    def __init__(self) -> None:
        self.view = InsideView()
        self.changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self.address = ""

    def env(self) -> dict[str, str]:
        """What the bot's environment needs for the hook to load and reach this probe."""
        return {PROBE_ENV: self.address, "PIPECAT_SETUP_FILES": str(SETUP_FILE)}

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_MAX_LINE)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = f"{host}:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = next(self._connections)
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError, OSError):
                    self.view.malformed += 1
                    break
                if not line:
                    break
                event = parse_event(line)
                if event is None:
                    self.view.malformed += 1
                    continue
                self.view.add(connection, event)
                self.changed.set()
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def wait_for(self, predicate: object, timeout_s: float) -> bool:
        """Wait until ``predicate(view)`` holds or ``timeout_s`` passes; return whether it held."""
        assert callable(predicate)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not predicate(self.view):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return True

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def __aenter__(self) -> InsideProbe:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
