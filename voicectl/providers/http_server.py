"""The fault-injecting fake HTTP provider (OpenAI Chat Completions, OpenAI TTS): aiohttp on 127.0.0.1.

An :class:`HTTPProviderAPI` (sans-I/O) turns a request into an :class:`HTTPAnswer`: a JSON or
audio body, or a list of chunks to stream (SSE events). The server applies faults to selected
requests the way :class:`~voicectl.providers.server.FakeProviderServer` does to connections:
requests are numbered from 1 in arrival order, a request gets the first fault whose selector
picks it, and ``@Ns`` on a fault means "requests arriving N s or more after the fake started".

What each fault does to a request: ``handshake``/``llm-error`` answer with the status (and
``Retry-After``); ``ws-drop`` aborts TCP (after N chunks with ``@Nmsg``, else before answering);
``stall`` and ``llm-stall`` stop streaming and hold the connection; ``llm-truncate`` ends the
stream early without its final chunks; ``llm-slow`` delays the first chunk; ``latency`` delays
every chunk; ``malformed`` sends one bad chunk; ``llm-bad-args`` breaks tool-call arguments.

Every request is journaled in a :class:`~voicectl.outcome.connections.ConnectionLog` (one record per
request, secrets redacted); what the fake answered is in ``log.transcripts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from voicectl.errors import HarnessError
from voicectl.faults.actions import (
    Action,
    CorruptToolArguments,
    Delay,
    DelayFirstChunk,
    Drop,
    MalformedKind,
    Reject,
    RespondError,
    SendMalformed,
    Stall,
    StallStream,
    TruncateStream,
)
from voicectl.faults.base import Fault, Selector, TriggerKind
from voicectl.outcome.connections import ConnectionLog, ConnectionRecord, EndedBy
from voicectl.report.redact import redact

__all__ = ["FakeHTTPProvider", "HTTPAnswer", "HTTPProviderAPI", "HTTPRequest"]

_AUTH_HEADERS = ("Authorization", "X-API-Key", "api-key", "xi-api-key")
_STOP_TIMEOUT_S = 3.0
_HOLD_POLL_S = 0.1


@dataclass(frozen=True)
class HTTPRequest:
    """What the API sees of one request."""

    method: str
    path: str
    body: bytes
    number: int
    #: The request's fault asks for broken tool-call arguments.
    corrupt_tool_arguments: bool = False

    def json(self) -> Any:
        return json.loads(self.body) if self.body else {}


@dataclass
class HTTPAnswer:
    """The API's answer; ``chunks`` (streamed, paced) or ``body`` (sent at once)."""

    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    chunks: list[bytes] | None = None
    #: Chunks that end a complete stream (``data: [DONE]``); a truncated stream omits them.
    trailer: list[bytes] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    label: str | None = None  # what was answered, for the journal
    note: str = ""
    first_chunk_s: float = 0.0
    chunk_interval_s: float = 0.0


class HTTPProviderAPI:
    """A provider's HTTP API, sans-I/O: routes to answers, error bodies, malformed chunks."""

    name: ClassVar[str]
    #: (method, path) pairs this API serves.
    routes: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Paths LLM faults (``llm-*``) act on; other requests pass untouched.
    llm_paths: ClassVar[tuple[str, ...]] = ()

    def answer(self, request: HTTPRequest) -> HTTPAnswer:
        raise NotImplementedError

    def error_answer(self, status: int, message: str) -> HTTPAnswer:
        body = {"error": {"message": message, "type": "voicectl_fault", "code": status}}
        return HTTPAnswer(status=status, body=json.dumps(body).encode())

    def malformed_chunk(self, action: SendMalformed) -> bytes:
        if action.kind is MalformedKind.JSON:
            return b"data: {not json\n\n"
        if action.kind is MalformedKind.KEYS:
            return b"data: {}\n\n"
        error = {"error": {"message": action.error_message, "code": action.error_code}}
        return f"data: {json.dumps(error)}\n\n".encode()


