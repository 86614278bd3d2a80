"""OpenAI-compatible chat: POST /v1/chat/completions (plain and streamed by SSE) and GET /v1/models, so Open WebUI,
LobeChat, ChatBox or any OpenAI client can use xunda as a model.

The last user message is the question; the earlier user/assistant pairs become the Conversation's turns, so a
follow-up (那抖音呢？) is read against the previous question. The reply is Markdown: how a follow-up was read, the
answer with its [n] markers, then the sources as a list of links with outlet, date and the marked snippet. The
same answer as a structured object (`xunda ask --json`) rides along in the extra field `xunda`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from bot.core.answer import Answer
from bot.core.conversation import KEPT_TURNS, Turn
from bot.core.render import marked, to_json
from bot.http.errors import ApiError, read_json
from bot.http.guards import check_rate, check_token
from bot.http.service import Service, date_range
from bot.texts import message

MODEL_ID = "xunda"

log = logging.getLogger(__name__)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict] | None = None  # a string, or OpenAI's list of parts ({"type": "text", "text": ...})

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens and the like mean nothing to xunda

    model: str | None = None
    messages: list[ChatMessage]
    stream: bool = False
    since: str | None = None  # xunda's own: the date range of `xunda ask --since/--until`
    until: str | None = None
    llm: bool | None = None


router = APIRouter(prefix="/v1", dependencies=[Depends(check_token)])


@router.get("/models")
async def models(request: Request) -> dict:
    service: Service = request.app.state.service
    card = {"id": MODEL_ID, "object": "model", "created": service.started, "owned_by": "xunda"}
    return {"object": "list", "data": [card]}


@router.post("/chat/completions", dependencies=[Depends(check_rate)])
async def chat_completions(request: Request):
    service: Service = request.app.state.service
    body = await read_json(request, ChatRequest)
    question, earlier = split_messages(body.messages)
    service.engine.validate(question)  # an empty or overlong question is a 422 now, before any stream starts
    llm = service.llm_for(body.llm)
    conversation = service.conversation(llm, date_range(body.since, body.until), earlier)
    reply = _Reply(body.model or MODEL_ID)
    if body.stream:
        return StreamingResponse(
            _stream(service, conversation, question, reply),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    turn = await service.answer(conversation, question)
    return reply.completion(to_markdown(turn), turn)


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message, and the turns before it (each user message followed by xunda's reply)."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last is None:
        raise ApiError(422, "invalid_request", "messages: there is no user message to answer")
    turns: list[Turn] = []
    asked: str | None = None
    for m in messages[:last]:
        if m.role == "user":
            asked = " ".join(m.text().split())
        elif m.role == "assistant" and asked:
            turns.append(read_reply(asked, m.text()))
            asked = None
    return messages[last].text(), turns[-KEPT_TURNS:]


# ---- Markdown out, and back in when a client sends it as history ----

# What can start formatting, a link or HTML in Markdown; ( ) and ! only matter after an unescaped ] or before [.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_ESCAPED = re.compile(r"\\([\\`*_\[\]<>#|~])")
_ESCAPED_MARKER = re.compile(r"\\\[(\d{1,3}(?:[,，]\s*\d{1,3})*)\\\]")


def _md(text: str) -> str:
    """Corpus text made inert in Markdown: it can neither format nor inject HTML into the client's view."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_answer(text: str) -> str:
    """The answer made inert like any corpus text, its [n] markers kept as they are."""
    return _ESCAPED_MARKER.sub(r"[\1]", _md(text))


def _link(url: str | None) -> str | None:
    if not url or not re.match(r"https?://", url, re.I):
        return None  # a javascript: or data: link from a document never becomes clickable
    return re.sub(r"[\s()<>]", lambda m: f"%{ord(m.group()):02X}", url)


def _interpreted_prefix() -> str:
    return message("interpreted_as", question="\0").split("\0")[0]


def header(interpreted: str | None) -> str:
    """How a follow-up was read, as the reply's first paragraph (empty for a question of its own)."""
    return message("interpreted_as", question=_md(interpreted)) + "\n\n" if interpreted else ""


