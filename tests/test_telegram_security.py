"""The bot's defences from the security review (issue 16): button tokens (finding 7), upload quotas and bounded
per-user state (finding 9). End to end over the fake Bot API, with the fast fake-embedder engine."""

from __future__ import annotations

import json
import sys

import pytest

from bot.core.ratelimit import RateLimit
from tests.fake_telegram import BOT_USER, FakeTelegram
from tests.test_telegram_bot import replies_to, running_bot

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

QUESTION = "快手2022扶持多少快品牌"
GROUP, OTHER_GROUP = -100, -200


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


def buttons(reply: dict) -> dict[str, str]:
    return {b["callback_data"].split(":")[0]: b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"]
            for b in row}


def bot_message(chat_id: int, chat_type: str = "supergroup") -> dict:
    return {"message_id": 999, "date": 0, "chat": {"id": chat_id, "type": chat_type}, "from": BOT_USER, "text": "x"}


def votes(tmp_path) -> list[dict]:
    path = tmp_path / "feedback.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


async def test_button_tokens_are_random_and_fit_telegrams_limit(fake, fake_engine, tmp_path):
    async with running_bot(fake, fake_engine, tmp_path) as errors:
        questions = [fake.message(f"{QUESTION}？{i}") for i in range(4)]
        replies = [(await fake.wait_for(where=replies_to(q)))[0] for q in questions]
    assert not errors
    tokens = [buttons(r)["up"].split(":", 1)[1] for r in replies]
    assert len(set(tokens)) == 4 and all(len(t) >= 22 for t in tokens)  # 128 random bits each
    assert not any(t in {"1", "2", "3", "4"} or t.isdigit() for t in tokens)  # no longer sequential hex
    assert all(len(data.encode()) <= 64 for r in replies for data in buttons(r).values())


async def test_a_token_is_void_outside_the_chat_where_the_answer_was_given(fake, fake_engine, tmp_path):
    """The review: any member of a group could expand or vote on an answer by guessing or reusing its token."""
    async with running_bot(fake, fake_engine, tmp_path) as errors:
        question = fake.message(QUESTION, chat_id=GROUP, chat_type="supergroup", mention=True)
        [reply] = await fake.wait_for(where=replies_to(question))
        up = buttons(reply)["up"]
        fake.callback(up, bot_message(OTHER_GROUP), user_id=3003)  # the token, replayed in another chat
        fake.callback("up:1", bot_message(GROUP), user_id=3004)  # a guess in the old sequential style
        answered = await fake.wait_for("answerCallbackQuery", count=2)
    assert not errors
    assert all(a.get("text") == "这条回答已过期，请重新提问。" for a in answered)
    assert votes(tmp_path) == [] and not fake.sent("editMessageText")


async def test_one_vote_per_user_per_answer(fake, fake_engine, tmp_path):
    async with running_bot(fake, fake_engine, tmp_path) as errors:
        question = fake.message(QUESTION, chat_id=GROUP, chat_type="supergroup", mention=True, user_id=1001)
        [reply] = await fake.wait_for(where=replies_to(question))
        b = buttons(reply)
        for user, vote in [(1001, "up"), (1001, "up"), (1001, "down"), (2002, "down"), (2002, "down")]:
            fake.callback(b[vote], bot_message(GROUP), user_id=user)
        await fake.wait_for("answerCallbackQuery", count=5)
    assert not errors
    rows = votes(tmp_path)
    assert sorted((r["user_id"], r["vote"]) for r in rows) == [(1001, "up"), (2002, "down")]
    assert all(r["chat_id"] == GROUP for r in rows)


