"""What the bot keeps in memory between updates: its services, previous turns, answers behind buttons."""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.core.answer import Answer
from bot.core.conversation import Conversation
from bot.core.ratelimit import RateLimit
from bot.core.refresh import FeedRefresher
from bot.llm.client import LLMClient
from bot.settings import Settings
from bot.telegram.access import Access
from bot.telegram.feedback import FeedbackStore
from bot.telegram.render import Styled
from bot.telegram.typing import TypingIndicator
from bot.telegram.worker import EngineWorker

FOLLOWUP_SECONDS = 15 * 60  # a follow-up refers to the previous question only if it was this recent
KEPT_ANSWERS = 5000  # answers whose buttons still work; older ones answer "expired"
KEPT_CONVERSATIONS = 10_000  # (chat, user) pairs whose previous question a follow-up can refer to
TOKEN_BYTES = 16  # 22 URL-safe characters: unguessable, and "down:" + token is far under callback_data's 64 bytes


class Recent(OrderedDict):
    """A dict that forgets its oldest entries beyond `size`."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


@dataclass
class SentAnswer:
    """One answer as sent, for its buttons."""

    answer: Answer
    chat_id: int
    user_id: int
    last_part: Styled  # the text of the message holding the buttons, to extend with more sources
    shown: int  # sources shown so far
    votes: dict[int, str] = field(default_factory=dict)  # user id -> "up" | "down"


class Memory:
    """One Conversation per (chat, user), and answers by button token; both bounded, oldest forgotten first."""

    def __init__(self, new_conversation: Callable[[], Conversation]):
        self._new_conversation = new_conversation
        self._conversations: Recent = Recent(KEPT_CONVERSATIONS)
        self._turns: Recent = Recent(KEPT_ANSWERS)

    def conversation(self, chat_id: int, user_id: int) -> Conversation:
        key = (chat_id, user_id)
        conversation = self._conversations.get(key)
        if conversation is None:
            conversation = self._new_conversation()
        self._conversations[key] = conversation  # (re)inserted: the most recently used is kept longest
        return conversation

    def keep(self, turn: SentAnswer) -> str:
        """Store a turn; returns the random token its buttons carry (callback data is at most 64 bytes)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        while token in self._turns:
            token = secrets.token_urlsafe(TOKEN_BYTES)
        self._turns[token] = turn
        return token

    def turn(self, token: str, chat_id: int | None) -> SentAnswer | None:
        """The turn behind a button, only in the chat where it was answered (a token seen elsewhere is void)."""
        turn = self._turns.get(token)
        return turn if turn is not None and chat_id is not None and turn.chat_id == chat_id else None


@dataclass
class Services:
    settings: Settings
    engine: EngineWorker
    access: Access
    rate: RateLimit
    feedback: FeedbackStore
    memory: Memory
    uploads_dir: Path
    typing: TypingIndicator = field(default_factory=TypingIndicator)
    uploads_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # quota check and save, one upload at a time
    llm: LLMClient | None = None  # writes the answer when an LLM server is configured
    feeds: FeedRefresher | None = None  # pulls --feeds on the --refresh schedule and on an admin's /reload


class BotData:
    """The application's bot_data: the services every handler shares, set once when the bot is built."""

    services: Services
    feed_task: asyncio.Task | None = None  # the --refresh schedule, while the bot runs


class XundaContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The context handlers receive (registered through PTB's ContextTypes): `context.services` is typed."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=XundaContext, bot_data=BotData)
