"""What every route shares: the engine with its one question thread, the optional LLM, and one Conversation per
request, made from the request's earlier turns when it has them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from bot.core.conversation import Conversation, Turn
from bot.core.engine import Engine
from bot.core.ratelimit import RateLimit
from bot.http.errors import ApiError
from bot.llm.client import LLMClient, OnToken
from bot.settings import Settings
from index.dates import DateRange


class Service:
    def __init__(self, settings: Settings, engine: Engine, llm: LLMClient | None = None):
        self.settings = settings
        self.engine = engine
        self.llm = llm
        # One thread for questions, as in the Telegram bot: the model already uses every core, and the engine is
        # not meant for concurrent questions. The event loop stays free to take requests meanwhile.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xunda-http-ask")
        self.rate_limit = RateLimit(settings.http_rate_limit_per_minute)
        self.started = int(time.time())

    def llm_for(self, wanted: bool | None) -> LLMClient | None:
        """The LLM a request asks for: None for `false`, the configured one by default; `true` needs one."""
        if wanted is False:
            return None
        if wanted and self.llm is None:
            raise ApiError(422, "llm_not_configured", "llm: no LLM is configured on this server")
        return self.llm

    def conversation(self, llm: LLMClient | None, dates: DateRange, earlier: Sequence[Turn] = ()) -> Conversation:
        conversation = Conversation(self.engine, llm, dates)
        conversation.turns = list(earlier)
        return conversation

    async def answer(
        self,
        conversation: Conversation,
        message: str,
        on_token: OnToken | None = None,
        on_interpreted: Callable[[str], None] | None = None,
    ) -> Turn:
        return await conversation.aask(
            message, on_token=on_token, executor=self.executor, on_interpreted=on_interpreted
        )

    async def stats(self) -> dict:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.engine.stats)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def date_range(since: str | None, until: str | None) -> DateRange:
    return DateRange(_day("since", since), _day("until", until))


def _day(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ApiError(422, "invalid_date", f"{name}: not a date: {value!r} (expected YYYY-MM-DD)") from None
