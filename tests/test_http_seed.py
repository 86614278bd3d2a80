"""The bars on the product as shipped (the real model over the bundled corpus): the example question on /api/ask and
on /v1/chat/completions, and `xunda serve` itself as a process answering it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from bot.core.conversation import Conversation
from bot.core.render import to_json
from bot.http.app import create_app
from bot.http.server import serving
from tests.http_fixtures import EXAMPLE, KUAISHOU_URL

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed_url(seed_engine):
    with serving(create_app(seed_engine.settings, seed_engine)) as url:
        yield url


def test_api_ask_answers_the_example_with_500_and_the_kuaishou_link_first(seed_url, seed_engine):
    body = httpx.post(f"{seed_url}/api/ask", json={"question": EXAMPLE}, timeout=60).json()
    assert body["answerable"] and "500" in body["answer"]
    assert body["citations"][0]["n"] == 1 and body["citations"][0]["url"] == KUAISHOU_URL
    assert body == to_json(Conversation(seed_engine).ask(EXAMPLE).answer)  # exactly `xunda ask --json`


@pytest.mark.parametrize("stream", [False, True])
def test_chat_completions_answers_the_example_with_500_and_the_link(seed_url, stream):
    client = openai.OpenAI(base_url=f"{seed_url}/v1", api_key="unused", max_retries=0)
    messages = [{"role": "user", "content": EXAMPLE}]
    if stream:
        chunks = client.chat.completions.create(model="xunda", messages=messages, stream=True)
        content = "".join(c.choices[0].delta.content or "" for c in chunks)
    else:
        content = client.chat.completions.create(model="xunda", messages=messages).choices[0].message.content
    answer = content.split("\n\n来源：")[0]
    assert "500" in answer and "[1]" in answer
    assert f"[1] [定位“新市井电商”平台 快手如何突围？]({KUAISHOU_URL})" in content


def test_xunda_serve_answers_over_http_and_stops_cleanly(seed_engine, tmp_path):
    """The command a user runs: port 0 so the OS picks a free one; the log line says which."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNDA_")}
    env["XUNDA_INDEX"] = str(seed_engine.settings.index_dir)  # built by the fixture; the process loads it
    env["PYTHONPATH"] = str(ROOT)  # the code under test, whatever is installed
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C as in a terminal, even when
    )  # the test run itself was started in the background (which hands children an ignored SIGINT)
    try:
        base = None
        deadline = time.monotonic() + 120
        seen = []
        while base is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            base = found.group(1) if found else None
        assert base, "".join(seen)
        body = httpx.post(f"{base}/api/ask", json={"question": EXAMPLE}, timeout=60).json()
        assert "500" in body["answer"] and body["citations"][0]["url"] == KUAISHOU_URL
        assert httpx.get(f"{base}/").text.startswith("<!doctype html>")
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C; SIGTERM also shuts down gracefully, then exits by the signal
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert "Application shutdown complete" in output and "Traceback" not in output
