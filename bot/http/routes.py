"""xunda's own API: /api/ask (exactly the object of `xunda ask --json`), /api/stats, /healthz, and the page at /."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from bot.core.render import to_json
from bot.http.errors import read_json
from bot.http.guards import check_rate, check_token
from bot.http.page import page_response
from bot.http.service import Service, date_range


class AskRequest(BaseModel):
    question: str
    since: str | None = None  # YYYY-MM-DD: only articles published on or after this day
    until: str | None = None
    llm: bool | None = None  # None: the server's default (an LLM writes the answer when one is configured)


api = APIRouter(prefix="/api", dependencies=[Depends(check_token)])
public = APIRouter()


def service_of(request: Request) -> Service:
    return request.app.state.service


@api.post("/ask", dependencies=[Depends(check_rate)])
async def ask(request: Request) -> dict:
    service = service_of(request)
    body = await read_json(request, AskRequest)
    llm = service.llm_for(body.llm)
    conversation = service.conversation(llm, date_range(body.since, body.until))
    turn = await service.answer(conversation, body.question)
    return to_json(turn.answer)


@api.get("/stats")
async def stats(request: Request) -> dict:
    return await service_of(request).stats()


@public.get("/healthz")
async def healthz() -> dict:
    """For load balancers: the process is up and its event loop answers (no engine work, so no queueing)."""
    return {"status": "ok"}


@public.get("/", response_class=HTMLResponse)
async def page() -> HTMLResponse:
    return page_response()
