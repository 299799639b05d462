"""The fault-injecting fake provider: an asyncio ``websockets`` server on 127.0.0.1.

It speaks one provider protocol (sans-I/O, see :mod:`voicectl.providers.protocol`), always
drains what the client sends (a fake that stops reading stalls its own closing handshake and
distorts every lifetime it reports), answers with scripted transcripts or TTS audio, and applies
the fault to the connections the selector picks. Every connection is journaled in a bounded
:class:`~voicectl.outcome.connections.ConnectionLog`, secrets redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import weakref
from collections.abc import Callable, Sequence

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from voicectl.errors import HarnessError
from voicectl.faults.actions import (
    OUTAGE_STEP_S,
    Action,
    Close,
    Delay,
    Drop,
    Outage,
    Reject,
    SendMalformed,
    Stall,
)
from voicectl.faults.base import Fault, Selector, Trigger, TriggerKind
from voicectl.outcome.connections import ConnectionLog, EndedBy
from voicectl.providers.fake_connection import LiveConnection, describe_auth, trigger_due
from voicectl.providers.protocol import ProviderProtocol, ServiceKind, get_protocol
from voicectl.providers.schedule import TranscriptSchedule
from voicectl.providers.server_sending import ProviderSending
from voicectl.report.redact import redact

__all__ = ["FakeProviderServer"]

_CLOSE_TIMEOUT_S = 2.0
_STOP_TIMEOUT_S = 3.0

_quiet = logging.getLogger("voicectl.providers.fake")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


class FakeProviderServer(ProviderSending):
    """A loopback provider that speaks ``protocol`` and applies ``fault`` to selected connections.

    ``more_faults`` adds faults with their own selectors (a connection gets the first fault whose
    selector picks it: ``ws-close:1008@8s#first`` then ``handshake:401#2..`` is a revoked key).
    ``transcript_schedule`` makes an STT protocol send the given transcripts at the given times
    (run clock) on every connection open at that moment. ``clock`` returns run seconds; by
    default, seconds since :meth:`start`. ``changed`` is set whenever the journal changes.
    """

    def __init__(
        self,
        protocol: type[ProviderProtocol] | str,
        fault: Fault | None = None,
        *,
        selector: Selector | None = None,
        more_faults: Sequence[tuple[Fault, Selector]] = (),
        transcript_schedule: TranscriptSchedule | None = None,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
        self.fault = fault
        self.selector = selector or Selector()
        #: Every fault with its selector; a connection gets the first one that selects it.
        self.faults: list[tuple[Fault, Selector]] = [
            *([(fault, self.selector)] if fault is not None else []),
            *more_faults,
        ]
        self.schedule = transcript_schedule
        self.rng = random.Random(seed)
        self.host = host
        self.port = port
        self.log = ConnectionLog()
        self.changed = asyncio.Event()
        self._t0 = time.monotonic()
        self._clock = clock
        self._selected = [0] * len(self.faults)
        self._server: Server | None = None
        self._pending: weakref.WeakKeyDictionary[ServerConnection, LiveConnection] = (
            weakref.WeakKeyDictionary()
        )
        self._live: set[LiveConnection] = set()
        self._shutdown = asyncio.Event()
        self._schedule_task: asyncio.Task[None] | None = None
        self._refusing: int | None = None
        self._silent = False

    # -- lifecycle --------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock() if self._clock else time.monotonic() - self._t0

    @property
    def base_url(self) -> str:
        """``ws://127.0.0.1:PORT`` once started."""
        if self._server is None:
            raise RuntimeError("FakeProviderServer is not started")
        return f"ws://{self.host}:{self.port}"

    @property
    def target_url(self) -> str:
        """The URL to give the target (the protocol's path on :attr:`base_url`)."""
        return self.protocol.url_for(self.base_url)

    async def start(self) -> None:
        self._t0 = time.monotonic()
        try:
            self._server = await serve(
                self._handle,
                self.host,
                self.port,
                process_request=self._process_request,
                compression=None,
                ping_interval=None,
                close_timeout=_CLOSE_TIMEOUT_S,
                max_size=16 * 1024 * 1024,
                logger=_quiet,
            )
        except OSError as exc:
            raise HarnessError(
                f"fake provider cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        sockets = list(self._server.sockets)
        self.port = sockets[0].getsockname()[1]
        if self.schedule is not None and self.protocol.kind is ServiceKind.STT:
            self._schedule_task = asyncio.create_task(self._run_schedule())

    async def stop(self) -> None:
        """Abort every connection and stop listening (bounded; idempotent)."""
        self._shutdown.set()
        if self._schedule_task is not None:
            self._schedule_task.cancel()
        now = self.now()
        for conn in list(self._live):
            self.log.end(conn.record, now, EndedBy.SHUTDOWN)
            if conn.ws is not None:
                conn.ws.transport.abort()
        for record in self.log.records():
            self.log.end(record, now, EndedBy.SHUTDOWN)
        if self._server is not None:
            self._server.close(close_connections=False)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_STOP_TIMEOUT_S):
                    await self._server.wait_closed()
        if self._schedule_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._schedule_task

    async def __aenter__(self) -> FakeProviderServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- outages ----------------------------------------------------------------------------

    def begin_outage(self, action: Action, *, refuse_status: int | None = 503) -> int:
        """The provider goes down now, whatever the connection-level fault says.

        ``action`` hits every live connection at once (``Close``, ``Drop``, ``Stall``,
        ``SendMalformed``); with ``refuse_status`` every new handshake is answered with that HTTP
        status until :meth:`end_outage`. A ``Stall`` outage also silences the transcript
        schedule. Returns how many live connections were hit.
        """
        self._refusing = refuse_status
        self._silent = isinstance(action, Stall)
        hit = 0
        for conn in list(self._live):
            if conn.ws is None or conn.closing or conn.dropped:
                continue
            conn.action, conn.fired = action, False
            self._fire(conn)
            hit += 1
        self.changed.set()
        return hit

    async def go_down(self, outage: Outage) -> None:
        """The provider goes down as ``outage`` says: each of its actions in turn
        (:meth:`begin_outage`), :data:`OUTAGE_STEP_S` apart, refusing as it says."""
        for step, action in enumerate(outage.actions):
            if step:
                await asyncio.sleep(OUTAGE_STEP_S)
            self.begin_outage(action, refuse_status=outage.refuse_status)

    def end_outage(self) -> None:
        """The provider is back: new handshakes are accepted and answered again."""
        self._refusing = None
        self._silent = False
        self.changed.set()

    # -- handshake --------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        t = self.now()
        number = len(self.log) + 1
        if self._refusing is not None:
            down = self.log.open(
                t,
                selected=True,
                doomed=True,
                path=redact(request.path),
                auth_header=describe_auth(request.headers),
            )
            self.log.reject(down, t, self._refusing)
            self.changed.set()
            return connection.respond(
                self._refusing, f"voicectl fake provider: HTTP {self._refusing} (provider down)\n"
            )
        index = next((i for i, (_, sel) in enumerate(self.faults) if sel.selects(number)), None)
        selected = index is not None
        action: Action | None = None
        trigger: Trigger | None = None
        doomed = False
        if index is not None:
            fault = self.faults[index][0]
            self._selected[index] += 1
            action = fault.action_for(self._selected[index])
            trigger = fault.trigger_for(self._selected[index])
            doomed = fault.terminates_connection
        # A stalled connection is not read, so its close cannot be seen: once the target opens a
        # new connection, it has given up on the stalled one.
        for conn in self._live:
            if conn.stalled and conn.record.closed_at is None:
                self.log.end(conn.record, t, EndedBy.ABANDONED)
                conn.record.notes.append("end inferred: the target opened a new connection")
        record = self.log.open(
            t,
            selected=selected,
            doomed=doomed,
            path=redact(request.path),
            auth_header=describe_auth(request.headers),
        )
        self.changed.set()
        if isinstance(action, Reject):
            self.log.reject(record, t, action.status)
            body = f"voicectl fake provider: HTTP {action.status} (handshake fault)\n"
            return connection.respond(action.status, body)
        self._pending[connection] = LiveConnection(
            record, self.protocol.for_request(request.path), action, trigger
        )
        return None

    # -- connection -------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        conn = self._pending.pop(ws, None)
        if conn is None:  # pragma: no cover (process_request always registers it)
            return
        conn.ws = ws
        self._live.add(conn)
        try:
            if isinstance(conn.action, Delay):
                conn.outbox = asyncio.Queue()
                self._spawn(conn, self._drain_outbox(conn))
                self._fire(conn)
            for item in conn.protocol.on_open():
                await self._send(conn, item)
            if conn.trigger is not None and conn.trigger.kind is TriggerKind.AFTER_SECONDS:
                self._spawn(conn, self._fire_later(conn, conn.trigger.value))
            await self._drain(conn)
            if conn.stalled:
                # Consuming the last buffered message may have let websockets resume reading.
                ws.transport.pause_reading()
                await self._shutdown.wait()
        finally:
            for task in conn.tasks:
                task.cancel()
            self._finish(conn)
            self._live.discard(conn)

    async def _drain(self, conn: LiveConnection) -> None:
        assert conn.ws is not None
        count = 0
        try:
            async for message in conn.ws:
                count += 1
                now = self.now()
                self.log.message(conn.record, now, message)
                if len(message) >= _AUDIO_MESSAGE_BYTES:
                    conn.audio_at = now
                if conn.stalled:
                    return
                for i, item in enumerate(conn.protocol.on_message(message)):
                    if i:  # a long answer's parts leave room for other connections' messages
                        await asyncio.sleep(0)
                    await self._send(conn, item)
                if not conn.fired and trigger_due(conn.trigger, count):
                    self._fire(conn)
                    if conn.stalled:
                        return
        except ConnectionClosed:
            pass

    async def _fire_later(self, conn: LiveConnection, delay: float) -> None:
        await asyncio.sleep(delay)
        if not conn.fired and conn.ws is not None:
            self._fire(conn)

    def _fire(self, conn: LiveConnection) -> None:
        """Apply the connection's fault action now."""
        ws, action = conn.ws, conn.action
        if conn.fired or ws is None or action is None:
            return
        conn.fired = True
        t = self.now()
        self.log.fault_fired(conn.record, t, action.describe())
        self.changed.set()
        if isinstance(action, Close):
            conn.closing = True
            conn.record.close_sent = (action.code, action.reason)
            self.log.end(conn.record, t, EndedBy.PROVIDER)
            # Closed from its own task so that _drain keeps reading the client's last audio and
            # its close frame: the closing handshake then completes in one round trip.
            self._spawn(conn, ws.close(action.code, action.reason))
        elif isinstance(action, Drop):
            conn.dropped = True
            self.log.end(conn.record, t, EndedBy.PROVIDER_DROP)
            ws.transport.abort()
        elif isinstance(action, Stall):
            conn.stalled = True
            ws.transport.pause_reading()
        elif isinstance(action, SendMalformed):
            for message in conn.protocol.malformed(action):
                self._spawn(conn, self._send(conn, message))

    def _finish(self, conn: LiveConnection) -> None:
        ws = conn.ws
        assert ws is not None
        protocol = ws.protocol
        sent, received = protocol.close_sent, protocol.close_rcvd
        if received is not None:
            conn.record.close_received = (received.code, received.reason)
        if sent is not None and conn.record.close_sent is None:
            conn.record.close_sent = (sent.code, sent.reason)
        if self._shutdown.is_set() and conn.record.closed_at is None:
            ended_by = EndedBy.SHUTDOWN
        elif received is not None and (sent is None or protocol.close_rcvd_then_sent):
            ended_by = EndedBy.TARGET
        elif sent is not None:
            ended_by = EndedBy.PROVIDER
        else:
            ended_by = EndedBy.LOST
        self.log.end(conn.record, self.now(), ended_by)
        self.changed.set()


#: A message at least this big is audio (10 ms of 8 kHz PCM), not a keepalive or control JSON.
_AUDIO_MESSAGE_BYTES = 160
