"""Extractive answering: choose the sentence that answers from the retrieved passages, or decline.

Each candidate sentence is scored by how much of the question's weighted content it holds (alone and with
its article title and neighbours), by its passage's similarity to the question, and by whether it holds
the kind of thing asked for (a number for 多少, a date for 什么时候). The same features decide whether the
corpus answers at all: a question whose rare terms appear nowhere near the best sentence is declined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.search import Hit, Searcher
from index.sentences import split_clauses, split_sentences
from index.terms import question_units

MAX_ANSWER_CHARS = 150
SNIPPET_CONTEXT = 60  # characters of context either side of the marked sentence in a snippet
MAX_SOURCES = 3


@dataclass(frozen=True)
class Thresholds:
    """When the evidence counts as an answer. Fitted on data by `bench/fit_thresholds.py`, not by hand."""

    context_coverage: float = 0.75
    sentence_coverage: float = 0.34
    dense: float = 0.0


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit
    snippet: str
    marks: tuple[tuple[int, int], ...]  # spans of `snippet` that answer (shown bold / marked)
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # the answer with [n] markers, or the decline message
    answerable: bool
    citations: tuple[Citation, ...]
    features: dict = field(default_factory=dict)  # scores behind the decision, for debug views


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    start: int  # sentence span in the document text
    end: int
    score: float
    sentence_coverage: float
    context_coverage: float


_ASKS_NUMBER = re.compile(r"多少|几[个家次位年月天款名亿万成倍]?|规模|比例|占比|增长|增速|金额|营收|数量|百分|多大|多高|多长|多久")
_ASKS_DATE = re.compile(r"什么时候|何时|哪一?年|哪一?天|几月|几号|哪个月|日期")
_HAS_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个家次位年月日天款名倍%]")
_HAS_DATE = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日|\d{4}-\d{2}")


def compose(
    question: str,
    hits: list[Hit],
    searcher: Searcher,
    decline_text: str,
    thresholds: Thresholds = Thresholds(),
) -> Answer:
    terms = question_units(question)
    weights = {t: min(searcher.unit_idf(t), 8.0) for t in terms}
    candidates = _score_sentences(question, hits, weights)
    if not candidates:
        return Answer(question, decline_text, False, (), {"reason": "no evidence"})

    best = max(candidates, key=lambda c: c.score)
    features = {
        "terms": list(terms),
        "sentence_coverage": round(best.sentence_coverage, 3),
        "context_coverage": round(best.context_coverage, 3),
        "dense": round(best.hit.dense, 3),
        "score": round(best.score, 3),
    }
    answerable = (
        best.context_coverage >= thresholds.context_coverage
        and best.sentence_coverage >= thresholds.sentence_coverage
        and best.hit.dense >= thresholds.dense
    )
    citations = _citations(best, candidates, weights, answerable)
    if not answerable:
        return Answer(question, decline_text, False, citations, features)
    text = _trim_to_limit(best, weights) + " [1]"
    return Answer(question, text, True, citations, features)


def features_for(question: str, hits: list[Hit], searcher: Searcher) -> dict | None:
    """The decision features of the best sentence, for fitting thresholds on labelled questions."""
    answer = compose(question, hits, searcher, "", Thresholds(0.0, 0.0, -1.0))
    return answer.features if answer.answerable else None


def _score_sentences(question: str, hits: list[Hit], weights: dict[str, float]) -> list[_Candidate]:
    total = sum(weights.values())
    if not total:
        return []
    wants_number = bool(_ASKS_NUMBER.search(question))
    wants_date = bool(_ASKS_DATE.search(question))
    seen: set[tuple[str, int]] = set()
    candidates = []
    for rank, hit in enumerate(hits):
        text = hit.doc.text
        spans = split_sentences(text, *_paragraph_bounds(text, hit.chunk.start, hit.chunk.end))
        spans = [s for s in spans if s[1] > hit.chunk.start and s[0] < hit.chunk.end]
        title = hit.doc.title.lower()
        for i, (start, end) in enumerate(spans):
            if (hit.doc.doc_id, start) in seen:
                continue
            seen.add((hit.doc.doc_id, start))
            sentence = text[start:end].lower()
            before = text[spans[i - 1][0] : spans[i - 1][1]].lower() if i else ""
            context = f"{title}\n{before}\n{sentence}"
            sentence_cov = _coverage(sentence, weights, total)
            context_cov = _coverage(context, weights, total)
            kind = 0.0
            if wants_number:
                kind += 0.1 if _HAS_NUMBER.search(sentence) else -0.1
            if wants_date:
                kind += 0.1 if _HAS_DATE.search(sentence) else -0.1
            score = (
                0.5 * sentence_cov
                + 0.2 * context_cov
                + 0.3 * hit.dense
                + kind
                - 0.01 * rank
                - 0.05 * max(0, (end - start) - MAX_ANSWER_CHARS) / MAX_ANSWER_CHARS
            )
            candidates.append(_Candidate(hit, start, end, score, sentence_cov, context_cov))
    return candidates


def _coverage(text: str, weights: dict[str, float], total: float) -> float:
    return sum(w for t, w in weights.items() if t in text) / total


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a passage to whole sentences: back to the previous sentence end, on to the next one."""
    left = max(text.rfind(mark, 0, start) for mark in "。！？；\n")
    right_candidates = [p for mark in "。！？；\n" if (p := text.find(mark, end)) >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return left + 1, min(len(text), right)


def _trim_to_limit(candidate: _Candidate, weights: dict[str, float]) -> str:
    """The answer sentence, or for a long one the run of clauses holding most of the question's terms."""
    text = candidate.hit.doc.text
    start, end = candidate.start, candidate.end
    if end - start <= MAX_ANSWER_CHARS:
        return text[start:end]
    clauses = split_clauses(text, start, end)
    best, best_value = (start, start + MAX_ANSWER_CHARS), -1.0
    for i in range(len(clauses)):
        j = i
        while j + 1 < len(clauses) and clauses[j + 1][1] - clauses[i][0] <= MAX_ANSWER_CHARS:
            j += 1
        span = (clauses[i][0], min(clauses[j][1], clauses[i][0] + MAX_ANSWER_CHARS))
        piece = text[span[0] : span[1]].lower()
        value = sum(w for t, w in weights.items() if t in piece) + (0.5 if _HAS_NUMBER.search(piece) else 0)
        if value > best_value:
            best, best_value = span, value
    piece = text[best[0] : best[1]]
    prefix = "…" if best[0] > start else ""
    suffix = "…" if best[1] < end else ""
    return prefix + piece + suffix


def _citations(
    best: _Candidate, candidates: list[_Candidate], weights: dict[str, float], answerable: bool
) -> tuple[Citation, ...]:
    """Source 1 is the answer's article; then the best sentence of each other article, best first."""
    by_doc: dict[str, _Candidate] = {best.hit.doc.doc_id: best}
    for c in sorted(candidates, key=lambda c: c.score, reverse=True):
        by_doc.setdefault(c.hit.doc.doc_id, c)
    chosen = list(by_doc.values())[:MAX_SOURCES]
    return tuple(_citation(n, c) for n, c in enumerate(chosen, start=1))


def _citation(n: int, c: _Candidate) -> Citation:
    text = c.hit.doc.text
    left = max(0, c.start - SNIPPET_CONTEXT)
    right = min(len(text), c.end + SNIPPET_CONTEXT)
    if c.end - c.start > 2 * MAX_ANSWER_CHARS:
        left, right = c.start, c.start + 2 * MAX_ANSWER_CHARS
    # Start and end the context on sentence boundaries where one is near.
    cut = max(text.rfind(m, left, c.start) for m in "。！？；\n")
    left = cut + 1 if cut >= 0 else left
    ends = [p for m in "。！？；\n" if (p := text.find(m, c.end, right)) >= 0]
    right = max(ends) + 1 if ends else right
    snippet = text[left:right].strip()
    offset = text.find(snippet, left)
    mark_start = max(0, c.start - offset)
    mark_end = min(len(snippet), c.end - offset)
    prefix = "…" if left > 0 and offset > 0 else ""
    suffix = "…" if right < len(text) else ""
    snippet = snippet.replace("\n", " ")  # one for one, so the marks stay in place
    marks = ((mark_start + len(prefix), mark_end + len(prefix)),)
    return Citation(n, c.hit, prefix + snippet + suffix, marks, round(c.score, 4))
