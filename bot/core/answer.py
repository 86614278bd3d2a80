"""Extractive answering: choose the sentence that answers from the retrieved passages, or decline.

Each candidate sentence is scored by how much of the question's weighted content it holds (alone and with
its article title and neighbours), by its passage's similarity to the question, and by whether it holds
the kind of thing asked for (a number for 多少, a date for 什么时候). The same features decide whether the
corpus answers at all: a question whose rare terms appear nowhere near the best sentence is declined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from index.search import Hit, Searcher
from index.sentences import split_clauses, split_sentences
from index.terms import question_units

MAX_ANSWER_CHARS = 150
SNIPPET_CONTEXT = 60  # characters of context either side of the marked sentence in a snippet
MAX_SOURCES = 3
SHORT_ANSWER = 90  # an answer this short gets the next sentence too, when it fits

# How a candidate sentence is ranked (the decision to answer at all is Thresholds' business).
W_SENTENCE = 0.5  # share of the question's weighted terms in the sentence (with its article title)
W_CONTEXT = 0.2  # ... in the sentence, the one before it and the title
W_DENSE = 0.3  # similarity of the sentence's passage to the question
TITLE_SHARE = 0.8  # how far a question term in the article title counts as being in each of its sentences
KIND_PENALTY = 0.25  # no number for a 多少 question, no date for a 何时 question
RANK_PENALTY = 0.01  # per place down the retrieval list

_LEANS_BACK = re.compile(r"他|她|它|其|该|此|这|那|但|而|同时|此外|另外|并且|其中|因此|所以|对此")


@dataclass(frozen=True)
class Features:
    """What the decision to answer looked at, for the best candidate sentence; shown by --debug."""

    terms: tuple[str, ...] = ()  # the question's weighted content units
    sentence_coverage: float = 0.0  # share of the question's weight in the sentence (with its title)
    context_coverage: float = 0.0  # ... in the sentence, the one before it and the title
    dense: float = 0.0  # the sentence's passage similarity to the question
    kind_ok: bool = False  # holds the kind of thing asked for
    years_ok: bool = False  # every year the question names is in the article, or is its year
    score: float = 0.0  # the ranking score of the best sentence
    missing: dict[str, float] = field(default_factory=dict)  # weighted terms found nowhere near it
    reason: str = ""  # why there is no candidate at all ("no evidence"), else empty


@dataclass(frozen=True)
class Thresholds:
    """When the evidence counts as an answer. Fitted on data by `tools/fit_thresholds.py`, not by hand."""

    context_coverage: float = 0.54
    sentence_coverage: float = 0.4
    dense: float = -1.0  # off: passage similarity did not separate answerable from not on the data
    kind_required: bool = True  # a 多少 question needs a number in the answer, a 何时 question a date
    years_required: bool = True  # a year the question names must appear near the answer (or be its year)

    def admit(self, features: Features) -> bool:
        return (
            features.context_coverage >= self.context_coverage
            and features.sentence_coverage >= self.sentence_coverage
            and features.dense >= self.dense
            and (features.kind_ok or not self.kind_required)
            and (features.years_ok or not self.years_required)
        )


OPEN = Thresholds(0.0, 0.0, -1.0, False, False)  # answers everything: for fitting thresholds on labelled data


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
    features: Features | None = None  # what the decision looked at (None for answers made elsewhere)
    llm: LLMOutcome | None = None  # set when an LLM was asked to write the answer


@dataclass(frozen=True)
class LLMOutcome:
    """What became of asking the LLM: "ok" (its verified text is the answer), "fallback" (the extractive answer
    stands, `reason` says why) or "skipped" (a declined question never reaches the model)."""

    status: str
    model: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    start: int  # sentence span in the document text
    end: int
    score: float
    sentence_coverage: float
    context_coverage: float
    kind_ok: bool  # holds the kind of thing asked for (or nothing particular was asked for)


_ASKS_NUMBER = re.compile(
    r"多少|几[个家次位年月天款名亿万成倍]?|规模|比例|占比|增长|增速|金额|营收|数量|百分|多大|多高|多长|多久"
)
_ASKS_DATE = re.compile(r"什么时候|何时|哪一?年|哪一?天|几月|几号|哪个月|日期")
# A run of numerals is tried from its first character only (the lookbehind): from every one would be quadratic.
_HAS_NUMBER = re.compile(
    r"\d|(?<![一二两三四五六七八九十百千万亿])[一二两三四五六七八九十百千万亿]+[个家次位年月日天款名倍%]"
)
_DATE_PARTS = re.compile(r"\d{4}-\d{1,2}(-\d{1,2})?|\d{4}年|(\d{1,2}-)?\d{1,2}月(\d{1,2}日)?|\d{1,2}日")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_HAS_DATE = re.compile(r"\d{4}年|\d{1,2}月|\d{1,2}日|\d{4}-\d{2}")


def compose(
    question: str,
    hits: list[Hit],
    searcher: Searcher,
    decline_text: str,
    thresholds: Thresholds = Thresholds(),
) -> Answer:
    terms = question_units(question, searcher.knows_unit)
    weights = {t: min(searcher.unit_idf(t), 8.0) for t in terms}
    candidates = _score_sentences(question, hits, weights)
    if not candidates:
        return Answer(question, decline_text, False, (), Features(terms=tuple(terms), reason="no evidence"))

    best = max(candidates, key=lambda c: c.score)
    features = Features(
        terms=tuple(terms),
        sentence_coverage=round(best.sentence_coverage, 3),
        context_coverage=round(best.context_coverage, 3),
        dense=round(best.hit.dense, 3),
        kind_ok=best.kind_ok,
        years_ok=_years_ok(question, best),
        score=round(best.score, 3),
        missing={t: round(w, 2) for t, w in weights.items() if t not in _context_text(best)},
    )
    answerable = thresholds.admit(features)
    if answerable:  # the answer is the span widened by the sentence it leans on; mark all of it
        # A number or date that was asked for and is there is the whole answer; anything else may need more.
        pinned = best.kind_ok and bool(_ASKS_NUMBER.search(question) or _ASKS_DATE.search(question))
        start, end = _with_neighbours(best.hit.doc.text, best.start, best.end, widen_forward=not pinned)
        best = replace(best, start=start, end=end)
    citations = _citations(best, candidates)
    if not answerable:
        return Answer(question, decline_text, False, citations, features)
    text = _answer_text(best) + " [1]"
    return Answer(question, text, True, citations, features)


def _score_sentences(question: str, hits: list[Hit], weights: dict[str, float]) -> list[_Candidate]:
    total = sum(weights.values())
    if not total:
        return []
    wants_number = bool(_ASKS_NUMBER.search(question))
    wants_date = bool(_ASKS_DATE.search(question))
    seen: set[tuple[str, int, int]] = set()
    candidates = []
    for rank, hit in enumerate(hits):
        text = hit.doc.text
        sentences = split_sentences(text, *_paragraph_bounds(text, hit.chunk.start, hit.chunk.end))
        sentences = [s for s in sentences if s[1] > hit.chunk.start and s[0] < hit.chunk.end]
        title = hit.doc.title.lower()
        for i, (s_start, s_end) in enumerate(sentences):
            before = text[sentences[i - 1][0] : sentences[i - 1][1]].lower() if i else ""
            context = f"{title}\n{before}\n{text[s_start:s_end].lower()}"
            context_cov = _coverage(context, weights, total)
            for start, end in _answer_spans(text, s_start, s_end):
                if (hit.doc.doc_id, start, end) in seen:
                    continue
                seen.add((hit.doc.doc_id, start, end))
                span = text[start:end].lower()
                # The title is every sentence's topic, but a term in the sentence itself says more.
                sentence_cov = (1 - TITLE_SHARE) * _coverage(span, weights, total) + TITLE_SHARE * _coverage(
                    f"{title}\n{span}", weights, total
                )
                kind_ok = (not wants_number or _has_quantity(span)) and (not wants_date or bool(_HAS_DATE.search(span)))
                score = (
                    W_SENTENCE * sentence_cov
                    + W_CONTEXT * context_cov
                    + W_DENSE * hit.dense
                    - (0.0 if kind_ok else KIND_PENALTY)
                    - RANK_PENALTY * rank
                )
                candidates.append(_Candidate(hit, start, end, score, sentence_cov, context_cov, kind_ok))
    return candidates


def _answer_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence that fits the answer limit, or else every run of its clauses that does."""
    if end - start <= MAX_ANSWER_CHARS:
        return [(start, end)]
    clauses = split_clauses(text, start, end)
    spans = []
    for i, (c_start, _) in enumerate(clauses):
        j = i
        while j + 1 < len(clauses) and clauses[j + 1][1] - c_start <= MAX_ANSWER_CHARS:
            j += 1
        spans.append((c_start, min(clauses[j][1], c_start + MAX_ANSWER_CHARS)))
    return spans


