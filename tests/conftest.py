"""Session-wide test set-up shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from typer.testing import Result


@pytest.fixture(scope="session", autouse=True)
def _shared_voicectl_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A folder for ``shared_runs.shared_run``, the same for every xdist worker of this session."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    previous = os.environ.get("VOICECTL_SHARED_RUNS")
    os.environ["VOICECTL_SHARED_RUNS"] = str(base / "shared-voicectl-runs")
    yield
    if previous is None:
        os.environ.pop("VOICECTL_SHARED_RUNS", None)
    else:
        os.environ["VOICECTL_SHARED_RUNS"] = previous


@pytest.fixture
def voicectl_in_process() -> Callable[..., Result]:
    """``voicectl ARGS`` in this process (Typer's CliRunner), for the usage errors a command
    finds itself: the same one stderr line and exit code 2 as a ``voicectl`` subprocess, without
    a new interpreter importing Pipecat each time. Errors Click finds while parsing are printed
    by ``voicectl.cli.main.run`` (the console script), so tests of those stay subprocesses."""
    from typer.testing import CliRunner

    from voicectl.cli.main import app

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "120"})

    return invoke
