"""What the bot keeps in memory between updates: its services, previous turns, answers behind buttons."""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import ContextTypes

from bot.answer import Answer
from bot.llm import LLMClient
from bot.settings import Settings
from bot.telegram_access import Access, RateLimit
from bot.telegram_engine import EngineWorker
from bot.telegram_feedback import FeedbackStore
from bot.telegram_render import Styled
from bot.telegram_typing import TypingIndicator

FOLLOWUP_SECONDS = 15 * 60  # a follow-up refers to the previous question only if it was this recent
KEPT_ANSWERS = 5000  # answers whose buttons still work; older ones answer "expired"


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
class Turn:
    """One answered question, for its buttons."""

    answer: Answer
    chat_id: int
    user_id: int
    last_part: Styled  # the text of the message holding the buttons, to extend with more sources
    shown: int  # sources shown so far
    votes: dict[int, str] = field(default_factory=dict)  # user id -> "up" | "down"


class Memory:
    """Previous questions per (chat, user), and answers by button token."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._previous: Recent = Recent(10_000)
        self._turns: Recent = Recent(KEPT_ANSWERS)
        self._tokens = itertools.count(1)

    def previous(self, chat_id: int, user_id: int) -> str | None:
        question, at = self._previous.get((chat_id, user_id), (None, 0.0))
        return question if self.clock() - at < FOLLOWUP_SECONDS else None

    def remember(self, chat_id: int, user_id: int, question: str) -> None:
        self._previous[(chat_id, user_id)] = (question, self.clock())

    def keep(self, turn: Turn) -> str:
        """Store a turn; returns the short token its buttons carry (callback data is at most 64 bytes)."""
        token = format(next(self._tokens), "x")
        self._turns[token] = turn
        return token

    def turn(self, token: str) -> Turn | None:
        return self._turns.get(token)


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
    llm: LLMClient | None = None  # writes the answer when an LLM server is configured


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data["xunda"]
