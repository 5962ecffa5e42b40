"""A fake Ollama server on 127.0.0.1: `/api/chat` and `/api/generate`, streamed as Ollama streams them.

Ollama's own API, not the OpenAI one: newline-delimited JSON objects, the last with `"done": true`, the
stop reason and the token counts. Each POST takes the next scripted `Reply` and every request body is
recorded, so tests can assert what litellm sent (the `format` field above all).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.openai_server import Reply, Request


@dataclass
class FakeOllama:
    steps: deque[Reply] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def script(self, *steps: Reply) -> FakeOllama:
        self.steps.extend(steps)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def generations(self) -> list[Request]:
        """The requests that asked for a reply (litellm may also ask about the model first)."""
        return [r for r in self.requests if r.path in ("/api/chat", "/api/generate")]

    def start(self) -> FakeOllama:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._json(200, {"models": [{"name": "llama3.1:latest", "model": "llama3.1:latest"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path == "/api/show":  # what litellm may ask about the model: a plain one
                    self._json(200, {"template": "{{ .Prompt }}", "model_info": {}, "capabilities": ["completion"]})
                    return
                if self.path not in ("/api/chat", "/api/generate") or not fake.steps:
                    self._json(404 if fake.steps else 500, {"error": f"nothing scripted for {self.path}"})
                    return
                self._stream(fake.steps.popleft(), body, chat=self.path == "/api/chat")

            def _json(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply, body: dict[str, Any], chat: bool) -> None:
                model = body.get("model", "llama3.1")
                text = reply.content
                pieces = [text[i : i + reply.chunk_size] for i in range(0, len(text), reply.chunk_size)] or [""]
                lines = [_piece(model, piece, chat) for piece in pieces]
                last = _piece(model, "", chat) | {
                    "done": True,
                    "done_reason": reply.finish_reason if reply.finish_reason != "length" else "length",
                    "prompt_eval_count": reply.prompt_tokens,
                    "eval_count": reply.completion_tokens,
                }
                if not body.get("stream", True):
                    whole = _piece(model, text, chat) | {k: v for k, v in last.items() if k not in ("message", "response")}
                    self._json(200, whole)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for line in [*lines, last]:
                        self.wfile.write(json.dumps(line).encode() + b"\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-ollama", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _piece(model: str, text: str, chat: bool) -> dict[str, Any]:
    line: dict[str, Any] = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": False}
    if chat:
        line["message"] = {"role": "assistant", "content": text}
    else:
        line["response"] = text
    return line
