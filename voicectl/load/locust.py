"""voicectl's carrier call as a Locust user: distributed load on Locust's master and workers.

::

    from voicectl.load.locust import CarrierCallUser

    class Caller(CarrierCallUser):
        host = "ws://127.0.0.1:8765/ws"   # or --host
        carrier = "twilio"

Each task places one real-time call with the same client as ``voicectl load`` and reports
Locust request events: one ``turn`` per scripted utterance (response time = first-audio latency
in ms; an unanswered utterance is a failure with no response time, so it does not skew the
percentiles) and one ``call`` per call (response time = call length; a failure names its cause:
close code and reason, timeout, connect error, or which utterances got no answer).

Why a thread: Locust users are greenlets in a gevent-patched process, and the client is asyncio.
Every Locust process (each worker) runs one asyncio event loop on one native thread — started
with gevent's original ``start_new_thread``, waiting with the original ``select`` and ``epoll``
— and greenlets hand it calls and wait for the outcome without blocking the hub (the loop wakes
them with gevent's thread-safe ``run_callback_threadsafe``). Pacing and latency are measured on
that thread, on the same precise loop as ``voicectl load``, unaffected by greenlet scheduling;
one loop per process keeps the cost of a call what it is in ``voicectl load``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import gevent
import gevent.event
import gevent.monkey
from locust import User, events, task

from voicectl.audio.script import Call, bundled_calls, load_call
from voicectl.load.aggregate import FailureKind, call_failure
from voicectl.load.loop import PreciseEpollSelector
from voicectl.outcome.call import CallOutcome
from voicectl.replay.client import CallOptions, CarrierCall

__all__ = ["CallEngine", "CallFailed", "CarrierCallUser", "report_call"]

logger = logging.getLogger(__name__)


class CallFailed(Exception):
    """A failed call or unanswered turn, as Locust records it (the message groups failures)."""

    def __init__(self, kind: FailureKind | str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _EngineLoop(asyncio.SelectorEventLoop):
    """Resolves host names with the original blocking resolver: the default executor's threads
    would be greenlets here, and this thread runs no gevent hub to schedule them."""

    _resolve = staticmethod(gevent.monkey.get_original("socket", "getaddrinfo"))

    async def getaddrinfo(
        self,
        host: Any,
        port: Any,
        *,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[Any]:
        return list(self._resolve(host, port, family, type, proto, flags))


class CallEngine:
    """One asyncio event loop on a native thread, placing the calls of one Locust process."""

    _instance: ClassVar[CallEngine | None] = None

    def __init__(self) -> None:
        epoll_selector = gevent.monkey.get_original("selectors", "EpollSelector")
        wait = gevent.monkey.get_original("select", "select")
        self.loop = _EngineLoop(PreciseEpollSelector(epoll_selector(), wait))
        self._calls = itertools.count()
        start_native_thread = gevent.monkey.get_original("_thread", "start_new_thread")
        start_native_thread(self._serve, ())

    @classmethod
    def shared(cls) -> CallEngine:
        """The process's engine (started on first use)."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self.loop)
            for pending_task in pending:
                pending_task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()

    def place(self, recording: Call, options: CallOptions, deadline_s: float) -> CallOutcome:
        """Place one call; blocks the calling greenlet (only) until it has ended.

        If the greenlet is killed (Locust stops the user), the call is cancelled and its
        connection closed.
        """
        result: gevent.event.AsyncResult = gevent.event.AsyncResult()
        hub_loop = gevent.get_hub().loop
        started: list[asyncio.Task[CallOutcome]] = []

        def deliver(done: asyncio.Task[CallOutcome]) -> None:
            if done.cancelled():
                result.set_exception(CallFailed(FailureKind.ERROR, "call cancelled"))
            elif done.exception() is not None:
                result.set_exception(done.exception())
            else:
                result.set(done.result())

        def start() -> None:
            call = CarrierCall(
                recording.audio.samples,
                recording.script.utterances,
                options,
                sample_rate=recording.audio.sample_rate,
            )
            running = self.loop.create_task(call.run(deadline_s))
            running.add_done_callback(lambda t: hub_loop.run_callback_threadsafe(deliver, t))
            started.append(running)

        def cancel() -> None:
            for running in started:
                running.cancel()

        self.loop.call_soon_threadsafe(start)
        try:
            outcome: CallOutcome = result.get()
        except BaseException:
            self.loop.call_soon_threadsafe(cancel)  # runs after start(): same queue, in order
            raise
        return outcome

    def next_seed(self) -> str:
        return f"locust-{os.getpid()}-{next(self._calls)}"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


