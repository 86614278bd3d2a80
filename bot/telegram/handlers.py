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
from telegram.error import TelegramError

from bot.core.engine import QuestionError
from bot.telegram.render import TELEGRAM_LIMIT, Styled, more_sources, render_answer, split, telegram_length
from bot.telegram.state import SentAnswer, XundaContext
from bot.telegram.streaming import ThrottledEditor
from bot.texts import telegram_text as text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # an article preview would bury the answer


async def say(message: Message, key: str, **values) -> None:
    """Reply with one of the bot's texts, quoting the message."""
    await message.reply_html(html.escape(text(key, **values)), do_quote=True)


async def allowed(update: Update, context: XundaContext) -> bool:
    """True for users on the allow-list; others get a polite refusal."""
    user, chat = update.effective_user, update.effective_chat
    if context.services.access.allows(user and user.id, chat and chat.id):
        return True
    log.info("refused user %s in chat %s", user and user.id, chat and chat.id)
    if update.callback_query:
        await update.callback_query.answer(text("refused"), show_alert=True)
    elif update.effective_message:
        await say(update.effective_message, "refused")
    return False


async def start_command(update: Update, context: XundaContext) -> None:
    """Greet and show example questions."""
    if await allowed(update, context):
        await say(update.effective_message, "start")


async def help_command(update: Update, context: XundaContext) -> None:
    """Explain usage; admins also see their commands."""
    if not await allowed(update, context):
        return
    body = text("help")
    if context.services.access.is_admin(update.effective_user.id):
        body += "\n" + text("help_admin")
    await update.effective_message.reply_html(html.escape(body), do_quote=True)


async def stats_command(update: Update, context: XundaContext) -> None:
    """Documents, chunks and last ingest of the live index."""
    if not await allowed(update, context):
        return
    info = await context.services.engine.stats()
    await say(update.effective_message, "stats", documents=info["documents"], chunks=info["chunks"],
              built_at=str(info.get("built_at") or "—")[:19].replace("T", " "), version=info.get("version") or "—")


async def ask_command(update: Update, context: XundaContext) -> None:
    """Answer `/ask 问题` (the way to ask in a group without a mention)."""
    question = " ".join(context.args or [])
    if not question.strip():
        if await allowed(update, context):
            await say(update.effective_message, "ask_usage")
        return
    await answer_question(update, context, question)


async def text_message(update: Update, context: XundaContext) -> None:
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


async def answer_question(update: Update, context: XundaContext, question: str) -> None:
    """Answer a question: check who asks and how often, read follow-ups, reply with sources and buttons."""
    if not await allowed(update, context):
        return
    s, message, user_id = context.services, update.effective_message, update.effective_user.id
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
        if stream:
            await stream.withdraw()
        await message.reply_html(html.escape(str(exc)), do_quote=True)
        return
    except BaseException:
        if stream:  # the unchecked text must not stay on screen; the error handler apologises
            await stream.withdraw()
        raise
    answer = turn.answer
    shown = 1 if answer.answerable else 0  # 'not found' stays plain; nearest sources are one tap away
    parts = split(render_answer(answer, turn.interpreted, sources=shown))
    sent_turn = SentAnswer(answer, message.chat_id, user_id, parts[-1], shown)
    token = s.memory.keep(sent_turn)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        markup = keyboard(token, sent_turn) if last else None
        # The streamed message becomes the first part: the checked answer (or the extractive one) replaces
        # whatever streamed. If that edit fails, the streamed message is withdrawn and the part sent anew.
        if i == 0 and stream is not None and await stream.replace_with(part.html(), markup):
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
    with the first piece, so a question the model never sees (declined, or no LLM reply) gets no placeholder.

    What streams is unchecked: it is shown clipped to one message, and a failed edit (too long, flood control,
    a deleted message) only stops the streaming. The turn ends with `replace_with` (the checked answer) or
    `withdraw` (an error), so the unchecked text never remains on screen.
    """

    def __init__(self, message: Message, quote: ReplyParameters):
        self.message = message
        self.quote = quote
        self.placeholder: Message | None = None
        self.editor: ThrottledEditor | None = None
        self.stopped = False  # an edit failed: no more streaming edits

    async def on_token(self, piece: str) -> None:
        if self.stopped:
            return
        try:
            if self.placeholder is None:
                self.placeholder = await self.message.reply_text(
                    "…", reply_parameters=self.quote, link_preview_options=NO_PREVIEW
                )
                placeholder = self.placeholder
                self.editor = ThrottledEditor(
                    lambda t: placeholder.edit_text(clip(t), link_preview_options=NO_PREVIEW), 1.0
                )
            assert self.editor is not None
            await self.editor.on_token(piece)
        except TelegramError as exc:
            log.warning("streaming stopped, the final answer will replace it: %s", exc)
            self.stopped = True

    async def replace_with(self, final_html: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Show the final part in the streamed message; False (and the message withdrawn) when there is none
        or it could not be edited, so the caller sends the part as a new message."""
        if self.placeholder is None or self.editor is None:
            return False
        sent = self.placeholder

        async def edit(h: str) -> None:
            await sent.edit_text(h, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW)

        try:
            if await self.editor.finish(final_html, edit=edit):
                return True
        except TelegramError as exc:
            log.warning("could not put the final answer into the streamed message: %s", exc)
        await self.withdraw()
        return False

    async def withdraw(self) -> None:
        """Delete the streamed message; if even that fails, blank it."""
        sent, self.placeholder, self.stopped = self.placeholder, None, True
        if sent is None:
            return
        try:
            await sent.delete()
        except TelegramError as exc:
            log.warning("could not delete the streamed message (%s); blanking it", exc)
            try:
                await sent.edit_text("…")
            except TelegramError as exc2:
                log.error("the streamed message %s could not be withdrawn: %s", sent.message_id, exc2)


def clip(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """text cut to fit one message (counted as Telegram counts), ending in … when cut."""
    if telegram_length(text) <= limit:
        return text
    cut = limit - 1
    while telegram_length(text[:cut]) > limit - 1:
        cut -= telegram_length(text[:cut]) - (limit - 1)
    return text[:cut] + "…"


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


async def button_pressed(update: Update, context: XundaContext) -> None:
    """More sources (edits the answer) and 👍/👎 (recorded as feedback)."""
    query = update.callback_query
    if not await allowed(update, context):
        return
    s = context.services
    action, _, token = (query.data or "").partition(":")
    turn = s.memory.turn(token, query.message.chat.id if query.message else None)
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


async def show_more_sources(query, context: XundaContext, token: str, turn: SentAnswer) -> None:
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
