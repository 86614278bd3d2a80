"""Follow-ups rewritten into standalone questions before retrieval: by the LLM when configured, else by the rule.

Only short messages after a previous question go to the model (a long one is a question of its own, and each
call costs a round trip). The model's rewrite is only a suggestion: anything that does not look like one
question (empty, several lines, far longer than the inputs or sharing nothing with them, an error or a
timeout) gives way to the deterministic rule in bot/followup.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.llm.answer import quote
from bot.llm.client import LLMClient, LLMError
from bot.texts import template

log = logging.getLogger(__name__)

Rule = Callable[[str, "str | None"], str]  # bot.core.followup.rewrite(question, previous_question)
FOLLOWUP_MAX_CHARS = 30
_PREFIXES = ("改写后的问题：", "改写：", "问题：", "Question:")


def _default_rule() -> Rule:
    from bot.core.followup import rewrite  # another module's job; imported late so this one loads without it

    return rewrite


async def arewrite_with_llm(
    question: str,
    previous_question: str | None,
    previous_answer: str | None,
    client: LLMClient | None,
    rule: Rule | None = None,
    timeout: float | None = None,
) -> str:
    """The follow-up as a standalone question; the deterministic rule without a client or a usable rewrite."""
    rule = rule or _default_rule()
    if not previous_question or client is None or len(question.strip()) > FOLLOWUP_MAX_CHARS:
        return rule(question, previous_question)
    messages = [
        {"role": "system", "content": template("llm_rewrite.md").strip()},
        {
            "role": "user",
            "content": template("llm_rewrite_question.md")
            .format(question=quote(previous_question), answer=quote(previous_answer), followup=question)
            .strip(),
        },
    ]
    try:
        reply = await client.acomplete(messages, timeout=timeout)
    except LLMError as exc:
        log.warning("follow-up rewrite by LLM failed, using the rule: %s", exc)
        return rule(question, previous_question)
    rewritten = _tidy(reply)
    limit = 2 * (len(question) + len(previous_question)) + 20
    if (
        not rewritten
        or "\n" in rewritten
        or len(rewritten) > limit
        or not _related(rewritten, question + previous_question + (previous_answer or ""))
    ):
        log.warning("follow-up rewrite by LLM unusable (%r), using the rule", reply[:80])
        return rule(question, previous_question)
    return rewritten


def rewrite_with_llm(
    question: str,
    previous_question: str | None,
    previous_answer: str | None,
    client: LLMClient | None,
    rule: Rule | None = None,
    timeout: float | None = None,
) -> str:
    """arewrite_with_llm for synchronous callers (REPL)."""
    return asyncio.run(arewrite_with_llm(question, previous_question, previous_answer, client, rule, timeout))


def _related(rewritten: str, inputs: str) -> bool:
    """Shares a two-character piece with the inputs: a rewrite, not an answer or a refusal (未找到)."""
    return any(rewritten[i : i + 2] in inputs for i in range(len(rewritten) - 1))


def _tidy(reply: str) -> str:
    text = reply.strip()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix).strip()
    return text.strip("\"'“”「」").strip()
