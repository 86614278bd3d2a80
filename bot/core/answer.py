"""Extractive answering: choose the sentence that answers from the retrieved passages, or decline.

The question is analysed first (bot/core/question.py: the kind of answer wanted, the attribute asked about, the
subject, year and qualifiers that must hold). Every sentence of the retrieved passages is a candidate
(bot/core/candidates.py), and a logistic regression fitted on labelled data (bot/core/decision.py) gives each the
probability that it answers. The best one is the answer when that probability clears the model's threshold;
otherwise the question is declined. `--debug` shows the features that weighed most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core import decision, verifier
from bot.core.candidates import (
    LEANS_BACK,
    MAX_ANSWER_CHARS,
    MAX_IDF,
    REFERS_BACK,
    WHEN_UNITS,
    Candidate,
    Scorer,
    answer_spans,
    last_answer_at,
    paragraph_bounds,
    promote_first,
    quantity_values,
    stated_answers,
    states_number,
    states_rank,
    states_time,
    total_first,
)
from bot.core.question import Analysis, analyse
from index.dates import completed_date
from index.search import Hit, Searcher
from index.sentences import split_clauses, split_sentences
from index.terms import question_units

SNIPPET_CONTEXT = 60  # characters of context either side of the marked sentence in a snippet
MAX_SOURCES = 3
GLUED_MAX_IDF = 6.0  # a bigram across jieba's words counts when no rarer than this
SHORT_ANSWER = 90  # an answer this short gets the next sentence too, when it fits
MAX_LIST_ITEMS = 3  # sentences a 哪些 answer may gather
# A 哪些 answer's further sentences must each be more likely than not to answer, whatever the decline threshold:
# that threshold decides whether to answer at all, and as the bar for further items it let in a sentence of
# another paragraph (化石发现于摩洛哥。 for 浮龙有哪些特征？). No labelled question's state moves either way.
LIST_ITEM_PROBABILITY = 0.5
SOURCE_SHARE = 0.5  # another article is listed as a source when its best sentence is at least this likely,
# relative to the answer's own (and at least MIN_SOURCE_PROBABILITY)
MIN_SOURCE_PROBABILITY = 0.2
MAX_MARGIN = 3.0  # the ranker lead over other articles counts up to this

_answer_spans = answer_spans  # kept for the tests of clause windows


@dataclass(frozen=True)
class Features:
    """What the decision looked at, for the best candidate sentence; shown by --debug."""

    terms: tuple[str, ...] = ()  # the question's weighted content units
    question: dict = field(default_factory=dict)  # the analysis: kind, unit, focus, subjects, years, qualifiers
    probability: float = 0.0  # the model's probability that the best candidate answers
    threshold: float = 0.0  # answered when probability >= threshold
    score: float = 0.0  # the model's logit for the best candidate
    reasons: tuple[tuple[str, float], ...] = ()  # the features that moved the score most (signed logit parts)
    values: dict = field(default_factory=dict)  # the best candidate's feature values
    missing: dict[str, float] = field(default_factory=dict)  # weighted terms found nowhere near it
    reason: str = ""  # why it was declined before any weighing ("no evidence"; a follow-up answered from the
    # previous question's subject, bot/core/conversation.py), else empty


@dataclass(frozen=True)
class Thresholds:
    """When the evidence counts as an answer: the shipped model and its threshold unless told otherwise."""

    min_probability: float | None = None  # None: the model's own threshold
    model: decision.Model | None = None  # None: the shipped model (bot/core/data/decision.json)
    verifier: verifier.Verifier | None = None  # None: the shipped one, if the model uses it

    def resolved(self) -> tuple[decision.Model, float]:
        model = self.model or decision.shipped()
        return model, model.threshold if self.min_probability is None else self.min_probability


OPEN = Thresholds(min_probability=0.0)  # answers everything: for fitting on labelled data


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


def compose(
    question: str,
    hits: list[Hit],
    searcher: Searcher,
    decline_text: str,
    thresholds: Thresholds = Thresholds(),
) -> Answer:
    model, threshold = thresholds.resolved()
    terms = question_terms(question, searcher)
    weights = term_weights(terms, searcher)
    analysis = analyse(question)
    candidates = Scorer(analysis, weights, question).candidates(hits)
    if not candidates:
        return Answer(
            question,
            decline_text,
            False,
            (),
            Features(terms=tuple(terms), question=analysis.as_dict(), reason="no evidence"),
        )
    for c in candidates:
        c.score = model.rank(c.features)
    candidates.sort(key=lambda c: c.score, reverse=True)
    if model.uses_verifier:
        verify(question, candidates, model.verifier_weight, thresholds.verifier or verifier.shipped())
    total_first(analysis, candidates, verifier.TOP_K)
    _dated_first(analysis, candidates, verifier.TOP_K)
    _headline_first(analysis, candidates, verifier.TOP_K)
    for c, others in rivals(candidates, analysis.kind):  # how far each leads the best sentence of any other article
        margin = min(MAX_MARGIN, c.score - max(others)) if others else MAX_MARGIN
        c.probability = model.decide(c.features, c.score, margin)
        c.features["rank_margin"] = margin
    best = candidates[0]
    shown = answer_bounds(best, analysis.kind, analysis.describes)  # the answer's span, were it answered
    _mark_unstated(analysis, best, best.hit.doc.text[shown[0] : shown[1]])
    features = Features(
        terms=tuple(terms),
        question=analysis.as_dict(),
        probability=round(best.probability, 3),
        threshold=round(threshold, 3),
        score=round(best.score, 3),
        reasons=tuple(model.decider.contributions({**best.features, "rank_score": best.score})),
        values={k: round(v, 3) for k, v in best.features.items()},
        missing={t: round(w, 2) for t, w in weights.items() if t not in _context_text(best)},
        # A figure for another year, day, period or place never answers, however well it scores.
        reason=_rule_reason(best),
    )
    answerable = best.probability >= threshold and not features.reason
    if not answerable:
        return Answer(question, decline_text, False, _citations([], candidates, best), features)
    # The answer is the span widened by the sentence it leans on (a list's first item too: 本种仅见于…分布。 with the
    # sentence of places after it; 有哪些特征: the sentence that introduces them, with the ones that follow); all of
    # it is marked.
    best.start, best.end = shown
    items = _list_items(best, candidates, threshold) if analysis.kind == "list" else [best]
    citations = _citations(items, candidates, best)
    number = {c.hit.doc.doc_id: c.n for c in citations}
    text = "".join(f"{_answer_text(item, analysis.kind)} [{number[item.doc_id]}]" for item in items)
    return Answer(question, text, True, citations, features)


# The features that decline by rule, whatever the score, each with what it says in --debug: a figure dated to
# another year (截至2021年12月 where 截至2022年12月 was asked, even in an article of 2022), another day
# (截至8月12日 where 截至8月6日 was asked; 8月15日 where 10月哪一天 was) or another period of the year (前7个月
# for 上半年), or about another place of the kind asked (江西省 asked, only 福建省 there), or a definition asked of
# a term that neither the sentence, the one before it nor the title names (什么是地月空间), or the date of a birth
# or death asked of a context that states neither (哪年出生 answered by the date of an appointment), or a role asked
# whose holder the sentence names only as its deputy (副局长 for 局长是谁), or a post whose holder is asked that
# neither the sentence, the one before nor the title names (行长是谁 answered by a sentence on the bank's campaign),
# or a number or date asked that the answer as shown does not state (观察了几天: 患儿被送至重症监护室观察。).
RULE_REASONS = {
    "year_clash": "is about another year",
    "day_conflict": "is about another day",
    "year_month_clash": "is about another year",
    "period_clash": "is about another period",
    "subject_clash": "is about another place",
    "deputy_clash": "is about a deputy",
    "term_absent": "is about another term",
    "event_absent": "is about another event",
    "post_absent": "is about another post",
    "number_absent": "states no number",
    "date_absent": "states no date",
}


def _rule_reason(best: Candidate) -> str:
    """Why the best sentence cannot answer, whatever its score ("" when no rule holds)."""
    broken = next((what for name, what in RULE_REASONS.items() if best.features.get(name)), None)
    return f"the best sentence {broken}" if broken else ""


def _mark_unstated(a: Analysis, best: Candidate, shown: str) -> None:
    """A number or time asked that the answer, as it would be `shown`, does not state: the sentence is about the
    thing asked, not its figure or time (查获银行卡及作案手机若干 for 查获了多少张银行卡; 高标准筹办…大会 for
    大会什么时候举办). RULE_REASONS declines it."""
    if a.kind not in ("number", "when"):
        return
    if a.kind == "number" and a.unit == "第":
        stated = states_rank(shown)
    elif a.kind == "number":  # a span of time asked (多久前, 几年) may be answered by a date (前1500年)
        stated = states_number(shown) or a.unit in ("时长", "年") and states_time(shown)
    else:
        stated = states_time(shown)
    best.features["number_absent" if a.kind == "number" else "date_absent"] = float(not stated)


def rivals(candidates: list[Candidate], kind: str) -> list[tuple[Candidate, list[float]]]:
    """Each candidate (best first) with the scores of its rivals (rival_scores), with what each states of the
    kind asked (stated_answers)."""
    items = [(c.doc_id, c.score, stated_answers(c, kind)) for c in candidates]
    return list(zip(candidates, rival_scores(items), strict=True))


def rival_scores(items: Sequence[tuple[str, float, frozenset[str]]]) -> list[list[float]]:
    """For each (article, score, quantities) item, best first, the scores of its rivals: the best item of every
    other article. An article whose best item states one of the same quantities is no rival: same-event reports of
    one figure (基准利率上调至5.25%) back each other up, and taking them as rivals declined the answer. Items carry
    quantities only for number questions (tools/fit_decision.py computes the fit's margins with this too)."""
    tops: dict[str, tuple[float, frozenset[str]]] = {}
    for doc, score, values in items:
        tops.setdefault(doc, (score, values))
    return [[s for d, (s, v) in tops.items() if d != doc and not (values & v)] for doc, _, values in items]


def verify(question: str, candidates: list[Candidate], weight: float, reader: verifier.Verifier | None) -> None:
    """The verifier reads the ranker's best TOP_K (sorted best first); its logit joins their score, and the
    others get the lowest logit of those read (they ranked below them). Re-sorts the candidates."""
    top = candidates[: verifier.TOP_K]
    if reader is None:
        logits = [0.0] * len(top)
    else:
        logits = reader.logits(question, [verifier.pair_text(c.hit.doc.title, c.text()) for c in top])
    for c, z in zip(top, logits, strict=True):
        c.features["verifier"] = z
        c.score += weight * z
    floor = min(logits, default=0.0)
    for c in candidates[verifier.TOP_K :]:
        c.features["verifier"] = floor
    candidates.sort(key=lambda c: c.score, reverse=True)


def _list_items(best: Candidate, candidates: list[Candidate], threshold: float) -> list[Candidate]:
    """For 哪些: the best sentence and up to two more likely ones that do not overlap it, within the length limit;
    each further one must clear both the decline threshold and LIST_ITEM_PROBABILITY, and name as much of the
    question's focus (城市 of 哪些城市) as the best does."""
    bar = max(threshold, LIST_ITEM_PROBABILITY)
    items = [best]
    used = best.end - best.start
    for c in candidates[1:]:
        if len(items) >= MAX_LIST_ITEMS or c.probability < bar:
            break
        if any(c.doc_id == i.doc_id and c.start < i.end and i.start < c.end for i in items):
            continue
        if used + (c.end - c.start) + 8 > MAX_ANSWER_CHARS:
            continue
        if c.features.get("focus_span", 1.0) < best.features.get("focus_span", 1.0):
            continue  # 哪些城市: the best names its 城市, a sentence of 品类 that does not is another list
        items.append(c)
        used += c.end - c.start + 4
    return items


def _context_text(c: Candidate) -> str:
    text = c.hit.doc.text
    before = text.rfind("。", 0, max(0, c.start - 1))
    return f"{c.hit.doc.title}\n{text[before + 1 : c.end]}".lower()


def _answer_text(candidate: Candidate, kind: str = "") -> str:
    """The answer span, with an ellipsis where it cuts into a longer sentence. For a when-question, a date the
    span names without its year (8日, 昨天) is completed from the article's publication date: （8日即2023年8月8日），
    or a bare 日 from the month the article last named (7月13日…17日: （17日即7月17日）)."""
    text, start, end = candidate.hit.doc.text, candidate.start, candidate.end
    piece = text[start:end].strip()
    prefix = "…" if start > 0 and text[start - 1] not in "。！？；;!?\n" else ""
    suffix = "…" if piece and piece[-1] not in "。！？；;!?”」）)" else ""
    completed = completed_date(piece, candidate.hit.doc.date, text[:start]) if kind == "when" else None
    note = f"（{completed[0]}即{completed[1]}）" if completed else ""
    return prefix + piece + suffix + note


def question_terms(question: str, searcher: Searcher) -> tuple[str, ...]:
    """The question's matching units. A bigram that joins a character jieba stranded to its neighbour counts
    only when the corpus holds it often enough to be a word (快手 of 快/手电/商): a rare one is mostly two words'
    edges (像高 of 雕像/高, 存人 of 缴存/人), and as a rare term missing from every sentence it would read as
    evidence that the corpus lacks the answer."""
    return question_units(question, lambda u: searcher.knows_unit(u) and searcher.unit_idf(u) <= GLUED_MAX_IDF)


def term_weights(terms: Sequence[str], searcher: Searcher) -> dict[str, float]:
    """Each of the question's terms weighted by its IDF over the passages, capped (a term seen nowhere is not
    worth more than a very rare one)."""
    return {t: min(searcher.unit_idf(t), MAX_IDF) for t in terms}


def answer_bounds(c: Candidate, kind: str, describes: bool = False) -> tuple[int, int]:
    """The candidate's span as the answer shows it, widened by the sentence it leans on. A number or date that
    was asked for and is there is the whole answer; anything else may need the sentence after it too, and a
    description asked (有什么特点, 为什么) the rest of its paragraph, as far as the answer's length allows."""
    pinned = kind in ("number", "when") and c.features.get("kind_ok", 0.0) > 0
    text = c.hit.doc.text
    leans_back = pinned and bool(LEANS_BACK.match(text, c.start))  # only then may widening cut the span short
    at = last_answer_at(text[c.start : c.end], kind) if leans_back else None
    return _with_neighbours(
        text, c.start, c.end, widen_forward=not pinned, describes=describes,
        keep_from=None if at is None else c.start + at,
    )


_YEAR_IN_WORDS = re.compile(r"[元一二三四五六七八九十]年")


def _dated_first(a: Analysis, candidates: list[Candidate], among: int) -> None:
    """A year, day or hour asked (哪一年, 哪天, 几点) is answered by a sentence that states one as the answer shows
    it (with the sentence it leans on): among the best `among`, the first that does goes before those that do not."""
    said = WHEN_UNITS.get(a.unit or "") if a.kind == "when" else None
    if said is None:
        return

    def shown(c: Candidate) -> str:
        start, end = answer_bounds(c, a.kind, a.describes)
        return c.hit.doc.text[start:end]

    best = shown(candidates[0])
    # the best keeps its place on a year in words too (至元二十六年, 九十年代), which a reign name makes hard to
    # tell from a count of years
    if not (said.search(best) or a.unit == "年" and _YEAR_IN_WORDS.search(best)):
        promote_first(candidates, among, lambda c: bool(said.search(shown(c))), start=1)


def _headline_first(a: Analysis, candidates: list[Candidate], among: int) -> None:
    """A figure asked whose every term the best's article title holds, with a figure (抖音电商：国货销量同比增长667%
    for 抖音电商国货销量增长了多少): a sentence stating the title's figure answers it, not one stating others (the
    sectors' 411%、696%). Among the best `among`, the first that states it goes first."""
    best = candidates[0]
    if a.kind != "number" or best.features.get("title_cov", 0.0) < 1.0:
        return
    headline = quantity_values(best.hit.doc.title)
    if headline and not quantity_values(best.text()) & headline:
        promote_first(
            candidates, among, lambda c: c.doc_id == best.doc_id and bool(quantity_values(c.text()) & headline), 1
        )


def _with_neighbours(
    text: str, start: int, end: int, widen_forward: bool = True, describes: bool = False, keep_from: int | None = None
) -> tuple[int, int]:
    """Widen a short answer by the sentence it leans on: the one before when it opens with a reference
    back (他是…, 其中…), the one after when it ends in a colon or says too little on its own."""
    low, high = paragraph_bounds(text, start, end)
    if low > 0:  # one sentence further back, so the sentence before the answer is in view
        low = paragraph_bounds(text, low - 1, low - 1)[0]
    sentences = split_sentences(text, low, high)
    before = [s for s in sentences if s[1] <= start]
    after = [s for s in sentences if s[0] >= end]
    opened_in = next((s for s in sentences if s[0] < start < s[1]), None)  # a clause window of a long sentence
    if opened_in and LEANS_BACK.match(text, start):
        # 因此并没有列入… leans on the clause before it (由于并非…制作，), not on the sentence before
        clause_before = split_clauses(text, opened_in[0], start)[-1][0]
        if end - clause_before <= MAX_ANSWER_CHARS:
            start = clause_before
    elif before and LEANS_BACK.match(text, start):
        if end - before[-1][0] > MAX_ANSWER_CHARS:  # too long with the sentence before: keep the clauses that fit
            fitting = [e for _, e in split_clauses(text, start, end) if e - before[-1][0] <= MAX_ANSWER_CHARS]
            if fitting and (keep_from is None or fitting[-1] > keep_from):  # never cut off the number asked for
                end = fitting[-1]
        if end - before[-1][0] <= MAX_ANSWER_CHARS:
            start = before[-1][0]
    elif before and REFERS_BACK.search(text, start, end) and end - before[-1][0] <= MAX_ANSWER_CHARS:
        start = before[-1][0]  # 同年, 此片 further in: only the whole sentence with the one before will do
    says_little = text[end - 1] in "：:" or end - start < SHORT_ANSWER
    if widen_forward and after and says_little and after[0][1] - start <= MAX_ANSWER_CHARS:
        end = after[0][1]
    if describes:  # the paragraph goes on describing: take its next sentences while they fit
        paragraph_end = text.find("\n", end)
        for _, s_end in split_sentences(text, end, len(text) if paragraph_end < 0 else paragraph_end):
            if s_end - start > MAX_ANSWER_CHARS:
                break
            end = s_end
    return start, end


def _citations(items: list[Candidate], candidates: list[Candidate], best: Candidate) -> tuple[Citation, ...]:
    """The answer's articles first (in the order the answer cites them); then the best sentence of each other
    article that bears on the question: likely enough, and about the question's subject."""
    by_doc: dict[str, Candidate] = {}
    for item in items:
        by_doc.setdefault(item.doc_id, item)
    floor = max(MIN_SOURCE_PROBABILITY, SOURCE_SHARE * best.probability)
    for c in candidates:
        if len(by_doc) >= MAX_SOURCES:
            break
        if c.doc_id in by_doc or c.probability < floor or c.features.get("subject_ctx", 1.0) < 1.0:
            continue
        by_doc[c.doc_id] = c
    return tuple(_citation(n, c) for n, c in enumerate(by_doc.values(), start=1))


def _citation(n: int, c: Candidate) -> Citation:
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
    return Citation(n, c.hit, prefix + snippet + suffix, marks, round(c.probability, 4))
