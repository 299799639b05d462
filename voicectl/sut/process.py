"""The user's bot as a child process: started on a free loopback port, stopped with its whole group.

The bot runs in its own session (so a Ctrl-C at the terminal reaches voicectl, which then stops
the bot in order, and never the bot alone), with its output in a log file (a chatty bot can never
block on a pipe). On Linux the bot's first process also gets SIGTERM if voicectl dies, even by
SIGKILL. Stopping sends SIGTERM to the group, waits, then SIGKILLs whatever of the group is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from voicectl.errors import HarnessError, InputError
from voicectl.sut.command import BotCommand

__all__ = ["BotProcess", "die_with_parent", "free_port"]

_POLL_S = 0.1
_TAIL_LINES = 12


def die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child if this process dies (even by SIGKILL);
    ``None`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now, not in the forked child
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return hook


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the bot binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """The bot command for the length of an ``async with``: listening on :attr:`url` inside it."""

    def __init__(
        self,
        command: BotCommand,
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        rate: int | None = None,
        path: str = "/ws",
        host: str = "127.0.0.1",
        ready_timeout_s: float = 60.0,
        stop_timeout_s: float = 5.0,
    ) -> None:
        self.command = command
        self.log_path = log_path
        self.env = dict(os.environ if env is None else env)
        self.rate = rate
        self.path = path if path.startswith("/") else "/" + path
        self.host = host
        self.ready_timeout_s = ready_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.port = 0
        self.argv: list[str] = []
        self.ready_after_s: float | None = None
        self.exit_code: int | None = None
        self.killed = False  # SIGTERM was not enough: the group was SIGKILLed
        self.left_running = False  # some of the group outlived SIGKILL (should never happen)
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{self.path}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def returncode(self) -> int | None:
        """The bot's exit code once it has exited (``None`` while it runs)."""
        return self.exit_code if self._process is None else self._process.returncode

    async def start(self) -> str:
        """Start the bot and return its URL once it accepts connections; :class:`HarnessError`
        (with the bot's last log lines) if it exits first or never listens."""
        self.port = free_port(self.host)
        self.argv = self.command.render(port=self.port, host=self.host, rate=self.rate)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            try:
                self._process = await asyncio.create_subprocess_exec(
                    *self.argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    env=self.env,
                    start_new_session=True,
                    preexec_fn=die_with_parent(),
                )
            except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
                raise InputError(
                    f"--bot-cmd: cannot run {self.argv[0]!r}: {exc.strerror}"
                ) from None
        try:
            await self._wait_listening()
        except BaseException:
            await self.stop()
            raise
        self.ready_after_s = time.monotonic() - started
        return self.url

    async def _wait_listening(self) -> None:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            if process.returncode is not None:
                self.exit_code = process.returncode
                raise HarnessError(
                    f"the bot exited with code {process.returncode} before it listened on "
                    f"{self.host}:{self.port} ({' '.join(self.argv)})" + self.tail_block()
                )
            with contextlib.suppress(OSError, TimeoutError):
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), 1.0
                )
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return
            if time.monotonic() >= deadline:
                raise HarnessError(
                    f"the bot did not listen on {self.host}:{self.port} within "
                    f"{self.ready_timeout_s:.0f} s: does it take the port from {{port}}? "
                    f"({' '.join(self.argv)})" + self.tail_block()
                )
            await asyncio.sleep(_POLL_S)

    async def stop(self) -> None:
        """SIGTERM the bot's process group, wait, SIGKILL what is left (idempotent)."""
        process = self._process
        if process is None:
            return
        pgid = process.pid  # the bot leads its own session and group
        try:
            if process.returncode is None:
                _signal_group(pgid, signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), self.stop_timeout_s)
        finally:
            if process.returncode is None:
                self.killed = True
            # The group may outlive its leader (a child the bot started): SIGKILL all of it.
            _signal_group(pgid, signal.SIGKILL)
            if process.returncode is None:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(process.wait(), 2.0)
            self.left_running = _group_alive(pgid)
            self.exit_code = process.returncode
            self._process = None

    def log_tail(self, lines: int = _TAIL_LINES) -> list[str]:
        """The bot's last ``lines`` lines of output."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - max(16384, lines * 300)))
                text = log.read().decode(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-lines:]

    def tail_block(self) -> str:
        """The bot's last log lines, indented under a one-line error (or where its log is)."""
        tail = self.log_tail()
        if not tail:
            return f"\n  (the bot printed nothing; log: {self.log_path})"
        return f"\n  the bot's last log lines ({self.log_path}):\n" + "\n".join(
            "  | " + line for line in tail
        )

    async def __aenter__(self) -> BotProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of group ``pgid`` is left."""
    proc = Path("/proc")
    if proc.is_dir():
        for stat in proc.glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # pid (comm) state ppid pgrp ...; comm may hold spaces, so split after ')'.
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
