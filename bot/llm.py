"""Talking to an OpenAI-compatible chat server (Ollama, vLLM, llama.cpp, DeepSeek, Qwen...): one reply, streamed
or not, within a hard deadline; and a throttle for showing a growing reply where edits are rate-limited (Telegram).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.settings import Settings

log = logging.getLogger(__name__)

# Called with each new piece of the reply; may be a plain function or a coroutine function.
OnToken = Callable[[str], Any]


class LLMError(RuntimeError):
    """The model gave no usable reply (unreachable, error status, timeout); the message says which."""


class LLMClient:
    """One chat model on one server, from the settings. Each call opens its own connection, so the client works
    from any event loop (asyncio.run per REPL question, or the Telegram bot's long-lived loop)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 20.0,
        temperature: float = 0.2,
        max_retries: int = 1,
    ):
        self.base_url = base_url
        self.model = model
        self.api_key = api_key or "not-needed"  # local servers ignore it, but the client insists on one
        self.timeout = timeout
        self.temperature = temperature
        self.max_retries = max_retries

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMClient | None:
        """The configured client, or None when no LLM is configured (answers stay extractive)."""
        if not settings.llm_enabled:
            return None
        assert settings.llm_base_url and settings.llm_model
        return cls(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)

    async def acomplete(
        self, messages: list[dict], on_token: OnToken | None = None, timeout: float | None = None
    ) -> str:
        """The reply text; streamed piece by piece to on_token when given. Raises LLMError on any failure.

        The deadline covers the whole reply, retries included: the client's own timeout is per read, which a
        server that trickles tokens would never trip.
        """
        from openai import AsyncOpenAI

        deadline = self.timeout if timeout is None else timeout
        client = AsyncOpenAI(
            base_url=self.base_url, api_key=self.api_key, timeout=deadline, max_retries=self.max_retries
        )
        try:
            async with asyncio.timeout(deadline):
                if on_token is None:
                    return await self._whole(client, messages)
                return await self._streamed(client, messages, on_token)
        except _CallbackFailed as failed:
            raise failed.error from None  # the caller's problem, not the model's
        except TimeoutError:
            raise LLMError(f"no complete reply within {deadline:g}s") from None
        except Exception as exc:  # OpenAIError, or a transport error surfacing mid-stream
            raise LLMError(f"{type(exc).__name__}: {exc}") from None
        finally:
            await client.close()

    def complete(self, messages: list[dict], on_token: OnToken | None = None, timeout: float | None = None) -> str:
        """acomplete for synchronous callers (CLI, REPL); not from inside a running event loop."""
        return asyncio.run(self.acomplete(messages, on_token, timeout))

    async def _whole(self, client, messages: list[dict]) -> str:
        response = await client.chat.completions.create(
            model=self.model, messages=messages, temperature=self.temperature
        )
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    async def _streamed(self, client, messages: list[dict], on_token: OnToken) -> str:
        stream = await client.chat.completions.create(
            model=self.model, messages=messages, temperature=self.temperature, stream=True
        )
        parts = []
        async for chunk in stream:
            piece = chunk.choices[0].delta.content if chunk.choices else None
            if piece:
                parts.append(piece)
                try:
                    await call(on_token, piece)
                except Exception as exc:
                    raise _CallbackFailed(exc) from exc
        return "".join(parts)


class _CallbackFailed(Exception):
    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


async def call(callback: OnToken, *args) -> None:
    """Call a callback that may be sync or async."""
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


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
        self.text = ""
        self.edits = 0

    async def on_token(self, piece: str) -> None:
        self.text += piece
        if self._clock() >= self._next_at and self.text.strip() and self.text != self._shown:
            await self._try_edit(self.text)

    async def finish(
        self, final_text: str, edit: Callable[[str], Awaitable[Any]] | None = None, attempts: int = 3
    ) -> None:
        """Show final_text, waiting out the interval or a retry_after as needed; `edit` replaces the streaming
        one for this last edit (e.g. the rendered answer with sources, in HTML parse mode)."""
        self.text = final_text
        for _ in range(attempts):
            if final_text == self._shown:
                return
            wait = self._next_at - self._clock()
            if wait > 0:
                await self._sleep(wait)
            await self._try_edit(final_text, edit)
        if final_text != self._shown:
            log.warning("could not show the final text after %d attempts", attempts)

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