def upload(name: str, size: int = 300) -> bytes:
    """About `size` bytes of UTF-8 text: a title line and paragraphs."""
    line = f"{name}的新闻：星河优选宣布投入88亿元扶持县域商家开展直播带货。\n\n"
    return (f"{name}的新闻\n\n" + line * max(1, size // len(line.encode()))).encode()


def upload_outcome(fields: dict) -> bool:
    """The last reply to an upload: done, failed, or refused (not the 'working on it' line)."""
    return any(word in fields["text"] for word in ("已收录", "收录失败", "抱歉"))


async def test_upload_quotas_per_admin_and_in_total(fake, fake_engine, tmp_path):
    """The review: uploads had no limit on count or disk."""
    limits = {"upload_files_per_admin": 2, "upload_files_total": 3, "upload_bytes_per_admin": 4000,
              "upload_bytes_total": 1_000_000}
    outcomes = {}
    async with running_bot(fake, fake_engine, tmp_path, admin_ids=frozenset({1, 2}), **limits) as errors:
        for label, name, admin, size in [("a", "a.txt", 1, 300), ("b", "b.txt", 1, 300), ("c", "c.txt", 1, 300),
                                         ("a again", "a.txt", 1, 300), ("big", "big.txt", 2, 5000),
                                         ("d", "d.txt", 2, 300), ("e", "e.txt", 2, 300)]:
            fake.document(name, upload(name, size), user_id=admin)
            [outcome] = await fake.wait_for(where=upload_outcome)
            outcomes[label] = outcome["text"]
            fake.calls.clear()
    assert not errors
    assert "已收录" in outcomes["a"] and "已收录" in outcomes["b"] and "已收录" in outcomes["d"]
    assert "每位管理员 2 个文件" in outcomes["c"]  # admin 1 has 2 files
    assert "已收录" in outcomes["a again"]  # replacing one of them adds nothing
    assert "每位管理员" in outcomes["big"] and "已用 0 个" in outcomes["big"]  # over admin 2's bytes
    assert "上传区已满" in outcomes["e"]  # 3 files in the store
    stored = sorted(p.name for p in fake_engine.settings.uploads_dir.iterdir() if not p.name.startswith("."))
    assert stored == ["a.txt", "b.txt", "d.txt"]


async def test_upload_quota_replies_name_the_limit(fake, fake_engine, tmp_path):
    async with running_bot(fake, fake_engine, tmp_path, admin_ids=frozenset({1}), upload_files_per_admin=1) as errors:
        fake.document("a.txt", upload("a"), user_id=1)
        await fake.wait_for(where=lambda f: "已收录" in f["text"])
        fake.document("b.txt", upload("b"), user_id=1)
        [refusal] = await fake.wait_for(where=lambda f: "上限" in f["text"])
    assert not errors
    assert "每位管理员 1 个文件" in refusal["text"] and "已用 1 个" in refusal["text"]
    assert [c.method for c in fake.calls].count("download") == 1  # the refused file was not even downloaded


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_table_forgets_idle_users():
    """The review: 100k users held 87 MB that was never freed."""
    clock = Clock()
    limit = RateLimit(per_minute=5, clock=clock)
    for user in range(100_000):
        clock.now += 0.001  # 100k users over 100 s
        assert limit.wait(user) == 0.0
    assert len(limit) <= 60_001  # only the users of the last minute
    clock.now += 61
    limit.wait(1)
    assert len(limit) == 1


def test_rate_limit_table_is_capped_and_still_limits():
    clock = Clock()
    limit = RateLimit(per_minute=2, clock=clock, max_users=1000)
    for user in range(5000):
        limit.wait(user)
    assert len(limit) == 1000
    assert limit.wait(7) == 0.0 and limit.wait(7) == 0.0 and limit.wait(7) > 0  # the limit still holds
    assert sys.getsizeof(limit._seen) < 200_000


@pytest.mark.parametrize("kept", ["_conversations", "_turns"])
def test_memory_tables_are_bounded(kept):
    from bot.telegram.state import KEPT_ANSWERS, KEPT_CONVERSATIONS, Memory

    memory = Memory(lambda: object())
    if kept == "_conversations":
        for user in range(KEPT_CONVERSATIONS + 500):
            memory.conversation(1, user)
        assert len(memory._conversations) == KEPT_CONVERSATIONS
    else:
        for _ in range(KEPT_ANSWERS + 500):
            memory.keep(object())
        assert len(memory._turns) == KEPT_ANSWERS