def sources(answer: Answer) -> str:
    if not answer.citations:
        return ""
    lines = [message("sources") if answer.answerable else message("nearest_sources")]
    for c in answer.citations:
        doc = c.hit.doc
        meta = " · ".join(part for part in (doc.outlet, (doc.date or "")[:10]) if part)
        url = _link(doc.url)
        title = f"[{_md(doc.title)}]({url})" if url else _md(doc.title)
        lines.append(f"- [{c.n}] {title}" + (f"（{_md(meta)}）" if meta else ""))
        lines.append(f"  > {marked(c.snippet, c.marks, '**', '**', escape=_md)}")
    return "\n\n" + "\n".join(lines)


def to_markdown(turn: Turn) -> str:
    return header(turn.interpreted) + _md_answer(turn.answer.text) + sources(turn.answer)


def read_reply(asked: str, content: str) -> Turn:
    """An earlier reply of ours, sent back as history, read back into the turn it was: the question it answered
    (the follow-up reading when it shows one) and the answer text without the sources."""
    question, text = asked, content.strip()
    prefix = _interpreted_prefix()
    if text.startswith(prefix):
        first, _, text = text.partition("\n\n")
        question = _MD_ESCAPED.sub(r"\1", first[len(prefix) :]).strip() or asked
    for heading in (message("sources"), message("nearest_sources")):
        text = text.split("\n\n" + heading + "\n")[0]
    notice = message("llm_fallback_notice")
    if notice in text:  # a streamed LLM reply that failed verification, then the extractive answer
        text = text.split(notice)[-1]
    text = _MD_ESCAPED.sub(r"\1", text).strip()
    answerable = not text.startswith(message("not_found"))
    return Turn(asked, question, Answer(question, text, answerable, ()), time.monotonic())


# ---- Responses ----


class _Reply:
    def __init__(self, model: str):
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def completion(self, content: str, turn: Turn) -> dict:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "xunda": _extra(turn),
        }

    def chunk(self, delta: dict, finish_reason: str | None = None, turn: Turn | None = None) -> str:
        row = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        if turn is not None:
            row["xunda"] = _extra(turn)
        return _event(row)


def _extra(turn: Turn) -> dict:
    return {**to_json(turn.answer), "interpreted": turn.interpreted}


def _event(row: dict) -> str:
    return f"data: {json.dumps(row, ensure_ascii=False)}\n\n"


async def _stream(service: Service, conversation, question: str, reply: _Reply) -> AsyncIterator[str]:
    """SSE: an LLM's tokens as they come (the REPL's order: reading, tokens, sources; after a reply that failed
    verification, a notice and the extractive answer), else the whole reply in one piece."""
    pieces: asyncio.Queue[str] = asyncio.Queue()
    streamed: list[str] = []
    interpreted: list[str] = []  # the follow-up reading, heard before the answer starts

    def on_token(piece: str) -> None:
        if not streamed:
            pieces.put_nowait(header(interpreted[0] if interpreted else None))
        streamed.append(piece)
        pieces.put_nowait(piece)

    task = asyncio.ensure_future(
        service.answer(
            conversation,
            question,
            on_token=on_token if conversation.llm else None,
            on_interpreted=interpreted.append,
        )
    )
    yield reply.chunk({"role": "assistant", "content": ""})
    try:
        while True:
            getter = asyncio.ensure_future(pieces.get())
            done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            yield reply.chunk({"content": getter.result()})
        while not pieces.empty():
            yield reply.chunk({"content": pieces.get_nowait()})
        turn = task.result()
    except Exception:  # the stream has begun: say so in it rather than cut it off
        log.exception("streamed answer failed")
        task.cancel()
        yield _event({"error": {"message": "internal error; the server log has the details", "type": "server_error"}})
        yield "data: [DONE]\n\n"
        return
    answer = turn.answer
    if streamed and answer.llm is not None and answer.llm.status == "ok":
        rest = sources(answer)
    elif streamed:
        rest = "\n\n" + message("llm_fallback_notice") + "\n\n" + _md_answer(answer.text) + sources(answer)
    else:
        rest = to_markdown(turn)
    yield reply.chunk({"content": rest})
    yield reply.chunk({}, finish_reason="stop", turn=turn)
    yield "data: [DONE]\n\n"

