"""Where a voicectl bug's traceback goes: a file, so the user sees one line and CI keeps it."""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path

__all__ = ["save_traceback"]


def save_traceback(exc: BaseException) -> Path:
    """Write ``exc``'s traceback to a new file and return its path.

    The directory is ``$VOICECTL_TRACEBACK_DIR`` or the system's temporary directory.
    """
    folder = Path(os.environ.get("VOICECTL_TRACEBACK_DIR") or tempfile.gettempdir())
    stamp = time.strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(exc))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f"voicectl-traceback-{stamp}-", suffix=".txt", dir=folder
        )
    except OSError:
        fd, name = tempfile.mkstemp(prefix=f"voicectl-traceback-{stamp}-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)
