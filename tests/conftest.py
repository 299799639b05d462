"""Session-wide test set-up shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


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
