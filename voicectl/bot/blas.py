"""One BLAS thread while a reference bot serves.

Smart Turn v3 multiplies its mel filter bank into every spectrogram with numpy, which hands the
product to OpenBLAS; OpenBLAS keeps a thread per core that spins after each call before it
sleeps. The bot's inference already runs in its own threads, so that thread only burns CPU: a
60 s ``--fast`` call through the full bot spent 0.27-0.41 CPU-s in it (2 cores, measured with
``/proc`` per-thread times). Inference servers set ``OPENBLAS_NUM_THREADS=1`` for the same
reason; threadpoolctl does it at run time, after numpy is loaded, and puts it back. Without
threadpoolctl (an environment installed before it became a dependency) BLAS keeps its threads:
the bot is only slower.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from loguru import logger

__all__ = ["one_blas_thread"]

_users = 0
_limits: Any = None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread while any holder is inside; the last one out restores it."""
    global _users, _limits
    if _users == 0:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            logger.debug("threadpoolctl is not installed: BLAS keeps its threads")
        else:
            _limits = threadpool_limits(limits=1, user_api="blas")
    _users += 1
    try:
        yield
    finally:
        _users -= 1
        if _users == 0 and _limits is not None:
            _limits.restore_original_limits()
            _limits = None
