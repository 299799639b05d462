"""A Twilio Media Streams bot with a classic bug: it answers on a hard-coded ``streamSid``.

Each caller turn (speech, then 0.3 s of quiet) is answered with 1 s of tone, addressed to
``MZ000...`` instead of the ``streamSid`` of the call's ``start`` message, so a real carrier
drops every reply. voicectl's ``carrier.protocol`` check says so::

    voicectl replay voicectl/data/fixtures/order_status.wav \\
        --bot-cmd "python examples/wrong_stream_bot.py --port {port}"

With ``--right-stream`` it answers on the call's own stream and passes. It serves on
127.0.0.1 and stops after ``--deadline`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from collections.abc import Awaitable, Callable

import numpy as np
from websockets.asyncio.server import ServerConnection, serve

from voicectl.audio.g711 import ulaw_decode, ulaw_encode

__all__ = ["HARD_CODED_SID", "answering_bot", "main"]

HARD_CODED_SID = "MZ00000000000000000000000000000000"
TONE = ulaw_encode((4000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype(np.int16))
SPEECH_RMS = 300  # a 20 ms frame louder than this is the caller speaking
QUIET_FRAMES = 15  # 0.3 s of quiet after speech ends the caller's turn
REPLY_FRAMES = 50  # 1 s of tone


def answering_bot(
    stream_sid: str | None, reply: bytes = TONE
) -> Callable[[ServerConnection], Awaitable[None]]:
    """A handler answering each caller turn with ``reply`` (one 20 ms frame of the carrier's
    mu-law, repeated for 1 s) on ``stream_sid``, or on the call's own stream."""

    async def bot(ws: ServerConnection) -> None:
        sid, speaking, quiet = "", False, 0
        async for message in ws:
            data = json.loads(message)
            if data["event"] == "start":
                sid = stream_sid or data["start"]["streamSid"]
            if data["event"] != "media":
                continue
            pcm = ulaw_decode(base64.b64decode(data["media"]["payload"])).astype(np.float64)
            if float(np.sqrt(np.mean(pcm**2))) > SPEECH_RMS:
                speaking, quiet = True, 0
            elif speaking:
                quiet += 1
                if quiet == QUIET_FRAMES:
                    speaking = False
                    media = {"payload": base64.b64encode(reply).decode()}
                    for _ in range(REPLY_FRAMES):
                        await ws.send(
                            json.dumps({"event": "media", "streamSid": sid, "media": media})
                        )

    return bot


async def _serve(port: int, stream_sid: str | None, deadline: float) -> None:
    async with serve(answering_bot(stream_sid), "127.0.0.1", port):
        await asyncio.sleep(deadline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--right-stream", action="store_true", help="answer on the call's stream")
    parser.add_argument("--deadline", type=float, default=600.0, help="stop after this many s")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, None if args.right_stream else HARD_CODED_SID, args.deadline))


if __name__ == "__main__":
    main()
