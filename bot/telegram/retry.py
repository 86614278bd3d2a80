"""Retrying every Bot API call on 429 (after Telegram's retry_after), 5xx and timeouts.

PTB routes each request except getUpdates through the bot's rate limiter, which makes it the one place
to retry all of them: replies, edits, typing, getFile. (PTB's AIORateLimiter only retries 429 and
throttles everything to Telegram's published rates; here we react to what the server says instead.)
A request that timed out may have reached Telegram, so a retried sendMessage can, rarely, arrive twice;
we prefer that to losing the reply.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)


class RetryingLimiter(BaseRateLimiter[None]):
    def __init__(self, attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0, sleep=asyncio.sleep):
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        """Call the Bot API, retrying transient failures; the last failure propagates."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay, error = _retry_after(exc) + 0.1, exc
            except BadRequest:  # a NetworkError subclass, but retrying cannot fix the request
                raise
            except NetworkError as exc:  # 5xx, connection errors, timeouts
                delay, error = min(self.max_delay, self.base_delay * 2 ** (attempt - 1)), exc
            if attempt == self.attempts:
                raise error
            log.warning("%s failed (%s); retry %d of %d in %.1fs", endpoint, error, attempt, self.attempts - 1, delay)
            await self.sleep(delay)
        raise AssertionError("unreachable")


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta; accept both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
