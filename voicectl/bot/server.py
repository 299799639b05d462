"""Serve the reference bot on loopback: one fresh Pipecat pipeline per call, as production does.

Each WebSocket connection is a call. The carrier is detected from its first messages with
Pipecat's own ``parse_telephony_websocket`` (what ``pipecat.runner`` does), the matching
Pipecat serializer is built, and the call runs in its own ``PipelineWorker`` behind Pipecat's
``FastAPIWebsocketTransport``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, WebSocket
from pipecat.frames.frames import ErrorFrame
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.worker import PipelineWorker
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.workers.runner import WorkerRunner

from voicectl.bot.blas import one_blas_thread
from voicectl.bot.faulty import deaf_to_dtmf, log_every_blocked_send
from voicectl.bot.full import FULL_BOT_FAKES, FullBotBrain, full_bot_llm_script
from voicectl.bot.pipeline import BotBrain, BotVariant, ReferenceBotConfig, build_bot_worker
from voicectl.errors import HarnessError
from voicectl.outcome.conversation import ServedCall
from voicectl.providers.fakeset import FakeSet, plan_fakes

__all__ = [
    "NOT_A_CARRIER_CALL",
    "BotCall",
    "NotACarrierCall",
    "ReferenceBotServer",
    "make_serializer",
    "running_pipeline_tasks",
]


def make_serializer(carrier: str, call_data: Any) -> FrameSerializer:
    """The Pipecat serializer a production bot builds for ``carrier`` (no REST hang-up)."""
    if carrier == "twilio":
        from pipecat.serializers.twilio import TwilioFrameSerializer

        return TwilioFrameSerializer(
            stream_sid=call_data["stream_id"],
            call_sid=call_data["call_id"],
            params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
        )
    if carrier == "telnyx":
        from pipecat.serializers.telnyx import TelnyxFrameSerializer

        return TelnyxFrameSerializer(
            stream_id=call_data["stream_id"],
            call_control_id=call_data["call_id"],
            outbound_encoding=call_data.get("outbound_encoding") or "PCMU",
            inbound_encoding="PCMU",
            params=TelnyxFrameSerializer.InputParams(auto_hang_up=False),
        )
    if carrier == "plivo":
        from pipecat.serializers.plivo import PlivoFrameSerializer

        return PlivoFrameSerializer(
            stream_id=call_data["stream_id"],
            call_id=call_data["call_id"],
            params=PlivoFrameSerializer.InputParams(auto_hang_up=False),
        )
    if carrier == "exotel":
        from pipecat.serializers.exotel import ExotelFrameSerializer

        return ExotelFrameSerializer(
            stream_sid=call_data["stream_id"], call_sid=call_data["call_id"]
        )
    raise ValueError(f"carrier {carrier!r} not detected (twilio, telnyx, plivo, exotel)")


#: Why the reference bot closes (1003) a call whose first message is binary: raw audio.
NOT_A_CARRIER_CALL = "the reference bot speaks twilio, telnyx, plivo and exotel, not raw audio"


class NotACarrierCall(Exception):
    """The caller opened with a binary frame (the raw carrier), not a carrier's JSON start."""


@dataclass
class BotCall:
    """One call served by the bot, for whoever started the server to inspect."""

    index: int
    carrier: str = ""
    observers: list[BaseObserver] = field(default_factory=list)
    replies: int = 0
    tool_calls_interrupted: int = 0
    error: str | None = None
    started_at: float = 0.0  # monotonic
    client_gone_at: float | None = None  # when the transport saw the caller disconnect
    ended_at: float | None = None  # when the call's pipeline had finished
    leftover_tasks: list[str] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    brain: FullBotBrain | None = None  # the full bot's function calls and hang-up, if FULL

    def served(self) -> ServedCall:
        """This call as plain data, for the judges (read it once the pipeline has finished)."""
        return ServedCall(
            index=self.index,
            replies=self.replies,
            tool_calls_interrupted=self.tool_calls_interrupted,
            error=self.error,
            started_at=self.started_at,
            client_gone_at=self.client_gone_at,
            ended_at=self.ended_at,
            leftover_tasks=list(self.leftover_tasks),
            finished=self.finished.is_set(),
            full_bot=self.brain is not None,
        )


ObserverFactory = Callable[[int], Sequence[BaseObserver]]


def running_pipeline_tasks() -> list[str]:
    """Names of the Pipecat/reference-bot tasks running in this event loop now."""
    return sorted(
        _task_name(t) for t in asyncio.all_tasks() if not t.done() and _is_pipeline_task(t)
    )


def _task_name(task: asyncio.Task[object]) -> str:
    coro = task.get_coro()
    return f"{task.get_name()} ({getattr(coro, '__qualname__', type(coro).__name__)})"


def _is_pipeline_task(task: asyncio.Task[object]) -> bool:
    """Tasks started by Pipecat (or voicectl's processors), not by uvicorn or the caller."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None)
    filename = code.co_filename if code is not None else ""
    return "pipecat" in filename or "voicectl/bot" in filename


class _Server(uvicorn.Server):
    """uvicorn server that leaves signal handling to voicectl and stops as soon as asked.

    uvicorn notices ``should_exit`` on a 0.1 s tick, then waits a fixed 0.1 s for open
    connections to wind down: up to 0.2 s of idle wall time at the end of every bot run (5 % of
    a 60 s ``--fast`` replay). :meth:`exit` wakes the loop at once, and the fixed wait is left
    out when no connection is open; with one open, uvicorn shuts down as it always does.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def exit(self) -> None:
        self.should_exit = True
        self._exit_requested.set()

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        await self._wait_tasks_to_complete()
        if not self.force_exit:
            await self.lifespan.shutdown()


