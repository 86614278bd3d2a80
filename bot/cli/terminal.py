"""Answers in the terminal: one conversation turn printed (streamed token by token when an LLM writes it), then
its sources. Shared by `xunda ask` and the REPL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.conversation import Conversation, Turn
from bot.core.render import to_text
from bot.texts import message
from index.dates import DateRange


def print_turn(
    conversation: Conversation,
    line: str,
    write: Callable[[str], None],
    debug: bool = False,
    bold: tuple[str, str] = ("【", "】"),
    dates: DateRange | None = None,
) -> Turn:
    """One turn in the terminal: how a follow-up was read, the answer (streamed as it arrives when an LLM writes
    it), then its sources; after an LLM reply that failed verification, a notice and the extractive answer."""
    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        write(piece)

    turn = conversation.ask(
        line,
        dates,
        on_token=on_token if conversation.llm else None,
        on_interpreted=lambda question: write(message("interpreted_as", question=question) + "\n"),
    )
    answer = turn.answer
    if streamed and answer.llm is not None and answer.llm.status == "ok":
        write(to_text(replace(answer, text=""), debug, bold=bold) + "\n")  # the text is on screen: the sources
    else:
        if streamed:
            write("\n" + message("llm_fallback_notice") + "\n")
        write(to_text(answer, debug, bold=bold) + "\n")
    return turn