@events.quitting.add_listener
def _stop_engine(**_kwargs: Any) -> None:
    if CallEngine._instance is not None:
        CallEngine._instance.stop()
        CallEngine._instance = None


def report_call(request_event: Any, name: str, outcome: CallOutcome) -> None:
    """Fire Locust request events for one call: a ``turn`` per utterance, then the ``call``."""
    for turn in outcome.turns:
        if turn.latency_s is not None:
            request_event.fire(
                request_type="turn",
                name=name,
                response_time=turn.latency_s * 1000.0,
                response_length=0,
                exception=None,
                context={"utterance": turn.index + 1},
            )
        elif outcome.error is None or turn.utterance.end <= outcome.duration_s:
            request_event.fire(
                request_type="turn",
                name=name,
                response_time=None,
                response_length=0,
                exception=CallFailed(
                    FailureKind.NO_ANSWER, f"no answer to utterance {turn.index + 1}"
                ),
                context={"utterance": turn.index + 1},
            )
    failure = call_failure(outcome)
    pacing = outcome.pacing.summary_ms()
    request_event.fire(
        request_type="call",
        name=name,
        response_time=outcome.wall_s * 1000.0,
        response_length=outcome.media_received,
        exception=None if failure is None else CallFailed(failure.kind, failure.summary),
        context={"send_error_p99_ms": pacing.get("p99_ms"), "detail": outcome.error},
    )
    p99 = pacing.get("p99_ms")
    if p99 is not None and p99 > 5.0:
        logger.warning("%s: client send-time error p99 %.1f ms (> 5 ms)", name, p99)


class CarrierCallUser(User):
    """A caller: each task is one real-time call of a recording into the bot at ``host``.

    Subclass it in a locustfile; set ``host`` (or pass ``--host ws://...``), ``carrier``, and
    ``recordings`` (paths with transcript sidecars; default: voicectl's bundled calls).
    """

    abstract = True
    host = "ws://127.0.0.1:8765/ws"
    carrier: str = "twilio"
    recordings: Sequence[str | os.PathLike[str]] = ()
    tail_s: float = 3.0
    connect_timeout_s: float = 5.0
    call_grace_s: float = 15.0

    _loaded: ClassVar[dict[tuple[str, ...], list[Call]]] = {}
    _turn = itertools.count()

    def _calls(self) -> list[Call]:
        key = tuple(str(p) for p in self.recordings)
        if key not in self._loaded:
            self._loaded[key] = [load_call(Path(p)) for p in key] if key else bundled_calls()
        return self._loaded[key]

    @task
    def place_call(self) -> None:
        """Place the next recording: round robin over this process's calls, each worker
        starting at its own index, so that workers do not all play the same recordings."""
        calls = self._calls()
        offset = getattr(self.environment.runner, "worker_index", 0)
        recording = calls[(next(CarrierCallUser._turn) + offset) % len(calls)]
        engine = CallEngine.shared()
        options = CallOptions(
            url=self.host or "",
            carrier=self.carrier,
            fast=False,
            tail_s=self.tail_s,
            connect_timeout_s=self.connect_timeout_s,
            seed=engine.next_seed(),
        )
        deadline = (
            self.connect_timeout_s + recording.audio.duration_s + self.tail_s + self.call_grace_s
        )
        outcome = engine.place(recording, options, deadline)
        report_call(self.environment.events.request, recording.name, outcome)