class ReferenceBotServer:
    """The reference bot on ``host:port`` (port 0 picks a free one); ``async with`` runs it."""

    def __init__(
        self,
        config: ReferenceBotConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/ws",
        max_calls: int = 1,
        observer_factory: ObserverFactory | None = None,
        pipeline_error_handler: Callable[[ErrorFrame], object] | None = None,
        worker_hook: Callable[[PipelineWorker], object] | None = None,
        fake_utterances: Sequence[str] = (),
    ) -> None:
        self.config = config or ReferenceBotConfig()
        self.host = host
        self.path = path
        self.max_calls = max_calls
        self.calls: list[BotCall] = []
        self._requested_port = port
        self._observer_factory = observer_factory
        self._pipeline_error_handler = pipeline_error_handler
        self._worker_hook = worker_hook
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._active = 0
        self._fake_utterances = tuple(fake_utterances)
        self.fakes: FakeSet | None = None  # the full bot's provider fakes, while running
        self._while_serving = contextlib.ExitStack()
        self.app = FastAPI()
        self.app.add_api_websocket_route(path, self._serve_call)

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("server not started")
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{self.path}"

    @property
    def active_calls(self) -> int:
        return self._active

    async def start(self) -> None:
        self._while_serving.enter_context(one_blas_thread())
        if self.config.brain is not BotBrain.RESPONDER:
            plan = plan_fakes(
                list(FULL_BOT_FAKES),
                utterances=self._fake_utterances,
                llm_script=full_bot_llm_script(self.config.function),
                speed=self.config.provider_speed,
            )
            self.fakes = FakeSet(plan)
            await self.fakes.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.config.send_buffer_bytes is not None:
            # Accepted call sockets inherit the listening socket's buffer sizes.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.config.send_buffer_bytes)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise HarnessError(
                f"cannot serve the reference bot on {self.host}:{self._requested_port}: {exc.strerror}"
            ) from exc
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        config = uvicorn.Config(
            self.app, log_level="critical", lifespan="off", ws="websockets-sansio"
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        for _ in range(500):
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if not self._server.started:
            await self.stop()
            raise HarnessError("the reference bot did not start within 5 s")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.exit()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.fakes is not None:
            await self.fakes.stop()
            self.fakes = None
        self._while_serving.close()

    async def __aenter__(self) -> ReferenceBotServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_call(self, websocket: WebSocket) -> None:
        if self._active >= self.max_calls:
            await websocket.close(
                code=1013, reason=f"reference bot at capacity ({self.max_calls} calls)"
            )
            return
        self._active += 1
        call = BotCall(index=len(self.calls), started_at=time.monotonic())
        self.calls.append(call)
        before = asyncio.all_tasks()
        try:
            await websocket.accept()
            await self._run_call(websocket, call)
        except NotACarrierCall as exc:
            call.error = str(exc)
            with contextlib.suppress(Exception):
                await websocket.close(code=1003, reason=call.error[:120])
        except Exception as exc:
            call.error = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                await websocket.close(code=1011, reason=call.error[:120])
        finally:
            call.ended_at = time.monotonic()
            self._active -= 1
            current = asyncio.current_task()

            def leftovers() -> list[asyncio.Task[Any]]:
                return [
                    task
                    for task in asyncio.all_tasks() - before
                    if task is not current and not task.done() and _is_pipeline_task(task)
                ]

            # Give cancelled tasks up to 0.2 s to unwind before counting what is left over.
            unwind_by = time.monotonic() + 0.2
            while leftovers() and time.monotonic() < unwind_by:
                await asyncio.sleep(0.01)
            call.leftover_tasks = sorted(_task_name(task) for task in leftovers())
            call.finished.set()

    async def _run_call(self, websocket: WebSocket, call: BotCall) -> None:
        try:
            carrier, call_data = await parse_telephony_websocket(websocket)
        except KeyError as exc:  # Starlette's receive_text() got a binary frame
            raise NotACarrierCall(NOT_A_CARRIER_CALL) from exc
        call.carrier = carrier
        serializer = make_serializer(carrier, call_data)
        if self.config.variant is BotVariant.DEAF_TO_DTMF:
            serializer = deaf_to_dtmf(serializer)
        transport = FastAPIWebsocketTransport(
            websocket,
            FastAPIWebsocketParams(
                audio_in_enabled=True,
                audio_out_enabled=True,
                add_wav_header=False,
                audio_out_write_timeout_secs=self.config.audio_out_write_timeout_s,
                serializer=serializer,
                allowed_origins=[],
            ),
        )
        if self.config.variant is BotVariant.LOG_EVERY_BLOCKED_SEND:
            log_every_blocked_send(transport)
        observers = list(self._observer_factory(call.index)) if self._observer_factory else []
        call.observers = observers
        worker, responder = build_bot_worker(
            transport,
            self.config,
            observers=observers,
            provider_env=self.fakes.env if self.fakes is not None else None,
        )
        if isinstance(responder, FullBotBrain):
            call.brain = responder

        if self._worker_hook is not None:
            self._worker_hook(worker)
        if self._pipeline_error_handler is not None:
            handler = self._pipeline_error_handler

            @worker.event_handler("on_pipeline_error")
            async def _on_pipeline_error(_worker: object, frame: ErrorFrame) -> None:
                handler(frame)

        @transport.event_handler("on_client_disconnected")
        async def _on_disconnected(_transport: object, _ws: object) -> None:
            call.client_gone_at = time.monotonic()
            await worker.cancel()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        try:
            await runner.run()
        finally:
            if isinstance(responder, FullBotBrain):
                responder.call_ended()
            call.replies = responder.replies
            call.tool_calls_interrupted = responder.tool_calls_interrupted
