"""A growing LLM reply shown in one Telegram message, edited at most once per interval (edits are rate-limited)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)


class ThrottledEditor:
    """Shows a growing text through `edit` (e.g. Telegram's edit_message_text) at most once per `interval`.

    Feed it pieces with `on_token` (pass it as the on_token callback) and end with `finish(final_text)`, which
    always shows the final text. An error carrying `retry_after` (Telegram's 429 RetryAfter, seconds or a
    timedelta) postpones the next edit by that much instead of failing; other errors from `edit` propagate.
    """

    def __init__(
        self,
        edit: Callable[[str], Awaitable[Any]],
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        self._edit = edit
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next_at = 0.0  # clock time before which no edit is sent
        self._shown = ""
        self._pieces: list[str] = []  # joined only when an edit is due: a long stream costs O(length), not O(n²)
        self.edits = 0

    @property
    def text(self) -> str:
        if len(self._pieces) > 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    async def on_token(self, piece: str) -> None:
        self._pieces.append(piece)
        if self._clock() >= self._next_at:
            text = self.text
            if text.strip() and text != self._shown:
                await self._try_edit(text)

    async def finish(
        self, final_text: str, edit: Callable[[str], Awaitable[Any]] | None = None, attempts: int = 3
    ) -> bool:
        """Show final_text, waiting out the interval or a retry_after as needed; `edit` replaces the streaming
        one for this last edit (e.g. the rendered answer with sources, in HTML parse mode). True once it shows."""
        self._pieces = [final_text]
        for _ in range(attempts):
            if final_text == self._shown:
                return True
            wait = self._next_at - self._clock()
            if wait > 0:
                await self._sleep(wait)
            await self._try_edit(final_text, edit)
        if final_text != self._shown:
            log.warning("could not show the final text after %d attempts", attempts)
            return False
        return True

    async def _try_edit(self, text: str, edit: Callable[[str], Awaitable[Any]] | None = None) -> None:
        try:
            await (edit or self._edit)(text)
        except Exception as exc:
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is None:
                raise
            seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
            self._next_at = self._clock() + max(seconds, self._interval)
            log.info("edit rate-limited; next edit in %.1fs", seconds)
            return
        self._shown = text
        self.edits += 1
        self._next_at = self._clock() + self._interval
