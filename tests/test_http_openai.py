"""The OpenAI-compatible endpoint over real HTTP, driven by the official `openai` client: plain and streamed replies,
/v1/models, the token as the client's api_key, follow-ups read from the messages, Markdown that corpus text cannot
break, and an LLM (the fake OpenAI server) writing the answer behind xunda."""

from __future__ import annotations

import re

import httpx
import openai
import pytest

from bot.core.answer import Answer, Citation
from bot.core.conversation import Turn
from bot.http.openai_compat import read_reply, to_markdown
from index.documents import Chunk, Document
from index.search import Hit
from tests.fake_openai import client_for
from tests.http_fixtures import EXAMPLE, KUAISHOU_URL


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)


def ask(url: str, *messages: str) -> openai.types.chat.ChatCompletion:
    """Alternate user/assistant messages, last one the user's."""
    roles = ["user" if (len(messages) - 1 - i) % 2 == 0 else "assistant" for i in range(len(messages))]
    return client(url).chat.completions.create(
        model="xunda", messages=[{"role": r, "content": m} for r, m in zip(roles, messages, strict=True)]
    )


def test_models_lists_xunda(url):
    assert [m.id for m in client(url).models.list()] == ["xunda"]


def test_completion_is_the_answer_with_markers_then_linked_sources(url):
    reply = ask(url, EXAMPLE)
    assert reply.object == "chat.completion" and reply.choices[0].finish_reason == "stop"
    content = reply.choices[0].message.content
    answer, _, sources = content.partition("\n\n来源：\n")
    assert "500" in answer and answer.endswith("[1]")
    assert sources.startswith(f"- [1] [定位“新市井电商”平台 快手如何突围？]({KUAISHOU_URL})（中国经营网 · 2022-05-20）")
    assert "\n  > …**" in sources  # the snippet, its answering words in bold
    extra = reply.model_extra["xunda"]  # the structured answer, as /api/ask gives it
    assert extra["answerable"] and extra["citations"][0]["url"] == KUAISHOU_URL and extra["interpreted"] is None


