"""The "typing…" indicator: one loop per chat, however many of its questions are waiting for the engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for 5 seconds per chat action


class TypingIndicator:
    def __init__(self) -> None:
        self._waiting: dict[int, int] = {}  # chat id -> questions in progress
        self._loops: dict[int, asyncio.Task] = {}

    @asynccontextmanager
    async def shown(self, bot: Bot, chat_id: int, thread_id: int | None = None) -> AsyncIterator[None]:
        """Show "typing" in the chat until the block (and every other one for this chat) ends."""
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        if chat_id not in self._loops:
            # The first action is sent before the work starts, so even a fast answer is preceded by it.
            self._loops[chat_id] = asyncio.create_task(self._keep_typing(bot, chat_id, thread_id))
            await self._send(bot, chat_id, thread_id)
        try:
            yield
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id]
                self._loops.pop(chat_id).cancel()

    @classmethod
    async def _keep_typing(cls, bot: Bot, chat_id: int, thread_id: int | None) -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            await cls._send(bot, chat_id, thread_id)

    @staticmethod
    async def _send(bot: Bot, chat_id: int, thread_id: int | None) -> None:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
        except TelegramError as exc:  # cosmetic: never fail a question over it
            log.debug("typing action failed: %s", exc)
