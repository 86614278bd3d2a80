"""The LLM client against a fake OpenAI-compatible server, and the throttle for rate-limited edits."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bot.llm.client import LLMClient, LLMError
from bot.settings import Settings
from bot.telegram.streaming import ThrottledEditor
from tests.fake_openai import client_for, closed_port_url

MESSAGES = [{"role": "system", "content": "规则"}, {"role": "user", "content": "问题"}]


def test_settings_without_base_url_or_model_give_no_client(tmp_path):
    assert LLMClient.from_settings(Settings.from_env({}, index_dir=tmp_path)) is None
    only_url = Settings.from_env({"XUNDA_LLM_BASE_URL": "http://127.0.0.1:1/v1"}, index_dir=tmp_path)
    assert LLMClient.from_settings(only_url) is None


def test_settings_from_environment_configure_the_client(tmp_path):
    env = {"XUNDA_LLM_BASE_URL": "http://127.0.0.1:1/v1", "XUNDA_LLM_MODEL": "qwen2.5", "XUNDA_LLM_TIMEOUT": "3"}
    client = LLMClient.from_settings(Settings.from_env(env, index_dir=tmp_path))
    assert client and client.model == "qwen2.5" and client.timeout == 3.0
    assert client.api_key == "not-needed"


def test_whole_reply(fake_llm):
    fake_llm.reply = "答案[1]"
    assert client_for(fake_llm.base_url).complete(MESSAGES) == "答案[1]"
    body = fake_llm.requests[0]["body"]
    assert body["model"] == "fake-model" and body["messages"] == MESSAGES and not body.get("stream")


def test_api_key_is_sent_as_bearer_token(fake_llm):
    LLMClient(fake_llm.base_url, "m", api_key="sk-test").complete(MESSAGES)
    assert fake_llm.requests[0]["headers"]["authorization"] == "Bearer sk-test"


def test_streamed_reply_arrives_in_pieces(fake_llm):
    fake_llm.reply = "快手计划扶持500+个快品牌[1]"
    pieces: list[str] = []
    text = client_for(fake_llm.base_url).complete(MESSAGES, on_token=pieces.append)
    assert text == fake_llm.reply and "".join(pieces) == fake_llm.reply and len(pieces) > 3
    assert fake_llm.requests[0]["body"]["stream"] is True


async def test_async_callback_is_awaited(fake_llm):
    seen: list[str] = []

    async def on_token(piece: str) -> None:
        seen.append(piece)

    assert await client_for(fake_llm.base_url).acomplete(MESSAGES, on_token) == "".join(seen)


@pytest.mark.parametrize("status", [500, 429, 401])
def test_error_status_raises_llm_error(fake_llm, status):
    fake_llm.status = status
    with pytest.raises(LLMError):
        client_for(fake_llm.base_url).complete(MESSAGES)


@pytest.mark.slow  # waits out deadlines or times runs
def test_slow_first_byte_times_out_within_the_deadline(fake_llm):
    fake_llm.delay = 5
    started = time.monotonic()
    with pytest.raises(LLMError, match="within"):
        client_for(fake_llm.base_url, timeout=0.5).complete(MESSAGES)
    assert time.monotonic() - started < fake_llm.delay / 2  # gave up long before the server would have answered


@pytest.mark.slow  # waits out deadlines or times runs
def test_trickling_stream_is_cut_at_the_deadline(fake_llm):
    # Each read is quick, so only a deadline over the whole reply stops it.
    fake_llm.reply, fake_llm.piece_chars, fake_llm.token_delay = "慢" * 40, 1, 0.1
    started = time.monotonic()
    with pytest.raises(LLMError, match="within"):
        client_for(fake_llm.base_url, timeout=0.8).complete(MESSAGES, on_token=lambda piece: None)
    whole_stream = len(fake_llm.reply) * fake_llm.token_delay
    assert time.monotonic() - started < whole_stream / 2  # cut long before the stream would have ended


def test_server_down_raises_quickly():
    started = time.monotonic()
    with pytest.raises(LLMError, match="Connection"):
        client_for(closed_port_url(), timeout=3).complete(MESSAGES)
    assert time.monotonic() - started < 3  # a refused connection fails at once, not at the deadline


def test_callback_errors_are_not_disguised_as_model_errors(fake_llm):
    def broken(piece: str) -> None:
        raise KeyError("bug in the caller")

    with pytest.raises(KeyError):
        client_for(fake_llm.base_url).complete(MESSAGES, on_token=broken)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class RetryAfter(Exception):
    def __init__(self, retry_after):
        super().__init__("Flood control exceeded")
        self.retry_after = retry_after


async def test_editor_edits_at_most_once_per_interval():
    clock, shown = Clock(), []

    async def edit(text: str) -> None:
        shown.append(text)

    editor = ThrottledEditor(edit, interval=1.0, clock=clock, sleep=clock.sleep)
    for i in range(30):  # 30 pieces over 3 seconds
        await editor.on_token(str(i % 10))
        clock.now += 0.1
    await editor.finish("final")
    assert shown[-1] == "final"
    assert len(shown) <= 5  # at 0.0, ~1.0, ~2.0, and the final text
    assert all(a != b for a, b in zip(shown, shown[1:], strict=False))


@pytest.mark.parametrize("retry_after", [3, timedelta(seconds=3)])
async def test_editor_waits_out_retry_after(retry_after):
    clock, shown, refused = Clock(), [], []

    async def edit(text: str) -> None:
        if not refused:
            refused.append(clock.now)
            raise RetryAfter(retry_after)
        shown.append((clock.now, text))

    editor = ThrottledEditor(edit, interval=1.0, clock=clock, sleep=clock.sleep)
    await editor.on_token("部分")
    clock.now += 1.5
    await editor.on_token("回答")  # still inside the 3 s: skipped, not sent
    assert shown == []
    await editor.finish("部分回答[1]")
    assert shown == [(3.0, "部分回答[1]")]


async def test_editor_passes_other_errors_on():
    async def edit(text: str) -> None:
        raise RuntimeError("message deleted")

    with pytest.raises(RuntimeError):
        await ThrottledEditor(edit).on_token("x")


async def test_editor_final_edit_can_use_another_renderer():
    clock, plain, html = Clock(), [], []

    async def edit(text: str) -> None:
        plain.append(text)

    async def edit_html(text: str) -> None:
        html.append(text)

    editor = ThrottledEditor(edit, interval=1.0, clock=clock, sleep=clock.sleep)
    await editor.on_token("答")
    await editor.finish("<b>答</b>[1]", edit=edit_html)
    assert plain == ["答"] and html == ["<b>答</b>[1]"] and clock.now == 1.0
