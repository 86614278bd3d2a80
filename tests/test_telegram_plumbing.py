"""Retries, feedback rows, the token kept out of logs, and the CLI's one-line errors."""

from __future__ import annotations

import io
import json
import logging

import pytest
from click.testing import CliRunner
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.cli.commands import cli
from bot.core.answer import Answer
from bot.core.evaluate import load_cases
from bot.telegram.app import hide_token_in_logs
from bot.telegram.feedback import FeedbackStore
from bot.telegram.retry import RetryingLimiter
from tests.fake_telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class Flaky:
    """A Bot API call that fails with the given errors first, then succeeds."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


async def test_retries_429_5xx_and_timeouts_then_returns_the_result():
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    limiter = RetryingLimiter(sleep=sleep)
    call = Flaky(RetryAfter(3), NetworkError("Internal Server Error"), TimedOut())
    assert await limiter.process_request(call, (), {}, "sendMessage", {}, None) == {"ok": True}
    assert call.calls == 4
    assert slept == [pytest.approx(3.1), 1.0, 2.0]  # Telegram's retry_after, then doubling backoff


async def test_bad_requests_are_not_retried_and_retries_give_up_eventually():
    async def sleep(seconds):
        pass

    limiter = RetryingLimiter(attempts=3, sleep=sleep)
    call = Flaky(BadRequest("message is too long"))
    with pytest.raises(BadRequest):
        await limiter.process_request(call, (), {}, "sendMessage", {}, None)
    assert call.calls == 1
    call = Flaky(*[NetworkError("Bad Gateway")] * 5)
    with pytest.raises(NetworkError):
        await limiter.process_request(call, (), {}, "sendMessage", {}, None)
    assert call.calls == 3


def test_feedback_rows_are_what_xunda_eval_reads(tmp_path):
    store = FeedbackStore(tmp_path / "fb" / "feedback.jsonl")
    answer = Answer("快手2022扶持多少快品牌", "…500+个标杆快品牌。 [1]", True, ())
    store.record(answer, "up", chat_id=-100, user_id=7)
    store.record(answer, "down", chat_id=-100, user_id=8)
    rows = [json.loads(line) for line in store.path.read_text(encoding="utf-8").splitlines()]
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == "快手2022扶持多少快品牌" and rows[0]["chat_id"] == -100
    cases, _ = load_cases(store.path)
    assert len(cases) == 1  # eval keeps the up-voted answers
    with pytest.raises(ValueError):
        store.record(answer, "meh", 1, 1)


def test_the_token_never_reaches_the_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        hide_token_in_logs(TOKEN)
        logging.getLogger("telegram.test").warning("POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logging.getLogger("telegram.test").exception("failed")
    finally:
        root.removeHandler(handler)
    logged = stream.getvalue()
    assert TOKEN not in logged and logged.count("<token>") == 2
    assert logging.getLogger("httpx").level == logging.WARNING  # it logs every request URL at INFO


def test_cli_without_a_token_says_so_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "telegram"], env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no Telegram bot token: set TELEGRAM_BOT_TOKEN or pass --token"


def test_cli_with_a_rejected_token_says_so_in_one_line(tmp_path):
    with FakeTelegram() as fake:
        result = CliRunner().invoke(
            cli, ["--index", str(tmp_path / "index"), "telegram", "--api-url", fake.base_url],
            env={"TELEGRAM_BOT_TOKEN": "999:WRONG"},
        )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: Telegram rejected the bot token (TELEGRAM_BOT_TOKEN / --token)"
    assert "999:WRONG" not in result.output
    assert not (tmp_path / "index").exists()  # refused before loading the model or building an index
