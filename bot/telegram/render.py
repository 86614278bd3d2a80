"""Answers as Telegram HTML: styled plain text, split within Telegram's limit first, escaped last.

Splitting happens on the plain text (what Telegram counts), so a cut can never fall inside a tag or an
entity like `&amp;`; each part is then escaped and its bold/link spans re-applied, clipped to the part.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.answer import Answer, Citation
from bot.texts import message

TELEGRAM_LIMIT = 4096  # characters after entity parsing, counted in UTF-16 code units
MAX_LINK = 2048  # longer hrefs are shown as text
MAX_SHOWN_URL = 300
_SENTENCE_END = re.compile(r"[。！？!?；;…](?=[^。！？!?；;…”」』）)]|$)|\.(?=\s)")


@dataclass
class Styled:
    """Plain text plus non-overlapping (start, end, open_tag, close_tag) spans over it."""

    plain: str = ""
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)

    def add(self, part: str, open_: str = "", close: str = "") -> Styled:
        if open_ and part:
            self.spans.append((len(self.plain), len(self.plain) + len(part), open_, close))
        self.plain += part
        return self

    def extend(self, other: Styled) -> Styled:
        offset = len(self.plain)
        self.spans += [(s + offset, e + offset, o, c) for s, e, o, c in other.spans]
        self.plain += other.plain
        return self

    def slice(self, start: int, end: int) -> Styled:
        spans = [
            (max(s, start) - start, min(e, end) - start, o, c) for s, e, o, c in self.spans if s < end and e > start
        ]
        return Styled(self.plain[start:end], spans)

    def html(self) -> str:
        out, cursor = [], 0
        for start, end, open_, close in sorted(self.spans):
            out += [html.escape(self.plain[cursor:start]), open_, html.escape(self.plain[start:end]), close]
            cursor = end
        out.append(html.escape(self.plain[cursor:]))
        return "".join(out)


def link_target(url: str | None) -> str | None:
    """The URL if Telegram will accept it as a link (http or https, a host, no spaces or control characters),
    else None: one odd URL in the corpus must not make Telegram refuse the whole reply."""
    if not url or len(url) > MAX_LINK or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def telegram_length(plain: str) -> int:
    return len(plain.encode("utf-16-le")) // 2


def split(styled: Styled, limit: int = TELEGRAM_LIMIT) -> list[Styled]:
    """Parts of at most `limit` visible characters, cut at a paragraph, line, sentence or space if there is one."""
    plain, parts, start = styled.plain, [], 0
    while start < len(plain):
        start = _skip_space(plain, start)
        end = start + limit
        while telegram_length(plain[start:end]) > limit:  # characters outside the BMP count twice
            end -= telegram_length(plain[start:end]) - limit
        if end < len(plain):
            end = _boundary(plain, start, end)
        piece_end = len(plain[start:end].rstrip()) + start
        if piece_end > start:
            parts.append(styled.slice(start, piece_end))
        start = end
    return parts


def _skip_space(plain: str, i: int) -> int:
    while i < len(plain) and plain[i].isspace():
        i += 1
    return i


def _boundary(plain: str, start: int, end: int) -> int:
    """The best cut in plain[start:end]: last blank line, else line break, sentence end, space; else `end`."""
    window = plain[start:end]
    floor = len(window) // 3  # a cut that leaves a tiny part is worse than a cut mid-sentence
    for pattern in (r"\n\s*\n", r"\n", _SENTENCE_END.pattern, r"[\s，,、]"):
        cuts = [m.end() for m in re.finditer(pattern, window) if m.end() > floor]
        if cuts:
            return start + cuts[-1]
    return end


def render_answer(answer: Answer, interpreted: str | None = None, sources: int = 1) -> Styled:
    """The reply: how a follow-up was read, the answer (or 'not found'), and the first `sources` sources."""
    out = Styled()
    if interpreted:
        out.add(message("interpreted_as", question=interpreted), "<i>", "</i>").add("\n\n")
    out.add(answer.text)
    if sources and answer.citations:
        out.add("\n\n").extend(render_sources(answer, answer.citations[:sources], heading=True))
    return out


def render_sources(answer: Answer, citations: tuple[Citation, ...], heading: bool) -> Styled:
    """Numbered sources: linked title, outlet and date, snippet with the answering words in bold."""
    out = Styled()
    if heading:
        out.add(message("sources") if answer.answerable else message("nearest_sources"), "<b>", "</b>")
    for i, c in enumerate(citations):
        doc = c.hit.doc
        if out.plain:
            out.add("\n\n" if i else "\n")
        out.add(f"[{c.n}] ")
        href = link_target(doc.url)
        if href:
            out.add(doc.title, f'<a href="{html.escape(href, quote=True)}">', "</a>")
        else:
            out.add(doc.title, "<b>", "</b>")
        meta = " · ".join(part for part in (doc.outlet, (doc.date or "")[:10]) if part)
        if meta:
            out.add(f"\n{meta}")
        if doc.url and not href and doc.url.strip():  # shown, not linked: Telegram refuses such a link
            out.add("\n" + _clip(" ".join(doc.url.split()), MAX_SHOWN_URL))
        out.add("\n")
        cursor = 0
        for start, end in sorted(c.marks):
            out.add(c.snippet[cursor:start]).add(c.snippet[start:end], "<b>", "</b>")
            cursor = end
        out.add(c.snippet[cursor:])
    return out


def more_sources(answer: Answer, shown: int) -> Styled:
    """The sources not shown yet; with the heading when none were shown."""
    return render_sources(answer, answer.citations[shown:], heading=shown == 0)
