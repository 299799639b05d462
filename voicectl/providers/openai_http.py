"""``openai``: the OpenAI HTTP API the OpenAI SDK (and ``OpenAILLMService``, ``OpenAITTSService``) calls.

Served under ``/v1`` (the SDK's ``OPENAI_BASE_URL`` is ``http://127.0.0.1:PORT/v1``):

* ``POST /v1/chat/completions``: streamed (SSE) or not, scripted by
  :class:`~voicectl.providers.openai_llm.LLMScript`;
* ``POST /v1/audio/speech``: speech-shaped audio whose length follows the text, as ``pcm``
  (24 kHz s16le, the format Pipecat asks for) or ``wav``;
* ``GET /v1/models``: one model, for clients that list them first.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import wave
from dataclasses import dataclass
from typing import Any, ClassVar

from voicectl.providers.http_server import HTTPAnswer, HTTPProviderAPI, HTTPRequest
from voicectl.providers.openai_llm import (
    Completion,
    LLMScript,
    ToolCall,
    completion_body,
    plan_completion,
    stream_chunks,
)
from voicectl.providers.tts_audio import speech_for_text

__all__ = ["LLMTiming", "OpenAIAPI"]

CHAT_PATH = "/v1/chat/completions"
SPEECH_PATH = "/v1/audio/speech"
MODELS_PATH = "/v1/models"
SPEECH_RATE = 24000


@dataclass(frozen=True)
class LLMTiming:
    """How fast the fake model streams: first chunk after ``first_token_s``, then one every
    ``chunk_interval_s`` (about 12 characters of text or 8 of tool arguments per chunk)."""

    first_token_s: float = 0.15
    chunk_interval_s: float = 0.01

    def faster(self, speed: float) -> LLMTiming:
        """The same model streaming ``speed`` times faster (the reference bot under ``--fast``)."""
        if speed == 1.0:
            return self
        return LLMTiming(self.first_token_s / speed, self.chunk_interval_s / speed)


class OpenAIAPI(HTTPProviderAPI):
    name: ClassVar[str] = "openai"
    routes: ClassVar[tuple[tuple[str, str], ...]] = (
        ("POST", CHAT_PATH),
        ("POST", SPEECH_PATH),
        ("GET", MODELS_PATH),
    )
    llm_paths: ClassVar[tuple[str, ...]] = (CHAT_PATH,)

    def __init__(
        self,
        script: LLMScript | None = None,
        timing: LLMTiming | None = None,
        speech_speed: float = 1.0,
    ) -> None:
        self.script = script or LLMScript()
        self.timing = timing or LLMTiming()
        self.speech_speed = speech_speed
        self._ids = itertools.count(1)

    def answer(self, request: HTTPRequest) -> HTTPAnswer:
        if request.path == MODELS_PATH:
            models = {"object": "list", "data": [_model("gpt-4.1-mini")]}
            return HTTPAnswer(body=json.dumps(models).encode())
        data = request.json()
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        if request.path == SPEECH_PATH:
            return self._speech(data)
        return self._chat(data, request)

    def _chat(self, data: dict[str, Any], request: HTTPRequest) -> HTTPAnswer:
        if not isinstance(data.get("messages"), list):
            return self.error_answer(400, "messages is required")
        serial = next(self._ids)
        completion = plan_completion(data, self.script, f"call_voicectl_{serial}")
        if request.corrupt_tool_arguments and completion.tool_calls:
            completion = Completion(
                completion.content,
                tuple(ToolCall(c.id, c.name, c.arguments[:-1]) for c in completion.tool_calls),
                completion.prompt_tokens,
                completion.note + " (arguments corrupted)",
            )
        model = str(data.get("model") or "gpt-4.1-mini")
        completion_id = f"chatcmpl-voicectl-{serial}"
        created = int(time.time())
        label = _label(completion)
        if not data.get("stream"):
            body = completion_body(
                completion, completion_id=completion_id, model=model, created=created
            )
            return HTTPAnswer(body=json.dumps(body).encode(), label=label, note=completion.note)
        options = data.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        chunks = stream_chunks(
            completion,
            completion_id=completion_id,
            model=model,
            created=created,
            include_usage=include_usage,
        )
        return HTTPAnswer(
            content_type="text/event-stream",
            chunks=[f"data: {json.dumps(c)}\n\n".encode() for c in chunks],
            trailer=[b"data: [DONE]\n\n"],
            label=label,
            note=completion.note,
            first_chunk_s=self.timing.first_token_s,
            chunk_interval_s=self.timing.chunk_interval_s,
        )

    def _speech(self, data: dict[str, Any]) -> HTTPAnswer:
        text = data.get("input")
        if not isinstance(text, str) or not text.strip():
            return self.error_answer(400, "input is required")
        fmt = str(data.get("response_format") or "mp3")
        if fmt not in ("pcm", "wav"):
            return self.error_answer(400, f"the fake serves response_format pcm or wav, not {fmt}")
        pcm = speech_for_text(text, SPEECH_RATE, self.speech_speed)
        body = pcm if fmt == "pcm" else _wav(pcm, SPEECH_RATE)
        label = f"audio {len(pcm) // 2} samples for {text!r}"
        return HTTPAnswer(
            content_type="audio/pcm" if fmt == "pcm" else "audio/wav", body=body, label=label
        )


def _label(completion: Completion) -> str:
    calls = ", ".join(f"{c.name}({c.arguments})" for c in completion.tool_calls)
    if completion.content and calls:
        return f"{completion.content} + {calls}"
    return completion.content or calls


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1700000000, "owned_by": "voicectl"}


def _wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()
