"""``anthropic``: the Anthropic Messages API, as the Anthropic SDK (and ``AnthropicLLMService``) calls it.

``POST /v1/messages`` (the SDK adds ``?beta=true`` for ``client.beta``), streamed as Anthropic's
SSE events (``message_start``, ``content_block_start``/``_delta``/``_stop`` with ``text_delta``
and ``input_json_delta``, ``message_delta`` with ``stop_reason`` and usage, ``message_stop``) or
as one ``message``. The SDK reads ``ANTHROPIC_BASE_URL`` (``http://127.0.0.1:PORT``), so an
unmodified ``AnthropicLLMService`` reaches the fake through the environment alone.

What the model says comes from the same :class:`~voicectl.providers.openai_llm.LLMScript` as the
OpenAI fake: the request is read as a chat (``tool_result`` blocks are tool messages, tools'
``input_schema`` their parameters) and planned by
:func:`~voicectl.providers.openai_llm.plan_completion`.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, ClassVar

from voicectl.faults.actions import MalformedKind, SendMalformed
from voicectl.providers.http_server import HTTPAnswer, HTTPProviderAPI, HTTPRequest
from voicectl.providers.openai_http import LLMTiming
from voicectl.providers.openai_llm import (
    ARGUMENT_PIECE,
    CONTENT_PIECE,
    Completion,
    LLMScript,
    ToolCall,
    pieces,
    plan_completion,
)

__all__ = ["AnthropicAPI", "as_chat_request"]

MESSAGES_PATH = "/v1/messages"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def as_chat_request(data: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic Messages request read as a Chat Completions one (for the shared planner)."""
    messages: list[dict[str, Any]] = []
    for message in data.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        if results:
            messages.extend({"role": "tool", "content": _text(r.get("content"))} for r in results)
            continue
        messages.append({"role": message.get("role"), "content": _text(content)})
    tools = [
        {
            "type": "function",
            "function": {"name": t["name"], "parameters": t.get("input_schema", {})},
        }
        for t in data.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("name"), str)
    ]
    return {"messages": messages, "tools": tools}


class AnthropicAPI(HTTPProviderAPI):
    name: ClassVar[str] = "anthropic"
    routes: ClassVar[tuple[tuple[str, str], ...]] = (("POST", MESSAGES_PATH),)
    llm_paths: ClassVar[tuple[str, ...]] = (MESSAGES_PATH,)

    def __init__(self, script: LLMScript | None = None, timing: LLMTiming | None = None) -> None:
        self.script = script or LLMScript()
        self.timing = timing or LLMTiming()
        self._ids = itertools.count(1)

    def answer(self, request: HTTPRequest) -> HTTPAnswer:
        data = request.json()
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            return self.error_answer(400, "messages: field required")
        serial = next(self._ids)
        completion = plan_completion(as_chat_request(data), self.script, f"toolu_voicectl_{serial}")
        if request.corrupt_tool_arguments and completion.tool_calls:
            completion = Completion(
                completion.content,
                tuple(ToolCall(c.id, c.name, c.arguments[:-1]) for c in completion.tool_calls),
                completion.prompt_tokens,
                completion.note + " (arguments corrupted)",
            )
        model = str(data.get("model") or "claude-sonnet-4-5")
        message_id = f"msg_voicectl_{serial}"
        calls = ", ".join(f"{c.name}({c.arguments})" for c in completion.tool_calls)
        label = " + ".join(part for part in (completion.content, calls) if part)
        if not data.get("stream"):
            body = _message(completion, message_id, model)
            return HTTPAnswer(body=json.dumps(body).encode(), label=label, note=completion.note)
        return HTTPAnswer(
            content_type="text/event-stream",
            chunks=[_event(e) for e in stream_events(completion, message_id, model)],
            label=label,
            note=completion.note,
            first_chunk_s=self.timing.first_token_s,
            chunk_interval_s=self.timing.chunk_interval_s,
        )

    def error_answer(self, status: int, message: str) -> HTTPAnswer:
        kind = _ERROR_TYPES.get(status, "api_error")
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return HTTPAnswer(status=status, body=json.dumps(body).encode())

    def malformed_chunk(self, action: SendMalformed) -> bytes:
        if action.kind is MalformedKind.JSON:
            return b"event: content_block_delta\ndata: {not json\n\n"
        if action.kind is MalformedKind.KEYS:
            return b"event: content_block_delta\ndata: {}\n\n"
        error = {"type": "error", "error": {"type": "api_error", "message": action.error_message}}
        return _event(error)


def _event(data: dict[str, Any]) -> bytes:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def _stop_reason(completion: Completion) -> str:
    return "tool_use" if completion.tool_calls else "end_turn"


def stream_events(completion: Completion, message_id: str, model: str) -> list[dict[str, Any]]:
    """The SSE events of a streamed answer, in order."""
    usage = {"input_tokens": completion.prompt_tokens, "output_tokens": 1}
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            },
        },
        {"type": "ping"},
    ]
    index = 0
    if completion.content:
        events.append(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            }
        )
        events.extend(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
            for p in pieces(completion.content, CONTENT_PIECE)
        )
        events.append({"type": "content_block_stop", "index": 0})
        index = 1
    for offset, call in enumerate(completion.tool_calls):
        block = index + offset
        events.append(
            {
                "type": "content_block_start",
                "index": block,
                "content_block": {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": {},
                },
            }
        )
        events.extend(
            {
                "type": "content_block_delta",
                "index": block,
                "delta": {
                    "type": "input_json_delta",
                    "partial_json": call.arguments[i : i + ARGUMENT_PIECE],
                },
            }
            for i in range(0, len(call.arguments), ARGUMENT_PIECE)
        )
        events.append({"type": "content_block_stop", "index": block})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": _stop_reason(completion), "stop_sequence": None},
            "usage": {"output_tokens": completion.completion_tokens},
        }
    )
    events.append({"type": "message_stop"})
    return events


def _message(completion: Completion, message_id: str, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if completion.content:
        content.append({"type": "text", "text": completion.content})
    for call in completion.tool_calls:
        try:
            arguments = json.loads(call.arguments)
        except ValueError:
            arguments = {}
        content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(completion),
        "stop_sequence": None,
        "usage": {
            "input_tokens": completion.prompt_tokens,
            "output_tokens": completion.completion_tokens,
        },
    }
