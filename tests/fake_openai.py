"""A fake OpenAI-compatible server on 127.0.0.1 (port 0) for tests: real HTTP, scripted replies, recorded requests.

POST /v1/chat/completions answers with `reply`, or `respond(request_body)` when set, streamed as SSE when the
request asks for it; or with `status` when that is not 200. It waits `delay` seconds first, and a streamed reply
pauses `token_delay` between pieces. Every request body is kept in `requests`, so tests can assert what the
program sent, or that nothing was sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self) -> None:
        self.reply = "快手计划扶持500+个快品牌[1]"
        self.respond: Callable[[dict], str] | None = None  # the reply for a request body, instead of `reply`
        self.status = 200
        self.delay = 0.0  # before the first byte
        self.token_delay = 0.0  # between streamed pieces
        self.piece_chars = 3  # characters per streamed piece, so markers arrive split across pieces
        self.hang_after: int | None = None  # a streamed reply stops after this many pieces and never ends
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True  # a client that gave up must not hold the shutdown
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply_to(self, body: dict) -> str:
        return self.respond(body) if self.respond else self.reply

    def pieces(self, text: str) -> list[str]:
        step = max(1, self.piece_chars)
        return [text[i : i + step] for i in range(0, len(text), step)]


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append({"path": self.path, "headers": headers, "body": body})
            try:
                time.sleep(fake.delay)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                elif fake.status != 200:
                    self._json(fake.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                elif body.get("stream"):
                    self._stream(body.get("model", "fake"), fake.reply_to(body))
                else:
                    self._json(200, _completion(body.get("model", "fake"), fake.reply_to(body)))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, model: str, text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for i, piece in enumerate(fake.pieces(text)):
                if fake.hang_after is not None and i >= fake.hang_after:
                    time.sleep(3600)  # a hung server: the connection stays open, nothing more comes
                self._event(_chunk(model, {"content": piece}, None))
                time.sleep(fake.token_delay)
            self._event(_chunk(model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _event(self, payload: dict) -> None:
            self.wfile.write(b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n")
            self.wfile.flush()

    return Handler


def _completion(model: str, text: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict, finish: str | None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@contextmanager
def serving() -> Iterator[FakeOpenAI]:
    """A started fake server, stopped afterwards."""
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()


def closed_port_url() -> str:
    """A base URL nothing listens on: a port the OS just handed out and took back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def client_for(url: str, timeout: float = 5.0):
    """An LLM client for the fake server (or any URL), as the product builds it."""
    from bot.llm.client import LLMClient

    return LLMClient(url, "fake-model", timeout=timeout)
