"""The bot end to end: the Application `xunda telegram` builds, long-polling a fake Bot API over real HTTP.

Assertions are on what the fake server received, as Telegram would have.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest

from bot.core.answer import Answer
from bot.settings import Settings
from bot.telegram.app import build_application, polling
from tests.fake_telegram import BOT_USER, TOKEN, FakeTelegram

# PTB's own RetryAfter constructor warns about a future type change; nothing to act on here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

EXAMPLE = "快手2022扶持多少快品牌"
EXAMPLE_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268"


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@asynccontextmanager
async def running_bot(fake, engine, tmp_path, **changes):
    """The bot serving `fake`; yields the handler errors it recorded (tests expect none unless provoked)."""
    settings = Settings.from_env(
        {},
        index_dir=engine.settings.index_dir,
        telegram_token=TOKEN,
        telegram_api_url=fake.base_url,
        feedback_path=tmp_path / "feedback.jsonl",
        **changes,
    )
    app = build_application(settings, engine)
    errors = []

    async def record(update, context):
        errors.append(context.error)

    app.add_error_handler(record)
    async with polling(app, timeout=0.2):  # a short long-poll: quick shutdown
        yield errors


def replies_to(message: dict):
    return lambda fields: fields.get("reply_parameters", {}).get("message_id") == message["message_id"]


async def test_example_question_gets_one_cited_reply(fake, seed_engine, tmp_path):
    async with running_bot(fake, seed_engine, tmp_path) as errors:
        question = fake.message(EXAMPLE)
        [reply] = await fake.wait_for(where=replies_to(question))
    assert not errors
    assert len(fake.sent()) == 1
    assert reply["parse_mode"] == "HTML" and "500" in reply["text"]
    assert f'<a href="{EXAMPLE_URL.replace("&", "&amp;")}">' in reply["text"]
    assert "<b>" in reply["text"] and "[1]" in reply["text"]
    assert reply["chat_id"] == str(question["chat"]["id"])
    buttons = [b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    # The answer's one source is all that bears on it, so there is no 更多来源 button, only the votes.
    assert [b.split(":")[0] for b in buttons] == ["up", "down"]
    assert fake.sent("sendChatAction")[0]["action"] == "typing"
    commands = fake.sent("setMyCommands")[0]["commands"]
    assert {c["command"] for c in commands} >= {"start", "help", "ask", "stats"}


async def test_followup_is_read_from_the_previous_turn(fake, seed_engine, tmp_path):
    async with running_bot(fake, seed_engine, tmp_path) as errors:
        first = fake.message(EXAMPLE)
        await fake.wait_for(where=replies_to(first))
        second = fake.message("那抖音呢？")
        [reply] = await fake.wait_for(where=replies_to(second))
    assert not errors
    assert "按上文理解为：抖音2022扶持多少快品牌" in reply["text"]


async def test_group_answers_only_when_addressed(fake, seed_engine, tmp_path):
    group = {"chat_id": -100, "chat_type": "supergroup"}
    async with running_bot(fake, seed_engine, tmp_path) as errors:
        chatter = fake.message(EXAMPLE, **group)
        mentioned = fake.message(EXAMPLE, mention=True, **group)
        await fake.wait_for(where=replies_to(mentioned))
        command = fake.message(f"/ask@{BOT_USER['username']} {EXAMPLE}", **group)
        await fake.wait_for(where=replies_to(command))
        bot_message = {"message_id": 5, "date": 0, "chat": {"id": -100, "type": "supergroup"}, "from": BOT_USER}
        reply_to_bot = fake.message("那抖音呢？", reply_to=bot_message, **group)
        await fake.wait_for(where=replies_to(reply_to_bot))
    assert not errors
    assert not [f for f in fake.sent() if replies_to(chatter)(f)]
    assert len(fake.sent()) == 3


async def test_users_outside_the_allow_list_are_refused(fake, seed_engine, tmp_path):
    async with running_bot(fake, seed_engine, tmp_path, allowed_ids=frozenset({1001})) as errors:
        stranger = fake.message(EXAMPLE, user_id=2002)
        [refusal] = await fake.wait_for(where=replies_to(stranger))
        friend = fake.message(EXAMPLE, user_id=1001)
        [answer] = await fake.wait_for(where=replies_to(friend))
    assert not errors
    assert "受邀用户" in refusal["text"] and "500" not in refusal["text"]
    assert "500" in answer["text"]


async def test_rate_limit_answers_politely(fake, seed_engine, tmp_path):
    async with running_bot(fake, seed_engine, tmp_path, rate_limit_per_minute=1) as errors:
        first = fake.message(EXAMPLE)
        await fake.wait_for(where=replies_to(first))
        second = fake.message(EXAMPLE)
        [reply] = await fake.wait_for(where=replies_to(second))
    assert not errors
    assert "太快" in reply["text"]


async def test_429_and_500_are_retried_and_the_reply_arrives(fake, seed_engine, tmp_path):
    fake.fail("sendMessage", 429, retry_after=1)
    fake.fail("sendMessage", 500)
    async with running_bot(fake, seed_engine, tmp_path) as errors:
        question = fake.message(EXAMPLE)
        [reply] = await fake.wait_for(where=replies_to(question), timeout=30)
    assert not errors
    assert "500" in reply["text"]
    attempts = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert attempts == [429, 500, 200]


class ManySourcesEngine:
    """The real engine, with the sources of two other questions added to each answer: the 更多来源 flow needs an
    answer with more than one source, which the seed corpus no longer gives (other articles are listed only when
    they bear on the question)."""

    def __init__(self, engine):
        self.engine = engine

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def ask(self, question: str, dates=None) -> Answer:
        answer = self.engine.ask(question)
        others = ("抖音电商总裁是谁？", "2020年中国社交电子商务市场规模是多少？")
        extra = [c for other in others for c in self.engine.ask(other).citations]
        first = len(answer.citations) + 1
        return replace(answer, citations=answer.citations + tuple(replace(c, n=n) for n, c in enumerate(extra, first)))


async def test_buttons_show_more_sources_and_record_votes(fake, seed_engine, tmp_path):
    async with running_bot(fake, ManySourcesEngine(seed_engine), tmp_path) as errors:
        question = fake.message(EXAMPLE)
        [reply] = await fake.wait_for(where=replies_to(question))
        buttons = {
            b["callback_data"].split(":")[0]: b["callback_data"]
            for row in reply["reply_markup"]["inline_keyboard"]
            for b in row
        }
        bot_message = {
            "message_id": 999,
            "date": 0,
            "chat": {"id": 1001, "type": "private"},
            "from": BOT_USER,
            "text": "x",
        }
        fake.callback(buttons["more"], bot_message)
        [edit] = await fake.wait_for("editMessageText")
        fake.callback(buttons["up"], bot_message)
        fake.callback(buttons["down"], bot_message)
        await fake.wait_for("answerCallbackQuery", count=3)
    assert not errors
    assert edit["message_id"] == "999" and edit["parse_mode"] == "HTML"
    assert "[1]" in edit["text"] and "[2]" in edit["text"] and "[3]" in edit["text"]
    assert "more" not in json.dumps(edit["reply_markup"])
    rows = [json.loads(line) for line in (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1  # the second vote of the same user is not counted again
    row = rows[0]
    assert row["vote"] == "up" and row["question"] == EXAMPLE and row["answerable"] is True
    assert row["user_id"] == 1001 and row["chat_id"] == 1001 and "500" in row["answer"]
    assert row["doc_ids"][0].rsplit("/", 1)[-1].startswith("003_")  # the Kuaishou article (新市井电商) is source 1
    assert set(row) == {"ts", "chat_id", "user_id", "question", "answer", "answerable", "doc_ids", "vote"}


class LongAnswerEngine:
    """An engine whose answers are far longer than one Telegram message."""

    settings = None

    def __init__(self, settings):
        self.settings = settings

    def validate(self, question: str) -> str:
        return question

    def ask(self, question: str, dates=None) -> Answer:
        paragraph = "长答案的一句话，包含<尖括号>与&符号。" * 40
        return Answer(question, "\n\n".join(f"{i}：{paragraph}" for i in range(12)), True, ())


async def test_long_reply_is_split_within_the_limit(fake, fake_settings, tmp_path):
    async with running_bot(fake, LongAnswerEngine(fake_settings), tmp_path) as errors:
        question = fake.message("随便问")
        await fake.wait_for(count=3)
        await fake.wait_for(where=lambda f: "11：" in f["text"])
    assert not errors
    parts = fake.sent()
    assert all(len(p["text"].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) <= 4096 for p in parts)
    assert "reply_parameters" in parts[0] and parts[0]["reply_parameters"]["message_id"] == question["message_id"]
    assert all("reply_parameters" not in p for p in parts[1:])
    assert "reply_markup" in parts[-1] and all("reply_markup" not in p for p in parts[:-1])
    assert all(p["text"].endswith("。") for p in parts)  # cut at sentence or paragraph ends
    assert "&lt;尖括号&gt;" in parts[0]["text"]


class BrokenEngine(LongAnswerEngine):
    def ask(self, question: str, dates=None) -> Answer:
        if question == "boom":
            raise RuntimeError("engine exploded")
        return Answer(question, "好的", True, ())


async def test_handler_errors_apologise_and_the_bot_keeps_running(fake, fake_settings, tmp_path):
    async with running_bot(fake, BrokenEngine(fake_settings), tmp_path) as errors:
        fake.message("boom")
        await fake.wait_for(where=lambda f: "抱歉" in f["text"])
        later = fake.message("还在吗")
        await fake.wait_for(where=replies_to(later))
    assert [str(e) for e in errors] == ["engine exploded"]


async def test_admin_upload_becomes_answerable(fake, fake_engine, tmp_path):
    fact = "星河优选宣布，2023年将投入88亿元，扶持9527家县域小微商家开展直播带货。"
    content = f"星河优选发布县域扶持计划\n\n{fact}\n\n该计划覆盖全国二十个省份。".encode()
    async with running_bot(fake, fake_engine, tmp_path, admin_ids=frozenset({1})) as errors:
        fake.document("../../星河 计划.txt", content, user_id=2)  # not an admin
        fake.document("../../evil.exe", b"MZ", user_id=1)
        fake.document("../../星河 计划.txt", content, user_id=1)
        [summary] = await fake.wait_for(where=lambda f: "已收录" in f["text"])
        question = fake.message("星河优选2023年扶持多少县域小微商家", user_id=1)
        [answer] = await fake.wait_for(where=replies_to(question))
    assert not errors
    texts = [f["text"] for f in fake.sent()]
    assert any("只有管理员" in t for t in texts)
    assert any("不支持这种文件" in t for t in texts)
    assert "新增 1 篇" in summary["text"]
    uploads = fake_engine.settings.index_dir.parent / "uploads"
    assert [p.name for p in uploads.iterdir()] == ["星河_计划.txt"]
    assert [c.method for c in fake.calls].count("download") == 1
    assert "9527" in answer["text"]


async def test_stats_and_help(fake, seed_engine, tmp_path):
    async with running_bot(fake, seed_engine, tmp_path, admin_ids=frozenset({1001})) as errors:
        stats = fake.message("/stats")
        [stats_reply] = await fake.wait_for(where=replies_to(stats))
        help_ = fake.message("/help")
        [help_reply] = await fake.wait_for(where=replies_to(help_))
        reload = fake.message("/reload")
        [reload_reply] = await fake.wait_for(where=replies_to(reload))
    assert not errors
    assert f"文档：{seed_engine.stats()['documents']} 篇" in stats_reply["text"]
    assert EXAMPLE in help_reply["text"] and "/reload" in help_reply["text"]
    assert "索引已是最新" in reload_reply["text"]


async def test_llm_answer_streams_into_one_message_and_keeps_only_valid_citations(
    fake, seed_engine, tmp_path, fake_llm
):
    fake_llm.reply = "快手计划扶持500+个快品牌[1][99]"
    llm = {"llm_base_url": fake_llm.base_url, "llm_model": "fake-model"}
    async with running_bot(fake, seed_engine, tmp_path, **llm) as errors:
        question = fake.message(EXAMPLE)
        [placeholder] = await fake.wait_for(where=replies_to(question))
        edits = await fake.wait_for("editMessageText", where=lambda f: f.get("parse_mode") == "HTML")
    assert not errors and len(fake.sent()) == 1  # one message, written by edits
    final = edits[-1]["text"]
    assert "快手计划扶持500+个快品牌[1]" in final and "[99]" not in final
    assert f'<a href="{EXAMPLE_URL.replace("&", "&amp;")}">' in final
    assert len(fake_llm.requests) == 1
