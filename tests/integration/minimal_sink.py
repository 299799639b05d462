"""A minimal WebSocket sink: completes the handshake, drains every frame, answers pings and close.

It never parses or unmasks messages (it walks frame headers to find pings and the close), so a
load generator measured against it pays for its own work and little else. Run it as a script
to serve on a free loopback port (the port is printed on stdout; it stops when stdin closes),
or start it in-process with :func:`serve_sink`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import sys

__all__ = ["SinkProtocol", "serve_sink"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SinkProtocol(asyncio.Protocol):
    """One connection: handshake, then discard frames until the caller's close frame."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.open = False
        self.frames = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._handshake(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
        self._walk_frames()

    def _handshake(self, request: bytes) -> None:
        assert self.transport is not None
        key = b""
        for line in request.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-key":
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        self.open = True

    def _walk_frames(self) -> None:
        buffer = self.buffer
        position = 0
        while len(buffer) - position >= 2:
            opcode = buffer[position] & 0x0F
            length = buffer[position + 1] & 0x7F
            header = 2
            if length == 126:
                if len(buffer) - position < 4:
                    break
                (length,) = struct.unpack_from("!H", buffer, position + 2)
                header = 4
            elif length == 127:
                if len(buffer) - position < 10:
                    break
                (length,) = struct.unpack_from("!Q", buffer, position + 2)
                header = 10
            size = header + 4 + length  # client frames are masked
            if len(buffer) - position < size:
                break
            if opcode == 0x9 and self.transport is not None and length <= 125:
                # A ping (the client's keepalive): answer with a pong carrying its payload.
                mask = buffer[position + header : position + header + 4]
                masked = buffer[position + header + 4 : position + size]
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
                self.transport.write(bytes([0x8A, len(payload)]) + payload)
            position += size
            self.frames += 1
            if opcode == 0x8 and self.transport is not None:
                self.transport.write(b"\x88\x02\x03\xe8")  # close 1000
                self.transport.close()
                break
        del buffer[:position]


async def serve_sink(host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Serve the sink; ``server.sockets[0]`` has the port."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(SinkProtocol, host, port)


async def _main() -> None:
    server = await serve_sink()
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(_main())
