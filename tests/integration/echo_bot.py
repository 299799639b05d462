"""A Twilio bot that is not Pipecat: plain ``websockets``, answering each pause with a tone.

``python echo_bot.py PORT [--path /media] [--child] [--rate R]``: serves the Twilio media-stream protocol at
``--path`` only (any other path gets HTTP 404). After 0.4 s of caller silence following speech it
sends 0.5 s of a 440 Hz tone. ``--child`` starts a sleeping child process first (to show that
voicectl stops the bot's whole process group); ``--rate`` is accepted and ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
from http import HTTPStatus

import numpy as np
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from voicectl.audio.g711 import ulaw_decode, ulaw_encode

_TONE = ulaw_encode((8000 * np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)).astype(np.int16))


async def call(ws: ServerConnection) -> None:
    stream_sid = ""
    loud = False
    quiet_frames = 0
    async for message in ws:
        event = json.loads(message)
        if event.get("event") == "start":
            stream_sid = event["start"]["streamSid"]
        elif event.get("event") == "media":
            pcm = ulaw_decode(base64.b64decode(event["media"]["payload"])).astype(np.float64)
            if np.sqrt(np.mean(pcm**2)) > 300:
                loud, quiet_frames = True, 0
            elif loud:
                quiet_frames += 1
                if quiet_frames >= 20:
                    loud = False
                    for i in range(0, len(_TONE), 160):
                        payload = base64.b64encode(_TONE[i : i + 160]).decode()
                        await ws.send(
                            json.dumps(
                                {
                                    "event": "media",
                                    "streamSid": stream_sid,
                                    "media": {"payload": payload},
                                }
                            )
                        )
        elif event.get("event") == "stop":
            break


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--path", default="/media")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--rate", type=int, default=8000, help="accepted and ignored")
    args = parser.parse_args()
    if args.child:
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # echo-bot-child"])

    def only_path(_ws: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] != args.path:
            return _ws.respond(HTTPStatus.NOT_FOUND, "not here\n")
        return None

    async with serve(call, "127.0.0.1", args.port, process_request=only_path):
        print(f"echo bot listening on 127.0.0.1:{args.port}{args.path}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
