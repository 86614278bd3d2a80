"""Talking to an OpenAI-compatible chat server (Ollama, vLLM, llama.cpp, DeepSeek, Qwen...): one reply, streamed
or not, within a hard deadline.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
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
