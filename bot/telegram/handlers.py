"""Handlers for everyone: questions (private text, group mentions and replies, /ask), buttons, /start /help /stats."""

from __future__ import annotations

import html
import logging

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.core.engine import QuestionError
from bot.telegram.render import TELEGRAM_LIMIT, Styled, more_sources, render_answer, split, telegram_length
from bot.telegram.state import SentAnswer, services
from bot.telegram.streaming import ThrottledEditor
from bot.texts import telegram_text as text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # an article preview would bury the answer


async def say(message: Message, key: str, **values) -> None:
    """Reply with one of the bot's texts, quoting the message."""
    await message.reply_html(html.escape(text(key, **values)), do_quote=True)


async def allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for users on the allow-list; others get a polite refusal."""
    user, chat = update.effective_user, update.effective_chat
    if services(context).access.allows(user and user.id, chat and chat.id):
        return True
    log.info("refused user %s in chat %s", user and user.id, chat and chat.id)
    if update.callback_query:
        await update.callback_query.answer(text("refused"), show_alert=True)
    elif update.effective_message:
        await say(update.effective_message, "refused")
    return False


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet and show example questions."""
    if await allowed(update, context):
        await say(update.effective_message, "start")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain usage; admins also see their commands."""
    if not await allowed(update, context):
        return
    body = text("help")
    if services(context).access.is_admin(update.effective_user.id):
        body += "\n" + text("help_admin")
    await update.effective_message.reply_html(html.escape(body), do_quote=True)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Documents, chunks and last ingest of the live index."""
    if not await allowed(update, context):
        return
    info = await services(context).engine.stats()
    await say(update.effective_message, "stats", documents=info["documents"], chunks=info["chunks"],
              built_at=str(info.get("built_at") or "—")[:19].replace("T", " "), version=info.get("version") or "—")


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer `/ask 问题` (the way to ask in a group without a mention)."""
    question = " ".join(context.args or [])
    if not question.strip():
        if await allowed(update, context):
            await say(update.effective_message, "ask_usage")
        return
    await answer_question(update, context, question)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats: every text is a question. Groups: only text addressed to the bot."""
    message = update.effective_message
    if message.chat.type == ChatType.PRIVATE:
        question = message.text
    else:
        question = addressed_text(message, context.bot)
        if question is None:
            return  # group chatter; not for us
    await answer_question(update, context, question)


def addressed_text(message: Message, bot: Bot) -> str | None:
    """A group message's question without the bot's mention, or None when it is not meant for the bot."""
    mention = f"@{bot.username}".lower()
    entities = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    for entity, value in entities.items():
        if value.lower() == mention or (entity.user is not None and entity.user.id == bot.id):
            return message.text.replace(value, " ", 1).strip()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return message.text
    return None


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer a question: check who asks and how often, read follow-ups, reply with sources and buttons."""
    if not await allowed(update, context):
        return
    s, message, user_id = services(context), update.effective_message, update.effective_user.id
    wait = s.rate.wait(user_id)
    if wait:
        await say(message, "rate_limited", seconds=max(1, round(wait)))
        return
    conversation = s.memory.conversation(message.chat_id, user_id)
    quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    stream = StreamedReply(message, quote) if s.llm else None
    try:
        async with s.typing.shown(context.bot, message.chat_id, message.message_thread_id):
            turn = await s.engine.ask(conversation, question, on_token=stream.on_token if stream else None)
    except QuestionError as exc:  # empty or too long: the message is for the user
        await message.reply_html(html.escape(str(exc)), do_quote=True)
        return
    answer = turn.answer
    streamed = stream.started if stream else None  # (editor, message) once the LLM's reply began to show
    shown = 1 if answer.answerable else 0  # 'not found' stays plain; nearest sources are one tap away
    parts = split(render_answer(answer, turn.interpreted, sources=shown))
    sent_turn = SentAnswer(answer, message.chat_id, user_id, parts[-1], shown)
    token = s.memory.keep(sent_turn)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        markup = keyboard(token, sent_turn) if last else None
        if i == 0 and streamed is not None:  # the streamed message becomes the first part
            editor, sent = streamed
            await editor.finish(
                part.html(),
                edit=lambda h, m=markup, sent=sent: sent.edit_text(
                    h, parse_mode=ParseMode.HTML, reply_markup=m, link_preview_options=NO_PREVIEW
                ),
            )
            continue
        await message.reply_html(
            part.html(),
            reply_parameters=quote if i == 0 else None,
            do_quote=None if i == 0 else False,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )


class StreamedReply:
    """The LLM's answer streamed into one message of its own, edited at most once a second. The message is sent
    with the first piece, so a question the model never sees (declined, or no LLM reply) gets no placeholder."""

    def __init__(self, message: Message, quote: ReplyParameters):
        self.message = message
        self.quote = quote
        self.started: tuple[ThrottledEditor, Message] | None = None

    async def on_token(self, piece: str) -> None:
        if self.started is None:
            placeholder = await self.message.reply_text(
                "…", reply_parameters=self.quote, link_preview_options=NO_PREVIEW
            )
            editor = ThrottledEditor(lambda t: placeholder.edit_text(t, link_preview_options=NO_PREVIEW), 1.0)
            self.started = (editor, placeholder)
        await self.started[0].on_token(piece)


def keyboard(token: str, turn: SentAnswer) -> InlineKeyboardMarkup:
    rows = []
    if turn.shown < len(turn.answer.citations):
        label = text("more_sources_button" if turn.answer.answerable else "nearest_sources_button")
        rows.append([InlineKeyboardButton(label, callback_data=f"more:{token}")])
    rows.append([
        InlineKeyboardButton(text("up_button"), callback_data=f"up:{token}"),
        InlineKeyboardButton(text("down_button"), callback_data=f"down:{token}"),
    ])
    return InlineKeyboardMarkup(rows)


async def button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """More sources (edits the answer) and 👍/👎 (recorded as feedback)."""
    query = update.callback_query
    if not await allowed(update, context):
        return
    s = services(context)
    action, _, token = (query.data or "").partition(":")
    turn = s.memory.turn(token)
    if turn is None:
        await query.answer(text("expired"))
    elif action == "more":
        await show_more_sources(query, context, token, turn)
    elif action in ("up", "down"):
        if query.from_user.id in turn.votes:
            await query.answer(text("vote_again"))
            return
        turn.votes[query.from_user.id] = action
        s.feedback.record(turn.answer, action, turn.chat_id, query.from_user.id)
        await query.answer(text("vote_thanks"))
    else:
        await query.answer()


async def show_more_sources(query, context: ContextTypes.DEFAULT_TYPE, token: str, turn: SentAnswer) -> None:
    """Extend the message with the remaining sources; if that would pass the limit, send them below."""
    if turn.shown >= len(turn.answer.citations):
        await query.answer()
        return
    extra = more_sources(turn.answer, turn.shown)
    combined = Styled().extend(turn.last_part).add("\n\n").extend(extra)
    turn.shown = len(turn.answer.citations)
    if telegram_length(combined.plain) <= TELEGRAM_LIMIT:
        turn.last_part = combined
        await query.edit_message_text(combined.html(), parse_mode=ParseMode.HTML,
                                      reply_markup=keyboard(token, turn), link_preview_options=NO_PREVIEW)
    else:
        await query.edit_message_reply_markup(keyboard(token, turn))
        for part in split(extra):
            await context.bot.send_message(turn.chat_id, part.html(), parse_mode=ParseMode.HTML,
                                           link_preview_options=NO_PREVIEW)
    await query.answer()
