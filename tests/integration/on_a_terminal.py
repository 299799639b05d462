"""Run a command with its stdout and stderr on a pseudo-terminal, as a person would see it."""

from __future__ import annotations

import os
import pty
import subprocess
import time


def run_on_a_terminal(args: list[str], timeout: float = 120) -> tuple[str, int]:
    """Everything the command drew (100 columns, ``NO_COLOR``) and its exit code."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        args, stdout=slave, stderr=slave, env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return b"".join(chunks).decode(errors="replace"), code