def test_streamed_reply_adds_up_to_the_plain_one(url):
    plain = ask(url, EXAMPLE).choices[0].message.content
    stream = client(url).chat.completions.create(
        model="xunda", messages=[{"role": "user", "content": EXAMPLE}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len({c.id for c in chunks}) == 1


def test_raw_stream_is_server_sent_events_ending_in_done(url):
    body = {"model": "xunda", "stream": True, "messages": [{"role": "user", "content": EXAMPLE}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"


def test_a_question_outside_the_corpus_says_so(url):
    content = ask(url, "拼多多2023年在火星开了几家店？").choices[0].message.content
    assert content.startswith("语料中没有找到这个问题的答案。")
    assert "来源：" not in content  # nearest material, if any, is not called a source


def test_follow_up_is_read_against_the_earlier_turns(url):
    first = ask(url, EXAMPLE).choices[0].message.content
    follow = ask(url, EXAMPLE, first, "那抖音呢？")
    extra = follow.model_extra["xunda"]
    assert extra["interpreted"] == "抖音2022扶持多少快品牌" and extra["question"] == "抖音2022扶持多少快品牌"
    content = follow.choices[0].message.content
    assert content.startswith("按上文理解为：抖音2022扶持多少快品牌\n\n")
    # A follow-up of the follow-up builds on how the last one was read, as the REPL does.
    again = ask(url, EXAMPLE, first, "那抖音呢？", content, "那2021年呢？").model_extra["xunda"]
    assert again["interpreted"] == "抖音2021年扶持多少快品牌"
    # Without the earlier turns the same message is a question of its own.
    assert ask(url, "那抖音呢？").model_extra["xunda"]["interpreted"] is None


@pytest.mark.parametrize(
    ("messages", "status"),
    [
        pytest.param([], 422, id="no-messages"),
        pytest.param([{"role": "system", "content": "你是助手"}], 422, id="no-user-message"),
        pytest.param([{"role": "user", "content": ""}], 422, id="empty-question"),
        pytest.param([{"role": "user", "content": "问" * 10_000}], 422, id="10000-chars"),
        pytest.param([{"role": "user"}], 422, id="no-content"),
    ],
)
def test_bad_chat_requests_are_4xx_errors_the_client_raises(url, messages, status):
    with pytest.raises(openai.APIStatusError) as caught:
        client(url).chat.completions.create(model="xunda", messages=messages)
    assert caught.value.status_code == status and caught.value.body["message"]
    assert ask(url, EXAMPLE).choices[0].message.content  # still answering


def test_bad_json_on_the_chat_endpoint(url):
    headers = {"Content-Type": "application/json"}
    response = httpx.post(f"{url}/v1/chat/completions", content=b'{"messages": [', headers=headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_json"


def test_text_parts_and_extra_openai_fields_are_accepted(url):
    parts = [{"type": "text", "text": "快手2022"}, {"type": "text", "text": "扶持多少快品牌"}]
    reply = client(url).chat.completions.create(
        model="anything", messages=[{"role": "user", "content": parts}], temperature=0.7, max_tokens=50
    )
    assert "500" in reply.choices[0].message.content and reply.model == "anything"


def test_the_token_is_the_clients_api_key(serve):
    with serve(api_token="s3cret") as base:
        with pytest.raises(openai.AuthenticationError):
            client(base, key="wrong").models.list()
        assert client(base, key="s3cret").models.list().data[0].id == "xunda"


def test_date_range_extension_fields(url):
    body = {"messages": [{"role": "user", "content": EXAMPLE}], "until": "2000-01-01"}
    data = httpx.post(f"{url}/v1/chat/completions", json=body).json()
    assert not data["xunda"]["answerable"]
    bad = httpx.post(f"{url}/v1/chat/completions", json={**body, "until": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_date"


# ---- The Markdown: corpus text stays text ----


def hostile_turn() -> Turn:
    text = "正文<script>alert(1)</script>里有**星号**和[链接](http://x.example)。"
    title = "标题<img src=x onerror=alert(1)>"
    doc = Document("d1", title, text, outlet="某网_", date="2022-06-01", url="javascript:alert(1)")
    cite = Citation(1, Hit(Chunk(0, "d1", 0, len(text), text), doc, 0.5, 0.8, 3.0), text, ((0, 2),), 0.9)
    return Turn("问题", "问题", Answer("问题", text + " [1]", True, (cite,)), 0.0)


def test_corpus_text_cannot_format_link_or_inject_html():
    content = to_markdown(hostile_turn())
    ours = content.replace("\n  > ", "\n")  # the blockquote marker before each snippet is ours
    assert not re.search(r"(?<!\\)[<>]", ours)  # every < and > from the corpus is escaped: no HTML
    assert "\\<script\\>" in content
    assert re.search(r"(?<!\\)\]\(http://x\.example\)", content) is None  # the document's own link is text
    assert "](javascript" not in content
    assert "\\*\\*星号\\*\\*" in content and content.count("[1]") == 2  # our own markers stay unescaped


def test_a_reply_sent_back_as_history_reads_back_into_its_turn():
    turn = hostile_turn()
    back = read_reply("问题", to_markdown(turn))
    assert back.question == "问题" and back.answer.text == turn.answer.text and back.answer.answerable
    follow = Turn("那抖音呢？", "抖音2022扶持多少快品牌", turn.answer, 0.0)
    back = read_reply("那抖音呢？", to_markdown(follow))
    assert back.question == "抖音2022扶持多少快品牌" and back.answer.text == turn.answer.text


# ---- With an LLM writing the answer (the fake OpenAI server behind xunda) ----


def test_llm_reply_streams_token_by_token_then_the_sources(serve, fake_llm):
    fake_llm.reply = "快手计划在2022年扶持500个以上的快品牌[1]"
    with serve(llm=client_for(fake_llm.base_url)) as base:
        stream = client(base).chat.completions.create(
            model="xunda", messages=[{"role": "user", "content": EXAMPLE}], stream=True
        )
        pieces = [c.choices[0].delta.content for c in stream if c.choices[0].delta.content]
    content = "".join(pieces)
    assert content.startswith(fake_llm.reply + "\n\n来源：\n- [1] [")
    assert len(pieces) > 5  # the tokens arrived as the model wrote them, not in one block
    assert KUAISHOU_URL in content
    assert fake_llm.requests and fake_llm.requests[-1]["body"]["stream"] is True


def test_llm_reply_that_fails_verification_falls_back_in_the_stream(serve, fake_llm):
    fake_llm.reply = "我不知道出处的一句话"  # no citation: not verified
    with serve(llm=client_for(fake_llm.base_url)) as base:
        stream = client(base).chat.completions.create(
            model="xunda", messages=[{"role": "user", "content": EXAMPLE}], stream=True
        )
        content = "".join(c.choices[0].delta.content or "" for c in stream)
        plain = client(base).chat.completions.create(model="xunda", messages=[{"role": "user", "content": EXAMPLE}])
    assert "（模型的回答未通过核验，改为原文摘录答案）" in content
    after = content.split("（模型的回答未通过核验，改为原文摘录答案）")[1]
    assert "500" in after and KUAISHOU_URL in after
    assert plain.model_extra["xunda"]["answer"] in plain.choices[0].message.content  # plain: just the extractive


def test_llm_can_be_turned_off_per_request(serve, fake_llm):
    with serve(llm=client_for(fake_llm.base_url)) as base:
        data = httpx.post(f"{base}/api/ask", json={"question": EXAMPLE, "llm": False}).json()
    assert data["answerable"] and fake_llm.requests == []
