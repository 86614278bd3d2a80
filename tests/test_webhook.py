"""Webhook mode end to end (issue 11; issue 16, finding 4): the real `xunda telegram --webhook-url …` process,
with updates POSTed to it over loopback as Telegram would, and its replies going to the fake Bot API.

A forged update (no secret token, or the wrong one) gets 403 and is never answered; without --secret-token the
process makes a random one and gives it to setWebhook; it listens on loopback unless told otherwise; and the token
comes from a file, never the command line, so `ps` does not show it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "快手2022扶持多少快品牌"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (from /proc/net/tcp, IPv4)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def update(update_id: int, text: str, user_id: int = 1001) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "U"},
        "from": {"id": user_id, "is_bot": False, "first_name": "U"}}}


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


def start_bot(fake, index_dir: Path, tmp_path: Path, *args: str) -> subprocess.Popen:
    token_file = tmp_path / "bot.token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNDA_", "TELEGRAM_"))}
    env.update(XUNDA_TELEGRAM_API_URL=fake.base_url, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    command = [sys.executable, "-m", "bot", "--index", str(index_dir), "telegram", "--token-file", str(token_file),
               "--feedback", str(tmp_path / "feedback.jsonl"), *args]
    # Ctrl-C's default action even when the test run was started in the background (an ignored SIGINT otherwise)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_webhook(fake, process: subprocess.Popen, timeout: float = 180.0) -> dict:
    """setWebhook's fields, once the process has started serving."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fake.sent("setWebhook"):
            return fake.sent("setWebhook")[-1]
        if process.poll() is not None:
            raise AssertionError(f"xunda telegram exited: {process.stdout.read()}")
        time.sleep(0.1)
    raise AssertionError("the webhook was never set")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


async def answers_to(fake, chat_id: int, count: int = 1, timeout: float = 60.0) -> list[dict]:
    return await fake.wait_for(count=count, timeout=timeout, where=lambda f: f.get("chat_id") == str(chat_id))


@pytest.mark.parametrize("given_secret", [True, False], ids=["--secret-token", "generated"])
async def test_webhook_refuses_forged_updates_and_answers_real_ones(fake, seed_engine, tmp_path, given_secret):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook/x9"
    args = ["--webhook-url", url, "--port", str(port)]
    if given_secret:
        args += ["--listen", "127.0.0.1", "--secret-token", "S3cret-token_for-test"]
    process = start_bot(fake, seed_engine.settings.index_dir, tmp_path, *args)
    try:
        webhook = wait_for_webhook(fake, process)
        secret = webhook.get("secret_token")
        if given_secret:
            assert secret == "S3cret-token_for-test"
        else:  # made for this run: random, long, and in the alphabet Telegram accepts
            assert secret and len(secret) >= 32 and secret.replace("-", "").replace("_", "").isalnum()
        assert webhook["url"] == url
        deadline = time.monotonic() + 30
        while not listening_addresses(port) and time.monotonic() < deadline:  # setWebhook may come first
            time.sleep(0.1)
        assert listening_addresses(port) == {"127.0.0.1"}  # loopback, also when --listen is not given
        assert TOKEN not in Path(f"/proc/{process.pid}/cmdline").read_text()  # not in `ps`

        # Forged: an allowed-looking update without the secret, or with a wrong one.
        assert post(url, update(1, EXAMPLE, user_id=4242), None) == 403
        assert post(url, update(2, EXAMPLE, user_id=4243), "wrong") == 403
        assert post(url, update(3, EXAMPLE, user_id=1001), secret) == 200
        [reply] = await answers_to(fake, 1001)
    finally:
        output = stop(process)
    assert "500" in reply["text"] and reply["parse_mode"] == "HTML"
    assert reply["reply_parameters"]["message_id"] == 3
    chats = {f["chat_id"] for f in fake.sent() + fake.sent("sendChatAction")}
    assert chats == {"1001"}, "a forged update was answered"
    assert "Traceback" not in output and TOKEN not in output and (secret not in output)
