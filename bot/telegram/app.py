"""`xunda telegram`: the python-telegram-bot Application, its start-up, error handling and run modes.

`build_application` is the one place the bot is assembled; `run` (the CLI) and `polling` (tests and the
load benchmark, inside a running event loop) both serve what it builds.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlparse

from telegram import BotCommand, Update, User
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.core import followup, verifier
from bot.core.conversation import Conversation
from bot.core.engine import Engine
from bot.core.ratelimit import RateLimit
from bot.core.refresh import FeedRefresher
from bot.llm.client import LLMClient
from bot.settings import Settings
from bot.telegram.access import Access
from bot.telegram.admin import document_message, reload_command
from bot.telegram.feedback import FeedbackStore
from bot.telegram.feeds import latest_command, start_refresh, stop_refresh
from bot.telegram.handlers import (
    ask_command,
    button_pressed,
    help_command,
    start_command,
    stats_command,
    text_message,
)
from bot.telegram.retry import RetryingLimiter
from bot.telegram.state import CONTEXT_TYPES, FOLLOWUP_SECONDS, Memory, Services, XundaContext
from bot.telegram.worker import EngineWorker
from bot.texts import telegram_commands
from bot.texts import telegram_text as text

log = logging.getLogger(__name__)


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


@dataclass(frozen=True)
class Webhook:
    url: str  # public HTTPS URL Telegram posts to; its path is the path we listen on
    listen: str = "127.0.0.1"  # a reverse proxy in front terminates TLS; 0.0.0.0 only when asked for
    port: int = 8443
    secret_token: str | None = None  # None: a random one for this run, given to setWebhook

    def with_secret(self) -> Webhook:
        """This webhook with its secret token checked, or a new random one. Telegram sends it back in the
        X-Telegram-Bot-Api-Secret-Token header of every update, and any request without it gets 403, so
        knowing the URL path is not enough to forge an update."""
        if self.secret_token is None:
            return replace(self, secret_token=secrets.token_urlsafe(32))
        if not _SECRET_TOKEN.fullmatch(self.secret_token):
            raise ValueError("--secret-token must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return self


def file_url(settings: Settings) -> str:
    """The file download base: given, or derived from the API base (".../bot" -> ".../file/bot")."""
    if settings.telegram_file_url:
        return settings.telegram_file_url
    base = settings.telegram_api_url
    return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base.rstrip("/") + "/file/bot"


def build_application(settings: Settings, engine: Engine, clock=time.monotonic) -> Application:
    if not settings.telegram_token:
        raise ValueError("no Telegram bot token: set TELEGRAM_BOT_TOKEN or pass --token")
    app = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings))
        .rate_limiter(RetryingLimiter())
        .concurrent_updates(True)  # answer many chats at once; the engine itself takes one question at a time
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    llm = LLMClient.from_settings(settings)
    app.bot_data.services = Services(
        settings=settings,
        engine=EngineWorker(engine),
        access=Access(settings.allowed_ids, settings.admin_ids),
        rate=RateLimit(settings.rate_limit_per_minute, clock),
        feedback=FeedbackStore(settings.feedback_path or settings.index_dir.parent / "feedback.jsonl"),
        memory=Memory(lambda: Conversation(engine, llm, followup_seconds=FOLLOWUP_SECONDS, clock=clock)),
        uploads_dir=settings.uploads_dir,
        llm=llm,
        feeds=FeedRefresher.from_settings(engine, settings),
    )
    new_messages = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    app.add_handlers([
        CommandHandler("start", start_command),
        CommandHandler("help", help_command),
        CommandHandler("stats", stats_command),
        CommandHandler("latest", latest_command),
        CommandHandler("ask", ask_command),
        CommandHandler("reload", reload_command),
        MessageHandler(new_messages & filters.ChatType.PRIVATE & filters.Document.ALL, document_message),
        MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, text_message),
        CallbackQueryHandler(button_pressed),
    ])
    app.add_error_handler(error_handler)
    return app


async def post_init(app: Application) -> None:
    """Register the command menu with Telegram; load the follow-up tokenizer and the verifier off the event loop."""
    await asyncio.gather(asyncio.to_thread(followup.warm_up), asyncio.to_thread(verifier.warm_up))
    await app.bot.set_my_commands([BotCommand(name, description) for name, description in telegram_commands()])
    log.warning("xunda bot @%s is running", app.bot.username)
    start_refresh(app)


async def post_shutdown(app: Application) -> None:
    """Stop the feed refresh and the engine's worker thread."""
    await stop_refresh(app)
    app.bot_data.services.engine.close()


async def error_handler(update: object, context: XundaContext) -> None:
    """Log a failed update with its traceback; tell the user something short; keep running."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(text("error"))
        except TelegramError as exc:
            log.warning("could not send the apology either: %s", exc)


class RedactToken(logging.Filter):
    """Replaces the token in every record a handler emits (httpx, PTB and exceptions can hold URLs)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def hide_token_in_logs(token: str) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs each request URL, token included, at INFO
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))


async def check_token(settings: Settings) -> User:
    """The bot's own user (getMe), or one clear error line when the token is refused or the API unreachable."""
    bot = ExtBot(settings.telegram_token, base_url=settings.telegram_api_url, base_file_url=file_url(settings))
    try:
        async with bot:
            return bot.bot
    except InvalidToken:
        raise ValueError("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN / --token)") from None
    except NetworkError as exc:
        api = settings.telegram_api_url.replace(settings.telegram_token, "<token>")
        raise ValueError(f"cannot reach the Telegram Bot API at {api}: {exc}") from None


def run(settings: Settings, webhook: Webhook | None = None, engine: Engine | None = None) -> None:
    """Check the token, load the engine, then serve by long polling (default) or webhook until stopped."""
    if not settings.telegram_token:
        raise ValueError("no Telegram bot token: set TELEGRAM_BOT_TOKEN or pass --token")
    webhook = webhook.with_secret() if webhook is not None else None
    hide_token_in_logs(settings.telegram_token)
    me = asyncio.run(check_token(settings))  # fail fast, before the model takes seconds to load
    log.warning("token accepted for @%s; loading the index", me.username)
    app = build_application(settings, engine or Engine.open(settings, show_progress=True))
    updates = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if webhook is None:
        app.run_polling(allowed_updates=updates)
    else:
        log.warning("serving the webhook on %s:%d for %s; updates without its secret token get 403",
                    webhook.listen, webhook.port, webhook.url)
        app.run_webhook(listen=webhook.listen, port=webhook.port, url_path=urlparse(webhook.url).path.lstrip("/"),
                        webhook_url=webhook.url, secret_token=webhook.secret_token, allowed_updates=updates)


@asynccontextmanager
async def polling(app: Application, timeout: float = 1.0) -> AsyncIterator[Application]:
    """Serve `app` by long polling inside the running event loop, in run_polling's order (tests, benchmarks)."""
    await app.initialize()
    await post_init(app)
    await app.updater.start_polling(timeout=timeout, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await post_shutdown(app)

