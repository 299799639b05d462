"""The reference bot as a load target, served by ``voicectl bot`` in a child process.

A load generator must not share its event loop (or its GIL) with the bot it measures: the bot's
per-call Silero VAD and Smart Turn inference would delay the generator's frames, and the run
would measure the generator. The child is bound to 127.0.0.1 on a free port, and always
terminated (then killed) on the way out; on Linux it also gets SIGTERM if this process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import tempfile
from typing import TYPE_CHECKING

from voicectl.errors import HarnessError
from voicectl.sut.process import die_with_parent

if TYPE_CHECKING:
    from voicectl.bot.pipeline import ReferenceBotConfig

__all__ = ["ReferenceBotProcess"]

_LISTENING = re.compile(r"listening on (ws://\S+)")


class ReferenceBotProcess:
    """``python -m voicectl bot --port 0 --max-calls N`` for the length of an ``async with``."""

    def __init__(
        self,
        config: ReferenceBotConfig,
        *,
        max_calls: int,
        start_timeout_s: float = 60.0,
    ) -> None:
        self.config = config
        self.max_calls = max_calls
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        # Read only if the bot fails to start; a file, so a chatty child can never block on a pipe.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed on __aexit__)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self) -> str:
        argv = [
            sys.executable,
            "-m",
            "voicectl",
            "bot",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--max-calls",
            str(self.max_calls),
            "--rate",
            str(self.config.sample_rate),
            "--reply-secs",
            str(self.config.reply_secs),
        ]
        self._process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr,
            preexec_fn=die_with_parent(),
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), self.start_timeout_s)
        except TimeoutError:
            await self.stop()
            raise HarnessError(
                f"the reference bot did not start within {self.start_timeout_s:.0f} s"
            ) from None
        match = _LISTENING.search(line.decode(errors="replace"))
        if match is None:
            await self.stop()
            raise HarnessError(
                f"the reference bot did not start: {self._stderr_tail() or line.decode(errors='replace').strip() or 'no output'}"
            )
        self.url = match.group(1)
        self._drain = asyncio.create_task(self._drain_stdout())
        return self.url

    async def _drain_stdout(self) -> None:
        """Keep reading what the bot prints, so a full pipe can never block it."""
        assert self._process is not None and self._process.stdout is not None
        while await self._process.stdout.read(65536):
            pass

    async def stop(self) -> None:
        process = self._process
        if process is None:
            return
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None
        try:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 10.0)
        finally:
            if process.returncode is None:  # did not stop in time, or we were cancelled
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            self._process = None

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""

    async def __aenter__(self) -> ReferenceBotProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.stop()
        finally:
            self._stderr.close()
