"""LLM answers over the engine's evidence: prompt from the numbered sources, citation check, extractive fallback.

The model sees exactly the sources the user sees (the extractive Answer's citations, same numbers), quoted as data
inside <source> blocks. Its reply is kept only if it cites at least one of them and every link in it (URL, bare
domain, t.me link, @handle) appears in a cited source; markers naming no source are removed, and any failure
(error, timeout, empty reply, no valid citation, a link no source holds) returns the extractive answer instead.
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

# [1], [1][2], [1, 2], [1，2], full-width ［1］ and 【1】. A dropped marker also takes the spaces before it; those are
# stripped in code, not matched by a leading \s*, which made the search quadratic on long runs of spaces.
_MARKER = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")
_OPENERS = "[［【"
_LONGEST_MARKER = 24  # an opener unclosed after this many characters is text, not a marker
_MAX_HELD = 2048  # a stream holds back at most this much (a growing link or space run), so each piece costs O(1)

# What Telegram (or a reader) would follow: scheme URLs (http, tg, ...), bare domains (evil.example, t.me/x), and
# @handles. Each branch starts only where the previous character cannot continue it (the lookbehinds), so no
# search rescans a long run: linear time. Domain labels are ASCII, Latin, Greek or Cyrillic; CJK text ends a link.
_URL_BODY = r"[^\s<>\"'\[\]\u2e80-\uffff]"
_LABEL = r"[a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff-]"
_TLD = r"(?:[a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]{2,}|xn--[a-z0-9-]+)"
_LINK = re.compile(
    rf"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{{0,30}}://{_URL_BODY}*"
    rf"|(?<![a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff.-])(?:{_LABEL}+\.)+{_TLD}(?!{_LABEL})(?:[/?#]{_URL_BODY}*)?"
    r"|(?<![a-z0-9_@])@[a-z0-9_]{3,32}",
    re.IGNORECASE,
)
_LINK_TRAILING = ".,;:!?)'\"*"  # punctuation after a link is the sentence's, not the link's


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
    """Markers rewritten as [n] for known sources and removed (with the spaces before them) otherwise; the source
    numbers cited, in order."""
    cited: list[int] = []
    out, cursor = [], 0
    for match in _MARKER.finditer(text):
        before = text[cursor : match.start()]
        numbers = [int(n) for n in re.split(r"[,，、]", match.group(1))]  # int() ignores the spaces
        known = [n for n in numbers if n in valid]
        cited.extend(n for n in known if n not in cited)
        out.append(before + "".join(f"[{n}]" for n in known) if known else before.rstrip())
        cursor = match.end()
    out.append(text[cursor:])
    return "".join(out), cited


def source_text(c: Citation) -> str:
    """What a source shows the model and the user: title, outlet, link and passage (to check links against)."""
    doc = c.hit.doc
    return "\n".join(part for part in (doc.title, doc.outlet, doc.url, passage(c)) if part)


def links(text: str) -> list[str]:
    """The URLs, bare domains and @handles in text, without the punctuation that follows them."""
    return [found for m in _LINK.finditer(text) if (found := m.group().rstrip(_LINK_TRAILING))]


def unsupported_links(text: str, sources: list[str]) -> list[str]:
    """The links in text that appear in none of the sources (compared case-insensitively)."""
    haystacks = [s.casefold() for s in sources]
    return [link for link in links(text) if not any(link.casefold() in h for h in haystacks)]


def mask_links(text: str, sources: list[str]) -> str:
    """text with each link that no source holds replaced by "…" (for a stream not yet checked)."""
    haystacks = [s.casefold() for s in sources]

    def mask(match: re.Match) -> str:
        found = match.group().rstrip(_LINK_TRAILING)
        if not found or any(found.casefold() in h for h in haystacks):
            return match.group()
        return "…" + match.group()[len(found) :]

    return _LINK.sub(mask, text)


# Read on the reversed tail of a stream: spaces, then a run of characters a link can hold, then spaces.
_HELD_TAIL = re.compile(r"\s*[!-Z\\^-~\u00c0-\u04ff]*\s*")


class MarkerFilter:
    """clean_markers for a stream: holds back a possible marker until it closes, so unknown ones never show.

    It also holds back a link until it ends, and with `sources` replaces each link that none of them holds by "…",
    so an invented link is never on screen, not even while the reply streams. The pieces it lets through, joined,
    equal clean_markers of the whole text (for text with no such links and no run over _MAX_HELD characters).
    """

    def __init__(self, valid: set[int], sources: list[str] | None = None):
        self.valid = valid
        self.sources = sources
        self._pending = ""

    def feed(self, piece: str) -> str:
        self._pending += piece  # at most _MAX_HELD characters were held, so this stays cheap
        cut = self._safe_end(self._pending)
        out, self._pending = self._pending[:cut], self._pending[cut:]
        return self._clean(out)

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return self._clean(out)

    def _clean(self, text: str) -> str:
        text = clean_markers(text, self.valid)[0]
        return mask_links(text, self.sources) if self.sources is not None and text else text

    @staticmethod
    def _safe_end(text: str) -> int:
        """Where the text stops being final: before an open marker, a link that may still grow, and the spaces
        leading to them. Never more than _MAX_HELD characters back."""
        cut = len(text)
        floor = max(0, cut - _MAX_HELD)
        opener = max(text.rfind(o, max(0, cut - _LONGEST_MARKER + 1)) for o in _OPENERS)
        if opener >= 0 and not any(c in text[opener:] for c in "]］】"):
            cut = opener
        held = _HELD_TAIL.match(text[floor:cut][::-1])
        return cut - held.end() if held else cut


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
    stream = MarkerFilter(valid, [source_text(c) for c in answer.citations]) if on_token else None

    async def forward(piece: str) -> None:
        assert stream is not None and on_token is not None
        if shown := stream.feed(piece):
            await call(on_token, shown)

    try:
        raw = await client.acomplete(build_messages(answer, previous_turn), forward if on_token else None)
    except LLMError as exc:
        return _fallback(answer, str(exc))
    if stream and on_token and (rest := stream.flush()):
        await call(on_token, rest)
    text, cited = clean_markers(raw, valid)
    text = text.strip()
    if not text:
        return _fallback(answer, "empty reply")
    if not cited:
        return _fallback(answer, f"no valid citation in reply {raw[:80]!r}")
    kept = tuple(c for c in answer.citations if c.n in cited)
    if unsupported := unsupported_links(text, [source_text(c) for c in kept]):
        return _fallback(answer, f"links that no cited source holds: {unsupported[:3]}")
    return replace(answer, text=text, citations=kept, llm=LLMOutcome("ok", model=client.model))


def llm_answer(
    answer: Answer, client: LLMClient, previous_turn: Turn | None = None, on_token: OnToken | None = None
) -> Answer:
    """allm_answer for synchronous callers (CLI, REPL)."""
    return asyncio.run(allm_answer(answer, client, previous_turn, on_token))


def _fallback(answer: Answer, reason: str) -> Answer:
    log.warning("LLM answer not used, falling back to the extractive answer: %s", reason)
    return replace(answer, llm=LLMOutcome("fallback", reason=reason))
