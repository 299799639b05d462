"""Shared fixtures: a Pipecat bot served by Pipecat's own runner, in a subprocess."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import wait_until_listening


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pipecat_runner_bot_url() -> Iterator[str]:
    """ws:// URL of ``pipecat_runner_bot.py`` served by ``pipecat.runner.run.main -t twilio``."""
    port = _free_port()
    bot = Path(__file__).with_name("pipecat_runner_bot.py")
    proc = subprocess.Popen(
        [sys.executable, str(bot), "-t", "twilio", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_listening(port, proc, "the Pipecat runner")
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def pipecat_1_14() -> str:
    """What these tests pin was measured on Pipecat 1.14: on another version they fail, saying so."""
    version = importlib.metadata.version("pipecat-ai")
    assert version.startswith("1.14."), (
        f"these claims were measured on Pipecat 1.14; installed: pipecat-ai {version}"
    )
    return version
