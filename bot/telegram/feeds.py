"""Fresh news in the bot: /latest for everyone, and the --feeds pull on the --refresh schedule and on /reload.

The pull runs in a worker thread; questions keep being answered from the live version meanwhile, and the
engine swaps in the new version when the ingest has published it (the existing hot reload).
"""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update
from telegram.ext import Application

from bot.core.refresh import FeedRefresher, PullReport, log_report, start_task, stop_task
from bot.telegram.handlers import NO_PREVIEW, allowed, say
from bot.telegram.render import Styled
from bot.telegram.state import XundaContext
from bot.texts import telegram_text as text
from index.documents import Document

log = logging.getLogger(__name__)

LATEST_COUNT = 10


async def latest_command(update: Update, context: XundaContext) -> None:
    """The newest articles in the index, linked, with outlet and date."""
    if not await allowed(update, context):
        return
    documents = await context.services.engine.latest(LATEST_COUNT)
    if not documents:
        await say(update.effective_message, "latest_empty")
        return
    await update.effective_message.reply_html(render_latest(documents).html(), do_quote=True,
                                              link_preview_options=NO_PREVIEW)


def render_latest(documents: list[Document]) -> Styled:
    out = Styled().add(text("latest_heading"), "<b>", "</b>")
    for n, doc in enumerate(documents, 1):
        out.add(f"\n{n}. ")
        title = doc.title if len(doc.title) <= 80 else doc.title[:79] + "…"
        if doc.url and doc.url.startswith(("http://", "https://")):
            out.add(title, f'<a href="{html.escape(doc.url, quote=True)}">', "</a>")
        else:
            out.add(title)
        meta = " · ".join(part for part in (doc.outlet, (doc.date or "")[:16].replace("T", " ")) if part)
        out.add(f"（{meta}）" if meta else "")
    return out


async def pull_now(refresher: FeedRefresher) -> PullReport:
    """One pull off the event loop, logged like a scheduled one."""
    report = await asyncio.to_thread(refresher.pull_or_report)
    log_report(report)
    return report


def pull_summary(report: PullReport) -> str:
    """What an admin's /reload says about the pull: counts, then one line per failed feed."""
    r = report.ingest
    summary = text("feeds_pulled", feeds=len(report.feeds), added=len(r.added), updated=len(r.updated),
                   failed=len(r.failed))
    return "\n".join([summary] + [text("feed_failed", url=url, reason=reason) for url, reason in r.failed])


def start_refresh(app: Application) -> None:
    """Start the background pull (now, then every --refresh) when the bot was given --feeds."""
    s = app.bot_data.services
    if s.feeds is not None:
        app.bot_data.feed_task = start_task(s.feeds, s.settings.feed_refresh_seconds)


async def stop_refresh(app: Application) -> None:
    task, app.bot_data.feed_task = app.bot_data.feed_task, None
    await stop_task(task)
