"""Sentence and clause boundaries in Chinese text, as offsets, so answers can be cut and marked."""

from __future__ import annotations

import re

# A sentence ends at 。！？；!?… (with any closing quotes/brackets that follow) or at a paragraph break.
_SENTENCE_END = re.compile(r"[。！？；;!?…]+[”’」』）)】]*|\n+")
_CLAUSE_END = re.compile(r"[，,：:、]")
# No sentence ends inside a title (《你好！李焕英》, 《CDTV×Sacas！》), a short aside in brackets (（桃の阵!）) or
# the wiki's script-variant markup (-{zh-hant:职人;zh-hk:工匠}-), though each may hold an end mark.
_UNBROKEN = re.compile(r"《[^《》\n]{1,40}》|[（(][^（()）\n]{1,40}[）)]|-\{[^{}\n]{1,200}\}-")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences in text[start:end], whitespace trimmed, empty ones dropped."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    unbroken = [m.span() for m in _UNBROKEN.finditer(text, start, end)]
    for match in _SENTENCE_END.finditer(text, start, end):
        if any(u_start < match.start() < u_end - 1 for u_start, u_end in unbroken):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def split_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the comma-separated clauses of one sentence, each keeping its trailing mark."""
    spans, cursor = [], start
    for match in _CLAUSE_END.finditer(text, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