_LLM_ACTIONS = (RespondError, DelayFirstChunk, StallStream, TruncateStream, CorruptToolArguments)


class FakeHTTPProvider:
    """A loopback HTTP provider speaking ``api``, faulting the requests the selectors pick."""

    def __init__(
        self,
        api: HTTPProviderAPI,
        faults: Sequence[tuple[Fault, Selector]] = (),
        *,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api = api
        self.faults = list(faults)
        self.rng = random.Random(seed)
        self.host = host
        self.port = port
        self.log = ConnectionLog()
        self.changed = asyncio.Event()
        self._clock = clock
        self._t0 = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._stopped = False
        self._shutdown = asyncio.Event()
        self._active: set[asyncio.Task[Any]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock() if self._clock else time.monotonic() - self._t0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once started (still known after :meth:`stop`)."""
        if self._runner is None:
            raise RuntimeError("FakeHTTPProvider is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._t0 = time.monotonic()
        app = web.Application(client_max_size=16 * 1024 * 1024)
        for method, path in self.api.routes:
            app.router.add_route(method, path, self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise HarnessError(
                f"fake provider cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Release held streams, abort what is left and stop listening (bounded; idempotent)."""
        self._shutdown.set()
        now = self.now()
        for record in self.log.records():
            self.log.end(record, now, EndedBy.SHUTDOWN)
        if self._runner is not None and not self._stopped:
            self._stopped = True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_STOP_TIMEOUT_S):
                    await self._runner.cleanup()

    async def __aenter__(self) -> FakeHTTPProvider:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- one request ------------------------------------------------------------------------

    def _pick(self, number: int, t: float, path: str) -> Fault | None:
        for fault, selector in self.faults:
            if not selector.selects(number):
                continue
            if isinstance(fault.action, _LLM_ACTIONS) and path not in self.api.llm_paths:
                continue
            trigger = fault.trigger
            if trigger.kind is TriggerKind.AFTER_SECONDS and t < trigger.value:
                continue
            return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        t = self.now()
        body = await request.read()
        number = len(self.log) + 1
        fault = self._pick(number, t, request.path)
        action: Action | None = fault.action if fault is not None else None
        record = self.log.open(
            t,
            selected=fault is not None,
            doomed=fault is not None and fault.terminates_connection,
            path=redact(request.path_qs),
            auth_header=_describe_auth(request),
        )
        self.log.message(record, t, body.decode("utf-8", "replace"))
        self.changed.set()
        try:
            return await self._respond(request, body, number, record, action, fault)
        finally:
            self.changed.set()

    async def _respond(
        self,
        request: web.Request,
        body: bytes,
        number: int,
        record: ConnectionRecord,
        action: Action | None,
        fault: Fault | None,
    ) -> web.StreamResponse:
        t = self.now()
        if isinstance(action, Reject | RespondError):
            self.log.reject(record, t, action.status)
            record.fault_action = action.describe()
            answer = self.api.error_answer(action.status, f"voicectl fake: {action.describe()}")
            if isinstance(action, RespondError) and action.retry_after_s is not None:
                answer.headers["Retry-After"] = f"{action.retry_after_s:g}"
            return _plain(answer)
        by_count = fault is not None and fault.trigger.kind is TriggerKind.AFTER_MESSAGES
        if isinstance(action, Drop) and not by_count:
            self._fired(record, action)
            self.log.end(record, t, EndedBy.PROVIDER_DROP)
            _abort(request)
            return web.Response(status=499)
        http_request = HTTPRequest(
            request.method,
            request.path,
            body,
            number,
            corrupt_tool_arguments=isinstance(action, CorruptToolArguments),
        )
        try:
            answer = self.api.answer(http_request)
        except ValueError as exc:  # a body that is not JSON, or not the API's shape
            answer = self.api.error_answer(400, f"bad request: {exc}")
        if answer.note:
            record.notes.append(answer.note)
        if isinstance(action, CorruptToolArguments):
            self._fired(record, action)
        if answer.chunks is None:
            record.status = answer.status
            record.messages_out = 1
            if answer.label is not None:
                self.log.transcript_sent(self.now(), record, answer.label)
            self.log.end(record, self.now(), EndedBy.PROVIDER)
            return _plain(answer)
        return await self._stream(request, record, answer, action, fault)

    async def _stream(
        self,
        request: web.Request,
        record: ConnectionRecord,
        answer: HTTPAnswer,
        action: Action | None,
        fault: Fault | None,
    ) -> web.StreamResponse:
        assert answer.chunks is not None
        record.status = answer.status
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        response.content_type = answer.content_type
        chunks = list(answer.chunks)
        stop_after: int | None = None  # chunk count after which the fault acts
        if isinstance(action, StallStream | TruncateStream):
            stop_after = action.after_chunks
        elif isinstance(action, Drop | Stall | SendMalformed) and fault is not None:
            by_count = fault.trigger.kind is TriggerKind.AFTER_MESSAGES
            stop_after = int(fault.trigger.value) if by_count else 0
        try:
            await response.prepare(request)
            first = answer.first_chunk_s
            if isinstance(action, DelayFirstChunk):
                self._fired(record, action)
                first += action.ms / 1000.0
            for index, chunk in enumerate(chunks):
                wait = first if index == 0 else answer.chunk_interval_s
                if isinstance(action, Delay):
                    wait += max(0.0, action.ms + self.rng.uniform(-1, 1) * action.jitter_ms) / 1000
                if wait > 0:
                    await asyncio.sleep(wait)
                if stop_after is not None and index == stop_after:
                    assert action is not None
                    self._fired(record, action)
                    if isinstance(action, SendMalformed):
                        await response.write(self.api.malformed_chunk(action))
                        record.messages_out += 1
                        stop_after = None
                    elif isinstance(action, TruncateStream):
                        break
                    elif isinstance(action, Drop):
                        self.log.end(record, self.now(), EndedBy.PROVIDER_DROP)
                        _abort(request)
                        return response
                    else:  # Stall, StallStream: hold the response open, send nothing more
                        if await self._held_until_client_leaves(request):
                            self.log.end(record, self.now(), EndedBy.TARGET)
                            record.notes.append("the client closed the stalled answer")
                        return response
                await response.write(chunk)
                record.messages_out += 1
            else:
                if stop_after is not None and stop_after >= len(chunks) and action is not None:
                    record.notes.append(
                        f"{action.describe()}: the answer had only {len(chunks)} chunks"
                    )
                for chunk in answer.trailer:
                    await response.write(chunk)
                    record.messages_out += 1
            if answer.label is not None:
                self.log.transcript_sent(self.now(), record, answer.label)
            await response.write_eof()
            self.log.end(record, self.now(), EndedBy.PROVIDER)
        except ConnectionResetError:
            # The client closed the connection before the write: not an error of the fake's.
            self._client_left(record)
        except asyncio.CancelledError:
            # aiohttp cancels the handler when the client goes away mid-answer.
            self._client_left(record)
            raise
        return response

    def _client_left(self, record: ConnectionRecord) -> None:
        self.log.end(record, self.now(), EndedBy.TARGET)
        if not self._shutdown.is_set():
            record.notes.append("the client closed the connection mid-answer")

    async def _held_until_client_leaves(self, request: web.Request) -> bool:
        """Hold a stalled answer until the client closes it (True) or the fake stops (False)."""
        while not self._shutdown.is_set():
            transport = request.transport
            if transport is None or transport.is_closing():
                return True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_HOLD_POLL_S):
                    await self._shutdown.wait()
        return False

    def _fired(self, record: ConnectionRecord, action: Action) -> None:
        self.log.fault_fired(record, self.now(), action.describe())
        self.changed.set()


def _plain(answer: HTTPAnswer) -> web.Response:
    return web.Response(
        status=answer.status,
        body=answer.body,
        content_type=answer.content_type,
        headers=answer.headers,
    )


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def _describe_auth(request: web.Request) -> str:
    for name in _AUTH_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            return redact(f"{name}: {value}")
    return ""