def _has_quantity(text: str) -> bool:
    """A number that is not just part of a date (5月31日 does not answer 多少)."""
    return bool(_HAS_NUMBER.search(_DATE_PARTS.sub(" ", text)))


def _years_ok(question: str, c: _Candidate) -> bool:
    """News figures belong to a period: every year the question names must be in the answer's article (its
    title, its text) or be the year the article appeared, where 今年 means that year."""
    doc = c.hit.doc
    published = (doc.date or "")[:4]
    return all(year == published or year in doc.title or year in doc.text for year in _YEAR.findall(question))


def _context_text(c: _Candidate) -> str:
    text = c.hit.doc.text
    before = text.rfind("。", 0, max(0, c.start - 1))
    return f"{c.hit.doc.title}\n{text[before + 1 : c.end]}".lower()


def _coverage(text: str, weights: dict[str, float], total: float) -> float:
    return sum(w for t, w in weights.items() if t in text) / total


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a passage to whole sentences: back to the previous sentence end, on to the next one."""
    left = max(text.rfind(mark, 0, start) for mark in "。！？；\n")
    right_candidates = [p for mark in "。！？；\n" if (p := text.find(mark, end)) >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return left + 1, min(len(text), right)


def _answer_text(candidate: _Candidate) -> str:
    """The answer span, with an ellipsis where it cuts into a longer sentence."""
    text, start, end = candidate.hit.doc.text, candidate.start, candidate.end
    piece = text[start:end].strip()
    prefix = "…" if start > 0 and text[start - 1] not in "。！？；;!?\n" else ""
    suffix = "…" if piece and piece[-1] not in "。！？；;!?”」）)" else ""
    return prefix + piece + suffix


def _with_neighbours(text: str, start: int, end: int, widen_forward: bool = True) -> tuple[int, int]:
    """Widen a short answer by the sentence it leans on: the one before when it opens with a reference
    back (他是…, 其中…), the one after when it ends in a colon or says too little on its own."""
    sentences = split_sentences(text, *_paragraph_bounds(text, start, end))
    before = [s for s in sentences if s[1] <= start]
    after = [s for s in sentences if s[0] >= end]
    if before and _LEANS_BACK.match(text, start) and end - before[-1][0] <= MAX_ANSWER_CHARS:
        start = before[-1][0]
    says_little = text[end - 1] in "：:" or end - start < SHORT_ANSWER
    if widen_forward and after and says_little and after[0][1] - start <= MAX_ANSWER_CHARS:
        end = after[0][1]
    return start, end


def _citations(best: _Candidate, candidates: list[_Candidate]) -> tuple[Citation, ...]:
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
