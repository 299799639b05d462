"""The reference bot answers a caller that is not one of its carriers with a close that says so."""

from __future__ import annotations

import contextlib

import websockets

from voicectl.bot.server import NOT_A_CARRIER_CALL, ReferenceBotServer


async def test_a_raw_audio_caller_gets_a_1003_close_naming_the_carriers_not_a_keyerror() -> None:
    # Starlette's receive_text() raised KeyError('text') on the first binary frame, and the bot
    # closed with 1011 "KeyError: 'text'" (chaos dtmf --inband --carrier raw).
    async with ReferenceBotServer() as server:
        async with websockets.connect(server.url, open_timeout=10, close_timeout=5) as ws:
            await ws.send(b"\x00\x00" * 320)
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.recv()
        assert ws.close_code == 1003
        assert ws.close_reason == NOT_A_CARRIER_CALL
        (call,) = server.calls
        assert call.error == NOT_A_CARRIER_CALL
