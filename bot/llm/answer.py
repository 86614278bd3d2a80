"""LLM answers over the engine's evidence: prompt from the numbered sources, citation check, extractive fallback.

The model sees exactly the sources the user sees (the extractive Answer's citations, same numbers), quoted as data
inside <source> blocks. Its reply is kept only if it cites at least one of them; markers naming no source are
removed, and any failure (error, timeout, empty reply, no valid citation) returns the extractive answer instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, replace

from bot.core.answer import Answer, Citation, LLMOutcome
from bot.llm.client import LLMClient, LLMError, OnToken, call
from bot.texts import template

log = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 1200

# [1], [1][2], [1, 2], [1，2], full-width ［1］ and 【1】; with the spaces before it, so a dropped marker leaves none.
_MARKER = re.compile(r"(\s*)[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")
_OPENERS = "[［【"
_LONGEST_MARKER = 24  # an opener unclosed after this many characters is text, not a marker


@dataclass(frozen=True)
class Turn:
    """The previous question and the answer shown for it, for follow-ups."""

    question: str
    answer: str


def quote(text: str | None) -> str:
    """Document text made inert inside a <source> block: it cannot close the block or open a new one."""
    return (text or "").replace("<", "＜").replace(">", "＞").strip() or "—"


def build_messages(answer: Answer, previous_turn: Turn | None = None) -> list[dict]:
    """System rules first; then one user message with the quoted sources, the previous turn and the question."""
    sources = "\n".join(_source_block(c) for c in answer.citations)
    previous = ""
    if previous_turn:
        previous = template("llm_previous.md").format(
            question=quote(previous_turn.question), answer=quote(previous_turn.answer)
        )
    user = template("llm_question.md").format(sources=sources, previous=previous, question=answer.question)
    return [
        {"role": "system", "content": template("llm_system.md").strip()},
        {"role": "user", "content": user.strip()},
    ]


def _source_block(c: Citation) -> str:
    doc = c.hit.doc
    return (
        template("llm_context.md")
        .format(
            n=c.n,
            title=quote(doc.title),
            outlet=quote(doc.outlet),
            date=quote((doc.date or "")[:10]),
            url=quote(doc.url),
            passage=quote(passage(c)),
        )
        .strip()
    )


def passage(c: Citation) -> str:
    """The retrieved passage, widened to hold the citation's snippet (the answer sentence can cross the chunk)."""
    text, chunk = c.hit.doc.text, c.hit.chunk
    start, end = chunk.start, chunk.end
    core = c.snippet.strip("…")
    at = text.replace("\n", " ").find(core)  # the snippet had its newlines made spaces, one for one
    if at >= 0:
        start, end = min(start, at), max(end, at + len(core))
    return text[start:end][:MAX_PASSAGE_CHARS]


def clean_markers(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Markers rewritten as [n] for known sources and removed otherwise; the source numbers cited, in order."""
    cited: list[int] = []

    def keep(match: re.Match) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(2))]
        known = [n for n in numbers if n in valid]
        cited.extend(n for n in known if n not in cited)
        return match.group(1) + "".join(f"[{n}]" for n in known) if known else ""

    return _MARKER.sub(keep, text), cited


class MarkerFilter:
    """clean_markers for a stream: holds back a possible marker until it closes, so unknown ones never show.

    The pieces it lets through, joined, equal clean_markers of the whole text.
    """

    def __init__(self, valid: set[int]):
        self.valid = valid
        self._pending = ""

    def feed(self, piece: str) -> str:
        self._pending += piece
        cut = self._safe_end(self._pending)
        out, self._pending = self._pending[:cut], self._pending[cut:]
        return clean_markers(out, self.valid)[0]

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return clean_markers(out, self.valid)[0]

    @staticmethod
    def _safe_end(text: str) -> int:
        """Where the text stops being final: before an open marker and the spaces leading to it, or trailing spaces."""
        cut = len(text)
        opener = max(text.rfind(o) for o in _OPENERS)
        if opener >= 0 and not any(c in text[opener:] for c in "]］】") and cut - opener < _LONGEST_MARKER:
            cut = opener
        while cut > 0 and text[cut - 1].isspace():
            cut -= 1
        return cut


async def allm_answer(
    answer: Answer, client: LLMClient, previous_turn: Turn | None = None, on_token: OnToken | None = None
) -> Answer:
    """The model's answer over `answer`'s sources, verified; or `answer` itself, with the reason in `llm`.

    A question the corpus does not answer never reaches the model. With on_token, the reply streams to it
    piece by piece with unknown markers already removed; if the reply then fails the check, the returned
    answer is the extractive one (`llm.status == "fallback"`) and the caller should show it instead.
    """
    if not answer.answerable or not answer.citations:
        return replace(answer, llm=LLMOutcome("skipped"))
    valid = {c.n for c in answer.citations}
    stream = MarkerFilter(valid) if on_token else None

    async def forward(piece: str) -> None:
        assert stream is not None and on_token is not None
        if shown := stream.feed(piece):
            await call(on_token, shown)

    try:
        raw = await client.acomplete(build_messages(answer, previous_turn), forward if on_token else None)
    except LLMError as exc:
        return _fallback(answer, str(exc))
    if stream and (rest := stream.flush()):
        await call(on_token, rest)
    text, cited = clean_markers(raw, valid)
    text = text.strip()
    if not text:
        return _fallback(answer, "empty reply")
    if not cited:
        return _fallback(answer, f"no valid citation in reply {raw[:80]!r}")
    kept = tuple(c for c in answer.citations if c.n in cited)
    return replace(answer, text=text, citations=kept, llm=LLMOutcome("ok", model=client.model))


def llm_answer(
    answer: Answer, client: LLMClient, previous_turn: Turn | None = None, on_token: OnToken | None = None
) -> Answer:
    """allm_answer for synchronous callers (CLI, REPL)."""
    return asyncio.run(allm_answer(answer, client, previous_turn, on_token))


def _fallback(answer: Answer, reason: str) -> Answer:
    log.warning("LLM answer not used, falling back to the extractive answer: %s", reason)
    return replace(answer, llm=LLMOutcome("fallback", reason=reason))
