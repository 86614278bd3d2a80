"""A streamed LLM reply in Telegram always ends as the checked answer (issue 16, finding 3; issue 11, a hung LLM).

The fake Bot API refuses what Telegram refuses (over 4096 characters, malformed HTML) and keeps what each message
shows now (`fake.screen`), so these tests assert what a user would see once the bot is done.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.fake_telegram import FakeTelegram, telegram_text_problem
from tests.test_telegram_bot import EXAMPLE, replies_to, running_bot

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


def llm_settings(fake_llm, timeout: float = 20.0) -> dict:
    return {"llm_base_url": fake_llm.base_url, "llm_model": "fake-model", "llm_timeout": timeout}


async def final_screen(fake, question: dict, want: str, timeout: float = 60.0) -> list[str]:
    """The texts of the bot's messages in the question's chat, once one of them shows `want`."""
    chat = question["chat"]["id"]

    def shown() -> list[str]:
        return [text for (c, _), text in sorted(fake.screen.items()) if c == chat]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(want in t for t in shown()):
        await asyncio.sleep(0.05)
    return shown()


async def test_a_stream_longer_than_one_message_ends_as_the_checked_answer(fake, seed_engine, tmp_path, fake_llm):
    """The review: a stream over 4096 characters made edit_text raise, and the unchecked text stayed."""
    fake_llm.reply = "快手计划扶持500+个快品牌[1]。" + "这是一段很长的补充说明。" * 800  # ~10,000 characters
    fake_llm.piece_chars, fake_llm.token_delay = 200, 0.06  # over 3 s, so edits show it at ~3,300 and ~6,600
    async with running_bot(fake, seed_engine, tmp_path, **llm_settings(fake_llm)) as errors:
        question = fake.message(EXAMPLE)
        screen = await final_screen(fake, question, "来源")
    assert not errors
    assert all(c.status != 400 for c in fake.calls), [c.fields.get("text", "")[:40] for c in fake.calls
                                                      if c.status == 400]
    assert screen[0].startswith("快手计划扶持500+个快品牌[1]。")  # the checked LLM answer, split in parts
    assert any("来源" in part for part in screen)
    assert all(telegram_text_problem({"text": t, "parse_mode": "HTML"}) is None for t in screen)


@pytest.mark.parametrize(
    "reply",
    [
        "快手计划扶持500+个快品牌[1]。详情请访问 https://evil.example/phish 或 t.me/evilbot [1]",  # no source has it
        "快手计划扶持500+个快品牌，我没有来源。",  # no citation
    ],
)
async def test_a_stream_that_fails_the_check_is_replaced_by_the_extractive_answer(
    fake, seed_engine, tmp_path, fake_llm, reply
):
    fake_llm.reply = reply
    async with running_bot(fake, seed_engine, tmp_path, **llm_settings(fake_llm)) as errors:
        question = fake.message(EXAMPLE)
        screen = await final_screen(fake, question, "来源")
    assert not errors
    extractive = seed_engine.ask(EXAMPLE).text
    assert len(screen) == 1 and extractive in screen[0].replace("&amp;", "&")
    assert "我没有来源" not in screen[0] and "evil" not in screen[0]
    edited = [c.fields["message_id"] for c in fake.calls if c.method == "editMessageText"]
    assert edited, "the streamed message itself was replaced"


async def test_a_stream_whose_message_cannot_be_edited_is_withdrawn_and_the_answer_sent(
    fake, seed_engine, tmp_path, fake_llm
):
    """Every edit refused (a 400, as for a message the user deleted): the streamed text goes, the answer comes."""
    fake_llm.reply = "快手计划扶持500+个快品牌[1]。详情请访问 https://evil.example/phish"
    fake.fail("editMessageText", 400, times=100)
    async with running_bot(fake, seed_engine, tmp_path, **llm_settings(fake_llm)) as errors:
        question = fake.message(EXAMPLE)
        screen = await final_screen(fake, question, "来源")
    assert not errors
    assert [c.method for c in fake.calls].count("deleteMessage") == 1
    assert len(screen) == 1 and "来源" in screen[0] and "evil" not in screen[0]
    assert seed_engine.ask(EXAMPLE).text in screen[0].replace("&amp;", "&")


async def test_an_llm_that_hangs_mid_stream_gives_the_extractive_answer_within_the_timeout(
    fake, seed_engine, tmp_path, fake_llm
):
    """Issue 11: the server sends a few pieces, then nothing, with the connection open."""
    fake_llm.reply = "快手计划扶持500+个快品牌[1]，而且还有更多内容。" * 3
    fake_llm.hang_after = 4
    async with running_bot(fake, seed_engine, tmp_path, **llm_settings(fake_llm, timeout=2)) as errors:
        question = fake.message(EXAMPLE)
        [placeholder] = await fake.wait_for(where=replies_to(question), timeout=10)
        screen = await final_screen(fake, question, "来源", timeout=15)  # 2 s timeout, generous margin
    assert not errors
    assert placeholder["text"] == "…"  # the stream had begun
    assert len(screen) == 1 and seed_engine.ask(EXAMPLE).text in screen[0].replace("&amp;", "&")
    assert "更多内容" not in screen[0]
