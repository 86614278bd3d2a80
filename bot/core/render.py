"""Rendering answers for people (terminal) and machines (JSON). The last step; the only one that knows the medium."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from urllib.parse import quote

from bot.core.answer import Answer, Citation
from bot.texts import message


def to_json(answer: Answer, debug: bool = False) -> dict:
    row = {
        "question": answer.question,
        "answer": answer.text,
        "answerable": answer.answerable,
        "citations": [_citation_json(c) for c in answer.citations],
    }
    if debug:
        row["features"] = debug_info(answer)
    return row


def debug_info(answer: Answer) -> dict:
    """The decision's features and the LLM outcome, as plain data."""
    info = asdict(answer.features) if answer.features else {}
    if answer.llm:
        info["llm"] = asdict(answer.llm)
    return info


def _citation_json(c: Citation) -> dict:
    doc = c.hit.doc
    return {
        "n": c.n,
        "title": doc.title,
        "outlet": doc.outlet,
        "date": doc.date,
        "url": doc.url,
        "snippet": c.snippet,
        "marks": [list(m) for m in c.marks],
        "doc_id": doc.doc_id,
        "score": c.score,
    }


def marked(snippet: str, marks, open_: str, close: str, escape: Callable[[str], str] = lambda s: s) -> str:
    """The snippet with each marked span wrapped in open_/close; text outside the tags passes through escape."""
    out, cursor = [], 0
    for start, end in sorted(marks):
        out += [escape(snippet[cursor:start]), open_, escape(snippet[start:end]), close]
        cursor = end
    out.append(escape(snippet[cursor:]))
    return "".join(out)


def one_line_url(url: str) -> str:
    """A URL as one line: whitespace inside it (never valid in a URL) is percent-encoded, so it cannot start a
    line of its own that reads as another source."""
    return "".join(quote(ch) if ch.isspace() else ch for ch in url)


def to_text(answer: Answer, debug: bool = False, bold: tuple[str, str] = ("【", "】")) -> str:
    """The answer, then the numbered sources, for a terminal."""
    lines = [answer.text, ""]
    if answer.citations:
        lines.append(message("sources") if answer.answerable else message("nearest_sources"))
    for c in answer.citations:
        doc = c.hit.doc
        meta = " · ".join(part for part in (doc.outlet, (doc.date or "")[:10]) if part)
        lines.append(f"[{c.n}] {doc.title}" + (f"（{meta}）" if meta else ""))
        if doc.url:
            lines.append(f"    {one_line_url(doc.url)}")
        lines.append("    " + marked(c.snippet, c.marks, *bold))
        if debug:
            h = c.hit
            lines.append(
                f"    score={c.score:.3f} dense={h.dense:.3f} bm25={h.lexical:.2f} rrf={h.score:.4f} doc={doc.doc_id}"
            )
    if debug and (info := debug_info(answer)):
        lines.append(f"features: {info}")
    return "\n".join(lines).rstrip()
