"""The reference bot runs numpy's BLAS on one thread while it serves, and puts it back after."""

from __future__ import annotations

import numpy as np

from voicectl.bot.blas import one_blas_thread
from voicectl.bot.server import ReferenceBotServer


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    np.ones((4, 4)) @ np.ones((4, 4))  # numpy's BLAS is loaded
    return {int(info["num_threads"]) for info in threadpool_info() if info["user_api"] == "blas"}


def test_blas_runs_one_thread_until_the_last_holder_leaves() -> None:
    from threadpoolctl import threadpool_limits  # a dependency: `pip install -e .` brings it

    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads() == {2}
        with one_blas_thread():
            with one_blas_thread():
                assert _blas_threads() == {1}
            assert _blas_threads() == {1}  # the outer holder is still inside
        assert _blas_threads() == {2}


async def test_the_reference_bot_limits_blas_while_it_serves() -> None:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        async with ReferenceBotServer():
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}
