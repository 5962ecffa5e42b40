"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test.

Each POST to `/v1/chat/completions` takes the next scripted step: a `Reply` (streamed as server-sent
events when the request asks for a stream), a `Status` (an HTTP error such as 429 or 500), or a `Hang`
(answers only after a delay, to trip the client's timeout). Every request body and its headers are
recorded so tests can assert what the model was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str
    finish_reason: str = "stop"
    prompt_tokens: int = 120
    completion_tokens: int = 80
    chunk_size: int = 40  # characters per streamed chunk
    chunk_delay: float = 0.0


@dataclass
class Status:
    code: int
    message: str = "scripted failure"
    retry_after: float | None = None


@dataclass
class Hang:
    seconds: float
    then: Reply | None = None


Step = Reply | Status | Hang


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        """Every message's content, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class FakeOpenAI:
    steps: deque[Step] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    forever: Step | None = None  # answered once the script runs out
    _server: ThreadingHTTPServer | None = None

    def script(self, *steps: Step, forever: Step | None = None) -> FakeOpenAI:
        self.steps.extend(steps)
        self.forever = forever
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                fake.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                step = fake.steps.popleft() if fake.steps else fake.forever
                if step is None:
                    self._json(500, {"error": {"message": "no scripted reply left", "type": "server_error"}})
                    return
                self._answer(step, body)

            def _answer(self, step: Step, body: dict[str, Any]) -> None:
                if isinstance(step, Hang):
                    time.sleep(step.seconds)
                    if step.then is None:
                        self._json(504, {"error": {"message": "hung", "type": "timeout"}})
                        return
                    step = step.then
                if isinstance(step, Status):
                    headers = {"Retry-After": str(step.retry_after)} if step.retry_after is not None else {}
                    kind = "rate_limit_error" if step.code == 429 else "server_error"
                    self._json(step.code, {"error": {"message": step.message, "type": kind}}, headers)
                elif body.get("stream"):
                    self._stream(step, body)
                else:
                    self._json(200, _completion(step, body.get("model", "fake-model")))

            def _json(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                model = body.get("model", "fake-model")
                text = reply.content
                pieces = [text[i : i + reply.chunk_size] for i in range(0, len(text), reply.chunk_size)] or [""]
                try:
                    self._event(_chunk(model, {"role": "assistant", "content": ""}, None))
                    for piece in pieces:
                        if reply.chunk_delay:
                            time.sleep(reply.chunk_delay)
                        self._event(_chunk(model, {"content": piece}, None))
                    self._event(_chunk(model, {}, reply.finish_reason))
                    if (body.get("stream_options") or {}).get("include_usage"):
                        usage_chunk = _chunk(model, {}, None)
                        usage_chunk["choices"] = []
                        usage_chunk["usage"] = _usage(reply)
                        self._event(usage_chunk)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is its right
                    pass
                self.close_connection = True

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def calls(self) -> int:
        return len(self.requests)


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": _usage(reply),
    }


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
