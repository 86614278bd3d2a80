"""One user's dialogue with xunda: the turn loop that the REPL, the one-shot CLI, the Telegram bot and the HTTP
server all drive.

A turn is: validate the message -> make a follow-up standalone (by the LLM when one is configured, else by the
rule in bot/core/followup.py) -> ask the engine -> decline a follow-up whose answer rests on the previous
question's subject -> let the LLM write the answer when one is configured and the corpus answers -> remember the
turn for the next follow-up. Front ends only render what comes back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from bot.core.answer import Answer
from bot.core.engine import Engine
from bot.core.followup import names, rests_on_previous, rewrite, swapped
from bot.llm.answer import Turn as LLMTurn
from bot.llm.answer import allm_answer
from bot.llm.client import LLMClient, OnToken
from bot.llm.followup import arewrite_with_llm
from bot.texts import message
from index.dates import ANY_DATE, DateRange


@dataclass(frozen=True)
class Turn:
    """One answered message."""

    asked: str  # what the user wrote
    question: str  # the standalone question that was answered (differs from `asked` for a follow-up)
    answer: Answer
    at: float  # clock time of the answer

    @property
    def interpreted(self) -> str | None:
        """The rewritten question when the message was read as a follow-up (front ends show it), else None."""
        return self.question if self.question != self.asked else None


class Conversation:
    """Previous turns, follow-up rewriting and the LLM-or-extractive choice for one user.

    `followup_seconds` limits how old the previous turn may be for a message to be read as its follow-up
    (None: no limit, as in a terminal session). Not thread-safe: one turn at a time per conversation.
    """

    def __init__(
        self,
        engine: Engine,
        llm: LLMClient | None = None,
        dates: DateRange = ANY_DATE,
        followup_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.engine = engine
        self.llm = llm
        self.dates = dates
        self.followup_seconds = followup_seconds
        self.clock = clock
        self.turns: list[Turn] = []

    @property
    def previous(self) -> Turn | None:
        """The turn a follow-up would refer to, if there is one recent enough."""
        if not self.turns:
            return None
        last = self.turns[-1]
        if self.followup_seconds is not None and self.clock() - last.at >= self.followup_seconds:
            return None
        return last

    def forget(self) -> None:
        self.turns.clear()

    async def aask(
        self,
        message: str,
        dates: DateRange | None = None,
        on_token: OnToken | None = None,
        executor: Executor | None = None,
        on_interpreted: Callable[[str], None] | None = None,
    ) -> Turn:
        """Answer one message. CPU-bound engine work runs in `executor` when given (keep it off an event loop).

        With an LLM, `on_token` receives the model's reply as it streams; if the reply then fails verification,
        the turn's answer is the extractive one (`answer.llm.status == "fallback"`) and the caller shows that.
        `on_interpreted` hears the rewritten question of a follow-up before it is answered.
        QuestionError (empty or too long) propagates, with a message for the user.
        """
        asked = self.engine.validate(message)
        previous = self.previous
        question = asked
        if previous is not None:
            if self.llm is not None:
                question = await arewrite_with_llm(asked, previous.question, previous.answer.text, self.llm)
            else:
                question = rewrite(asked, previous.question)
        if question != asked and on_interpreted is not None:
            on_interpreted(question)
        window = self.dates if dates is None else dates
        answer = await _run(executor, self.engine.ask, question, window)
        if previous is not None and question != asked and answer.answerable:
            answer = _not_the_previous_answer(answer, previous.question, question)
        if self.llm is not None and answer.answerable:
            earlier = LLMTurn(previous.question, previous.answer.text) if previous else None
            answer = await allm_answer(answer, self.llm, earlier, on_token)
        turn = Turn(asked, question, answer, self.clock())
        self.turns = [*self.turns[-(KEPT_TURNS - 1) :], turn]
        return turn

    def ask(
        self,
        message: str,
        dates: DateRange | None = None,
        on_token: OnToken | None = None,
        on_interpreted: Callable[[str], None] | None = None,
    ) -> Turn:
        """aask for synchronous callers (CLI, REPL); not from inside a running event loop."""
        return asyncio.run(self.aask(message, dates, on_token, on_interpreted=on_interpreted))


KEPT_TURNS = 8  # a follow-up only reads the last turn; a few more are kept for front ends that show history


def _not_the_previous_answer(answer: Answer, previous_question: str, question: str) -> Answer:
    """A follow-up's answer must rest on evidence about what it asks: 快手's figure is no answer to 那抖音呢. When
    the answer's text and its sources' titles never name the part the follow-up put in (followup.rests_on_previous),
    the corpus has not answered the follow-up, and it is declined."""
    swap = swapped(previous_question, question)
    evidence = "\n".join([answer.text, *(c.hit.doc.title for c in answer.citations)])
    if swap is None or not rests_on_previous(evidence, *swap):
        return answer
    taken, put = swap
    why = f"the evidence names {taken}, not {put}" if names(evidence, taken) else f"the evidence never names {put}"
    features = dataclasses.replace(answer.features, reason=why) if answer.features else None
    return dataclasses.replace(answer, text=message("not_found"), answerable=False, citations=(), features=features)


async def _run(executor: Executor | None, func, *args):
    if executor is None:
        return func(*args)
    return await asyncio.get_running_loop().run_in_executor(executor, func, *args)
