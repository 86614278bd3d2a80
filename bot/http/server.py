"""Running the app under uvicorn: `xunda serve` in the foreground, or a background server for tests and benchmarks."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bot.core.engine import Engine
from bot.http.app import create_app
from bot.llm.client import LLMClient
from bot.settings import Settings

log = logging.getLogger(__name__)


def run(settings: Settings, engine: Engine, llm: LLMClient | None, host: str, port: int) -> None:
    """Serve until Ctrl-C or SIGTERM."""
    if not settings.api_token and not _is_loopback(host):
        log.warning("serving on %s without XUNDA_API_TOKEN: anyone who can reach this address can ask", host)
    try:
        uvicorn.run(create_app(settings, engine, llm), host=host, port=port, log_level="info", server_header=False)
    except KeyboardInterrupt:  # uvicorn shuts down gracefully on Ctrl-C, then re-raises it: nothing left to say
        pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def serving(app, host: str = "127.0.0.1", timeout: float = 20.0) -> Iterator[str]:
    """The app on a free port of `host` in a background thread; yields its base URL, stops it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="xunda-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the HTTP server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
