"""Candidate answers and what can be said about each: the sentences (or clause windows) of the retrieved passages,
with the features the learned decision (bot/core/decision.py) weighs.

Two stages keep this fast: every sentence gets the cheap coverage score (the question's IDF-weighted terms in it,
with its title and the sentence before), and only the best SHORTLIST get the full features, which need jieba's POS
tags (a person name for 谁, a place for 哪里) and the question's constraints (subject, year, qualifiers).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import jieba

from bot.core.followup import in_dictionary
from bot.core.question import (
    LIFE_EVENTS,
    LIFESPAN,
    MEASURE_WORDS,
    NAME_WORDS,
    NOT_A_MODEL_NUMBER,
    RELATIVE_YEARS,
    Analysis,
)
from index.datelines import blank_outlets
from index.documents import Document
from index.postags import posseg
from index.search import Hit
from index.sentences import split_clauses, split_sentences
from index.terms import is_han, units

MAX_ANSWER_CHARS = 150
MAX_TERM_CHARS = 6  # a term asked to be defined (什么是X) longer than this is mostly a question read as a term
SHORTLIST = 12  # candidates that get the full features
TITLE_SHARE = 0.8  # how far a question term in the article title counts as being in each of its sentences
NEAR_CHARS = 12  # an answer this close to the focus word is "next to" it
MAX_IDF = 8.0
_NAMED_KINDS = ("who", "org", "where")

# A sentence that opens by pointing back (他…, 其中…, 毕业后，…, 报道称，他…) needs the one before it to be understood.
LEANS_BACK = re.compile(
    r"他|她|它|其|该|此|这|那|但|而|同时|此外|另外|并且|其中|因此|所以|对此|在此|由此|为此|据此|于是|因而|从而|与此同时|成为|完成|并|也|还|便|遂|是为|"
    r"(?!今后)[\u4e00-\u9fff]{1,3}后[，,]|随后|之后|其后|不久[，,]|"
    r"[^，。！？；]{0,8}[，,]\s*(?:他|她|它|其|该)"
)
# A sentence that names what it is about only by pointing back to the one before (同年，…; 他在此片成名): the
# year or the film is there, not here.
REFERS_BACK = re.compile(
    r"同年|当年|次年|翌年|是年|同月|当月|次月|[此该](?:片|书|剧|作|曲|歌|战|役|年|地|案)|[此该这][张部本首篇]"
)
# A sentence that asks (如何预防带状疱疹呢？) is no answer, however well it matches the question.
_ASKS = re.compile(r"[？?][”」』]?\s*$|[吗呢][？?]")
# Dates as news writes them, IT之家's spaced "8 月 17 日" too.
_DATE_PARTS = re.compile(
    r"\d{4}-\d{1,2}(-\d{1,2})?|\d{4} ?年|(\d{1,2}-)?\d{1,2} ?月( ?\d{1,2} ?[日号])?|\d{1,2} ?[日号]"
)
# A year of history as DRCD and CMRC write one: 845年, 公元前25年, 民国38年, 民国三十四年 (not 100年来, 500年历史).
_OLD_YEAR = (
    r"(?:公元|西元)前?\d{1,4} ?年|(?<![\d.])\d{3} ?年(?![代来间历多])|民国(?:\d{1,2}|[一二三四五六七八九十]{1,3})年"
)
_DATE = re.compile(
    _OLD_YEAR + r"|\d{4} ?年|\d{1,2} ?月|\d{1,2} ?[日号]|\d{4}-\d{2}|"
    r"(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,3}月|"
    r"[上下]午|凌晨|傍晚|\d{1,2}[:：]\d{2}|"
    r"\d{1,2}[时点]|今年|去年|明年|昨[天日]|今[天日]|明[天日]|前[天日]|当[天日]|周[一二三四五六日末]|星期[一二三四五六日天]|"
    r"春节|元旦|国庆|中秋|端午|世纪|年代|年初|年底|年末|月初|月底|上旬|中旬|下旬|"
    # a dynasty or a reign dates as well as a year does (嘉定府设于宋朝, 康熙年间)
    r"[夏商周秦汉晋隋唐宋元明清][朝代]|[东西南北][汉晋周齐魏宋]|南北朝|五代十国|三国时期|春秋时期|战国时期|[\u4e00-\u9fff]{2}年间"
)
# A Chinese numeral before 年 counts years (四年, 七十年) when short: 二〇〇八年 is a date.
_NUMERAL = (
    r"(?:(?P<digits>\d+(?:[.,]\d+)*)|[一二两三四五六七八九十百千万亿零〇]+(?![年月日])|(?<![上下每同])[一二两三四五六七八九十]{1,3}(?=年))"
)
_QUANTITY = re.compile(
    _NUMERAL + r"\s*(?:多|余|几)?\s*(?:[万亿千百]+)?\s*(?P<unit>%|％|‰|[A-Za-z]{1,3}(?![A-Za-z])|[\u4e00-\u9fff]{0,2})"
)
# A number right after a Latin word names a model (宝马 M5, RTX 4060, i5-13500H), not a quantity, unless a
# rate or sum follows it (GDP 5%).
_SUM_OR_RATE = re.compile(r"[%％‰万亿]|元|美元")
# Chinese numerals count as a quantity only before a measure word (七名, 十家, 两倍): 一 in 一代, 统一 is no count.
_COUNTED = frozenset(MEASURE_WORDS + "倍%％万亿届周")
_NOT_COUNT_BEFORE = frozenset("统唯之同单专逐")
# A Chinese numeral that counts in tens or more (四十万, 八百, 三千) is a number before any word (四十万兵力).
_COUNTING_NUMERAL = re.compile(r"[一二两三四五六七八九十][一二两三四五六七八九十百千万亿零〇]{0,8}[十百千万亿]")
# Latin and Chinese spellings of one unit: "205km" answers 续航多少公里.
_UNIT_SPELLINGS = {
    "公里": ("km", "千米"), "千米": ("km", "公里"), "米": ("m",), "瓦": ("w", "kw", "千瓦"), "千瓦": ("kw",),
    "秒": ("s",), "赫兹": ("hz",), "英寸": ("寸", "inch"), "毫安": ("mah",),
    "公斤": ("kg", "千克"), "毫米": ("mm",), "厘米": ("cm",), "千克": ("kg", "公斤"), "小时": ("h",), "升": ("l",),
    "克": ("g", "kg", "公斤", "千克", "斤", "吨"), "距离": ("公里", "千米", "米", "km", "m"),
    "时长": ("秒", "分", "小时", "天", "周", "个月", "年", "h", "min", "s"),
}
_RATE_UNITS = ("%", "％", "倍", "成", "个百分点", "百分点", "‰", "分之")  # 分之: 四分之三, 百分之三十
_AMOUNT_VALUE = re.compile(  # anchored at the start of a number run, one space run: linear time
    r"(?<![\d.,])\d[\d.,]*\s*(?:[多余]\s*)?(?:[万亿]|元|美元|欧元|英镑|日元|吨|件|单)"
)
_CURRENCY = re.compile(r"元|欧元|美元|英镑|日元|韩元|卢布|港元|法郎|块|澳元|加元|比索|里拉|卢比")
WHEN_UNITS = {
    "年": re.compile(_OLD_YEAR + r"|\d{4}年?|[今去明前]年|[一二三四五六七八九〇零]{4}年"),
    "日": re.compile(r"\d{1,2} ?[日号]|[今昨明前当]天|[今昨明]日|周[一二三四五六日末]|星期."),
    "时": re.compile(r"\d{1,2}[时点:：]|[上下]午|凌晨|傍晚|晚上|早上|中午|深夜"),
}
# Stripped from a question before its longest shared phrase with a sentence is measured: punctuation and the
# words that ask, which a sentence that answers does not repeat.
_ASKING = re.compile(r"[？?！!，,。\s“”\"]|多少|什么|哪[里儿些个家位年天]?|谁|几|吗|呢|是否")
_ENUMERATION = re.compile(r"[、，,]|以及|和|及|与")
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?![\d级届])")
_ORDINAL = re.compile(r"第[一二三四五六七八九十百\d]+")
_EDITION = re.compile(r"第[一二三四五六七八九十百\d]+(?=[届期次季批轮代版])")
_RANK = re.compile(r"(?:第|前)[一二三四五六七八九十百\d]+|榜首|首位|居首|之首|头名|冠军|亚军|季军")
_OPPOSITES = dict(zip("男女上下高低多少大小", "女男下上低高少多小大", strict=True))  # 男子 -> 女子, 上半年 -> 下半年
_QUOTED = re.compile(r"《[^》]{1,30}》|“[^”]{1,30}”|「[^」]{1,30}」")
# A sentence that gives another name, for a question that asks for one (别名是什么).
_ALIAS_GIVEN = re.compile(NAME_WORDS + "|称为|称作|叫做|名为|被称|人称|命名")
# A sentence that defines a term names it as a whole word (not 二甲基乙酰胺 for 乙酰胺), maybe with a gloss in
# brackets and other names (又称内台航线，), then says what it is: X（…）是…, X，或称Y，是…, X指…
_DEFINED_STARTS = r"(?<![\u4e00-\u9fffA-Za-z0-9])"  # not the end of a longer word
_DEFINING = (
    r"(?:\s*[（(][^）)]{0,60}[）)])?"
    r"(?:[，,]\s*(?:或|又|也|亦|简|旧|俗|别|通|原)?(?:称|名|叫)(?:[^，。！？；（(]|[（(][^）)]{0,30}[）)]){0,30}[，,]?)?"
    r"[，,]?\s*(?:就|也|则|其实|实际上|本身|通常|一般|原本|主要|泛|专|特)?(?:是|为|指|即|乃|意为|意指|系)"
)
_PERSON_TITLE = re.compile(
    r"(?:主席|总统|总理|首相|部长|局长|厅长|市长|省长|县长|书记|董事长|总裁|CEO|创始人|总经理|经理|主任|院长|校长|教练|导演|"
    r"演员|歌手|选手|运动员|作者|记者|专家|教授|博士|负责人|发言人|队长|主持人|执导|主演|担任|出任|获得者|得主)"
)
_ORG_SUFFIX = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{2,12}(?:公司|集团|银行|大学|学院|协会|委员会|研究院|研究所|医院|法院|检察院|政府|部|局|署|厅|"
    r"中心|基金会|联合会|俱乐部|队|平台|交易所|电视台|报社|出版社)"
)
_PLACE_SUFFIX = re.compile(
    r"[\u4e00-\u9fff]{1,6}(?:省|市|县|区|镇|乡|村|州|岛|港|湾|路|街|山|江|河|湖|海|机场|车站|广场|公园|体育场|体育馆|"
    r"会展中心|大厦|酒店|基地)"
)


@dataclass
class Candidate:
    """One sentence (or clause window) that might answer the question."""

    hit: Hit
    rank: int  # the passage's place in the retrieval list
    start: int  # span in the document text
    end: int
    coverage: float  # the cheap first-stage score
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0  # the learned decision's logit (set by bot.core.decision)
    probability: float = 0.0
    names: frozenset[str] = frozenset()  # the new names of the kind asked (谁, 哪里) the tagger found in it

    @property
    def doc_id(self) -> str:
        return self.hit.doc.doc_id

    def text(self) -> str:
        return self.hit.doc.text[self.start : self.end]


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a passage to whole sentences: back to the end of the sentence before it, on to the next sentence end."""
    left = max(text.rfind(mark, 0, start) for mark in "。！？；\n")
    right_candidates = [p for mark in "。！？；\n" if (p := text.find(mark, end)) >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return left + 1, min(len(text), right)


def answer_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
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


def coverage(text: str, weights: dict[str, float], total: float) -> float:
    return sum(w for t, w in weights.items() if t in text) / total if total else 0.0


class Scorer:
    """Features of the candidates for one question (its analysis and its weighted terms)."""

    def __init__(self, analysis: Analysis, weights: dict[str, float], question: str):
        self.analysis = analysis
        self.question = question.lower()
        self.weights = weights
        self.total = sum(weights.values())
        # A sentence that defines the term a definition question asks about: compiled once per question.
        defined = analysis.defined
        self.defining = re.compile(_DEFINED_STARTS + re.escape(defined) + _DEFINING) if defined else None
        # The question's content words, each weighted by its rarest unit: a word is there or not as a whole, so
        # 大阪 missing from a sentence about 东京 counts even where bigram coverage is high.
        self.words = {
            w: weight for w in analysis.words if (weight := max((weights.get(u, 0.0) for u in units(w)), default=0.0))
        }
        self.words_total = sum(self.words.values())
        self.word_forms = {w: _word_forms(w) for w in self.words}
        # The question without its asking words and punctuation, for the longest phrase a sentence shares with it.
        self.asked_text = _ASKING.sub("", self.question)

    def candidates(self, hits: list[Hit]) -> list[Candidate]:
        """Every sentence of the passages, scored by the cheap coverage, best first; the best SHORTLIST get
        their full features."""
        if not self.total:
            return []
        seen: set[tuple[str, int, int]] = set()
        found: list[Candidate] = []
        for rank, hit in enumerate(hits):
            text = hit.doc.text
            sentences = split_sentences(text, *paragraph_bounds(text, hit.chunk.start, hit.chunk.end))
            sentences = [s for s in sentences if s[1] > hit.chunk.start and s[0] < hit.chunk.end]
            title, read = _evidence(hit.doc)
            for i, (s_start, s_end) in enumerate(sentences):
                before = read[sentences[i - 1][0] : sentences[i - 1][1]].lower() if i else ""
                context_cov = coverage(f"{title}\n{before}\n{read[s_start:s_end].lower()}", self.weights, self.total)
                for start, end in answer_spans(text, s_start, s_end):
                    if (hit.doc.doc_id, start, end) in seen:
                        continue
                    seen.add((hit.doc.doc_id, start, end))
                    span = read[start:end].lower()
                    span_cov = coverage(span, self.weights, self.total)
                    sentence_cov = (1 - TITLE_SHARE) * span_cov + TITLE_SHARE * coverage(
                        f"{title}\n{span}", self.weights, self.total
                    )
                    cheap = 0.5 * sentence_cov + 0.2 * context_cov + 0.3 * hit.dense - 0.01 * rank
                    c = Candidate(hit, rank, start, end, cheap)
                    c.features = {"sentence_cov": sentence_cov, "context_cov": context_cov, "span_cov": span_cov}
                    found.append(c)
        found.sort(key=lambda c: c.coverage, reverse=True)
        shortlist = found[:SHORTLIST]
        top_rrf = max((h.score for h in hits), default=1.0) or 1.0
        top_bm25 = max((h.lexical for h in hits), default=1.0) or 1.0
        # Each retrieved article's title and text, lowered once: the whole-article features all read it.
        articles = {h.doc.doc_id: "\n".join(_evidence(h.doc)).lower() for h in hits}
        doc_cov: dict[str, tuple[float, float, float]] = {}
        retrieved = self._retrieved(articles)
        for order, c in enumerate(shortlist):
            c.features.update(self._full(c, order, top_rrf, top_bm25, articles[c.doc_id], doc_cov))
            c.features.update(retrieved)
        return shortlist

    def _longest_shared(self, span: str) -> float:
        """The longest run of the question's own wording that the span repeats (7月份出口, 扶持500+个), as a share
        of the question's content characters: a sentence that answers often restates the question's phrase."""
        if not self.asked_text:
            return 0.0
        match = difflib.SequenceMatcher(None, self.asked_text, span, autojunk=False).find_longest_match(
            0, len(self.asked_text), 0, len(span)
        )
        return match.size / len(self.asked_text)

    def _retrieved(self, articles: dict[str, str]) -> dict[str, float]:
        """What no retrieved article holds, the same for every candidate: a rare question term or the attribute
        asked about that none of them names says the corpus may not answer at all."""
        everything = "\n".join(articles.values())
        missing = max((w for t, w in self.weights.items() if t not in everything), default=0.0)
        return {"missing_hits": missing / MAX_IDF, "focus_hits": _share(self.analysis.focus, everything)}

    def _full(
        self, c: Candidate, order: int, top_rrf: float, top_bm25: float, whole: str, doc_cov: dict
    ) -> dict[str, float]:
        """The full features of one shortlisted candidate; `whole` is its article's title and text, lowered."""
        a = self.analysis
        doc = c.hit.doc
        text = doc.text
        span = text[c.start : c.end]  # as written: its dateline's date may be the answer
        title, read = _evidence(doc)
        lower = read[c.start : c.end].lower()
        before_start = max(text.rfind(m, 0, max(0, c.start - 1)) for m in "。！？\n") + 1
        passage = read[before_start : c.end].lower()  # the sentence and the one before it
        # 增幅 asked, 同比增长647% said; 举行 asked, 举办 said: the text is read with the question's own words
        lower, passage = _in_question_words(a, lower), _in_question_words(a, passage)
        context = f"{title}\n{passage}"
        if doc.doc_id not in doc_cov:  # what the whole article holds: read once for all its sentences
            doc_cov[doc.doc_id] = (
                coverage(whole, self.weights, self.total),
                max((w for t, w in self.weights.items() if t not in whole), default=0.0),
                _subject_share(a.subjects, whole),
            )
        whole_cov, missing_doc, subject_doc = doc_cov[doc.doc_id]
        missing_ctx = max((w for t, w in self.weights.items() if t not in context), default=0.0)
        absent = [w for word, w in self.words.items() if not any(f in context for f in self.word_forms[word])]
        # POS tags only matter for the kinds that want a name (person, organisation, place); the slow part.
        tags = [(p.word, p.flag) for p in posseg().cut(span, HMM=False)] if a.kind in _NAMED_KINDS else []
        found = _answer_types(span, tags)
        kind_ok = _kind_ok(a, found)
        unit_ok, unit_wrong = _unit_match(a, found["quantities"], span)
        near = _near_focus(lower, a.focus, found["positions"].get(_type_key(a), []))
        tagged = _tagged_kind(a, found, self.question)[0]
        c.names = _new_names(a, found, self.question)
        f = {
            "first_stage": c.coverage,
            "first_stage_order": order / SHORTLIST,
            "title_cov": coverage(title, self.weights, self.total),
            "doc_cov": whole_cov,
            "missing_ctx": missing_ctx / MAX_IDF,
            "missing_doc": missing_doc / MAX_IDF,
            "word_missing_ctx": max(absent, default=0.0) / MAX_IDF,
            "word_missing_share": sum(absent) / self.words_total if self.words_total else 0.0,
            "dense": c.hit.dense,
            "rrf": c.hit.score / top_rrf,
            "bm25": c.hit.lexical / top_bm25,
            "rank": c.rank / 20,
            "kind_ok": float(kind_ok),
            f"kind_ok_{a.kind}": float(kind_ok),
            f"kind_{a.kind}": 1.0,
            "unit_ok": float(unit_ok),
            "unit_wrong": float(unit_wrong),
            "focus_span": _share(a.focus, lower),
            "focus_ctx": _share(a.focus, context),
            "focus_near": float(near),
            "focus_close": _focus_closeness(lower, a.focus, found["positions"].get(_type_key(a), [])),
            "phrase": self._longest_shared(lower),
            # For the kinds that want a name: the tagger found one (the suffix patterns alone are loose: 海 in
            # 海战 reads as a place), and one sits next to the focus.
            "named": float(bool(tagged)) if a.kind in _NAMED_KINDS else 1.0,
            "named_near": float(_near_focus(lower, a.focus, tagged)) if a.kind in _NAMED_KINDS else 1.0,
            "new_name": float(bool(c.names)) if a.kind in _NAMED_KINDS else 1.0,
            "has_subject": float(bool(a.subjects)),
            "subject_span": _subject_share(a.subjects, lower),
            "subject_ctx": _subject_share(a.subjects, context),
            "subject_doc": subject_doc,
            "has_year": float(bool(a.years)),
            "year_span": _year_share(a.years, lower),
            "year_ctx": _year_share(a.years, context),
            "year_doc": float(_years_ok(a, doc)),
            "has_qualifier": float(bool(a.qualifiers)),
            "qualifier_ctx": _qualifier_share(a.qualifiers, context),
            "day_ctx": _day_share(a.days, context),
            "day_conflict": float(_day_conflict(a.days, context) or _month_of_day_conflict(a.day_in_month, context)),
            "year_month_clash": float(_year_month_clash(self.question, context)),
            "year_conflict": float(
                _year_conflict(a.years, context) or _relative_year_conflict(a.relative_years, doc.date, context)
            ),
            "year_clash": float(_year_clash(a.years, doc.date, context)),
            "event_absent": float(_event_absent(a.life_event, context)),
            "post_absent": float(_post_absent(a.posts, context)),
            "subject_clash": float(_subject_clash(a.subjects, context, self.question)),
            "deputy_clash": float(_deputy_conflict(a.focus, self.question, lower)),
            "period_clash": float(_period_conflict(self.question, context)),
            "qualifier_conflict": float(
                _qualifier_conflict(a.qualifiers, passage, title)
                or _ordinal_rival(a.qualifiers, self.question, span)
                or _numbered_rival(self.question, span)
                or _deputy_conflict(a.focus, self.question, context)
            ),
            "length": (c.end - c.start) / MAX_ANSWER_CHARS,
            "leans_back": float(bool(LEANS_BACK.match(span))),
            "asks": float(bool(_ASKS.search(span))),
            "enumeration": min(len(_ENUMERATION.findall(span)), 6) / 6,
            "quoted": float(bool(_QUOTED.search(span))),
            "alias": float(a.wants_alias and bool(_ALIAS_GIVEN.search(span))),
            "defines": float(self.defining is not None and bool(self.defining.search(lower))),
            # 什么是地月空间 answered by a sentence, sentence before and title that never name 地月空间 (a short
            # term; a long "term" is mostly a question read as one: 胜利广场周围地区现在是什么)
            "term_absent": float(
                a.defined is not None and len(a.defined) <= MAX_TERM_CHARS and a.defined not in context
            ),
        }
        # Each unmet constraint alone is rare in the data; their count pools the evidence.
        f["violations"] = (
            (f["subject_ctx"] < 1)
            + (f["year_ctx"] < 1)
            + (f["qualifier_ctx"] < 1)
            + f["unit_wrong"]
            + (f["focus_ctx"] < 1)
            + (1 - f["kind_ok"])
            + f["year_conflict"]
            + f["qualifier_conflict"]
        )
        return f


def _evidence(doc: Document) -> tuple[str, str]:
    """An article's title (lowered) and text as evidence is read: the outlets of its datelines blanked
    (index.datelines, cached there), so 中国经济网 is no 中国. Same length as the text, so offsets into it hold."""
    return blank_outlets(doc.title).lower(), blank_outlets(doc.text)


def _word_forms(word: str) -> tuple[str, ...]:
    """How a text may hold a question word: whole, or, for a word the tokenizer made up (not in its dictionary),
    without its first or last character, which is often a neighbour's it took in (史继偕著 of 史继偕著有哪些,
    长雷蒙 of 部长雷蒙多): the text names 史继偕 and 雷蒙多, never the made-up word."""
    if len(word) < 3 or not is_han(word) or in_dictionary(word):
        return (word,)
    return (word, word[:-1], word[1:])


def _share(words: tuple[str, ...], text: str) -> float:
    """The share of `words` found in `text` (1.0 when there are none to find)."""
    if not words:
        return 1.0
    return sum(1 for w in words if w in text) / len(words)


def _subject_share(subjects: tuple[str, ...], text: str) -> float:
    """The share of the subjects that `text` names, in full or spelt out (欧盟 as 欧洲联盟, 交管局 as 交通管理局)."""
    if not subjects:
        return 1.0
    return sum(1 for s in subjects if s in text or ((full := _spelt_out(s)) and full.search(text))) / len(subjects)


@lru_cache(maxsize=4096)
def _spelt_out(subject: str) -> re.Pattern | None:
    """A subject's characters in order with at most as many more between them (欧盟: 欧洲联盟), the way a short
    name abbreviates a long one. None for names ending in 国 (韩国 is no abbreviation of 韩美两国) and for names
    that are not all Han characters."""
    if len(subject) < 2 or not is_han(subject) or subject.endswith("国"):
        return None
    gaps = f".{{0,{len(subject)}}}"
    return re.compile(gaps.join(map(re.escape, subject)))


def _year_share(years: tuple[str, ...], text: str) -> float:
    """The share of the question's years that `text` names as years (2022 in 2022级 or 20221 is not one)."""
    if not years:
        return 1.0
    return sum(1 for y in years if re.search(rf"(?<!\d){y}(?![\d级届])", text)) / len(years)


def _year_conflict(years: tuple[str, ...], text: str) -> bool:
    """The text names a year, and not the one asked about: a figure for 2022 does not answer a 2023 question."""
    return bool(years) and _year_share(years, text) < 1 and bool(_ANY_YEAR.search(text))


# A total is said many ways: 一共 asked, 全省共直播18.7万场 answers. 共 alone, but not inside 公共, 共同, 中共….
_TOTAL_ASKED = frozenset(("一共", "总共", "共计", "合计", "总计", "累计"))
_TOTAL_SAID = re.compile(r"一共|总共|共计|合计|总计|累计|(?<![公中])共(?![同享识建性鸣赢产青和振])")


def promote_first(
    candidates: list[Candidate], among: int, answers: Callable[[Candidate], bool], start: int = 0
) -> None:
    """Among the best `among` (from `start`), the first candidate that `answers` goes before all the others."""
    for i in range(start, min(among, len(candidates))):
        if answers(candidates[i]):
            candidates.insert(0, candidates.pop(i))
            return


def total_first(a: Analysis, candidates: list[Candidate], among: int) -> None:
    """A total asked (一共, 累计) is answered by a sentence that states one: among the best `among` (those the
    verifier read), one that says 共 or 累计 goes before those that do not (全省共直播18.7万场 before
    数商兴农直播场次达2.1万场次)."""
    if any(q in _TOTAL_ASKED for q in a.qualifiers):
        promote_first(candidates, among, lambda c: bool(_TOTAL_SAID.search(c.text())))


def _qualifier_share(qualifiers: tuple[str, ...], text: str) -> float:
    """The share of the question's qualifiers that `text` holds, a total counted in any of its wordings."""
    if not qualifiers:
        return 1.0
    said = sum(1 for q in qualifiers if q in text or (q in _TOTAL_ASKED and _TOTAL_SAID.search(text)))
    return said / len(qualifiers)


_ANY_DAY = re.compile(NOT_A_MODEL_NUMBER + r"(\d{1,2}) ?[日号]")  # not 月球-26号


def _day_share(days: tuple[str, ...], text: str) -> float:
    """The share of the days of the month the question names (8月6日, 6日) that `text` names too."""
    if not days:
        return 1.0
    named = {m.group(1) for m in _ANY_DAY.finditer(text)}
    return sum(1 for d in days if d in named) / len(days)


def _day_conflict(days: tuple[str, ...], text: str) -> bool:
    """The text names a day, and none the question names: a toll as of 8月14日 does not answer one as of 8月15日."""
    return bool(days) and _day_share(days, text) == 0 and bool(_ANY_DAY.search(text))


_MONTH_DAY = re.compile(r"(?<!\d)(1[0-2]|[1-9]) ?月 ?(?:[1-9]|[12]\d|3[01]) ?[日号]")


def _month_of_day_conflict(month: str | None, text: str) -> bool:
    """A day asked within a month (波兰大选在10月哪一天): the text dates things to days of other months only
    (8月15日)."""
    if month is None:
        return False
    named = {m.group(1) for m in _MONTH_DAY.finditer(text)}
    return bool(named) and month not in named


# A month with its year (2022年12月): a figure "as of" a month is dated by both.
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(1[0-2]|[1-9])\s*月")


def _year_month_clash(question: str, text: str) -> bool:
    """A month asked with its year (截至2022年12月) of a text that gives that month of another year (截至2021年12月)
    and never names the year asked. The article's own year does not save it, as it does for a bare year: a 2022
    report states 2021年12月's figures."""
    for year, month in _YEAR_MONTH.findall(question):
        other_year = any(m == month for _, m in _YEAR_MONTH.findall(text))
        if other_year and not re.search(rf"(?<!\d){year}(?!\d)", text):
            return True
    return False


def _qualifier_conflict(qualifiers: tuple[str, ...], text: str, title: str = "") -> bool:
    """The text (or its article's title) holds a rival of a qualifier it lacks: 第二届 where 第三届 was asked,
    女子 for 男子, 下半年 for 上半年. A qualifier that is only missing is weaker evidence (qualifier_ctx). In the
    title only an edition is a rival ordinal: its 第二届 holds for the whole article, but 深圳排全国城市第二 ranks
    深圳, not the city a sentence ranks first."""
    for q in qualifiers:
        if q in text or q in title:
            continue
        if q.startswith("第") and (
            any(m.group(0) != q for m in _ORDINAL.finditer(text))
            or any(m.group(0) != q for m in _EDITION.finditer(title))
        ):
            return True
        rival = "".join(_OPPOSITES.get(ch, ch) for ch in q)
        if rival != q and (rival in text or rival in title):
            return True
    return False


# A period of the year a figure covers, read as its first and last month: 上半年 and 1-6月 are one period,
# 前7个月 another. Only periods that start in January or are halves and quarters are read.
_PERIOD = re.compile(
    r"(?P<half>[上下])半年|前三季度|第?(?P<quarter>[一二三四1-4])季度|全年"
    r"|前(?P<months>1[01]|[1-9]|十一|[一二三四五六七八九十])个?月|(?<!\d)1\s*[-—~至到]\s*(?P<to>1[0-2]|[2-9])\s*月"
)
_NUMERALS = {n: i for i, n in enumerate("一二三四五六七八九十", start=1)} | {"十一": 11}


def _periods(text: str) -> frozenset[tuple[int, int]]:
    found = set()
    for m in _PERIOD.finditer(text):
        if m.group("half"):
            found.add((1, 6) if m.group("half") == "上" else (7, 12))
        elif m.group(0) == "前三季度":
            found.add((1, 9))
        elif q := m.group("quarter"):
            k = int(q) if q.isdigit() else _NUMERALS[q]
            found.add((3 * k - 2, 3 * k))
        elif m.group(0) == "全年":
            found.add((1, 12))
        else:
            n = m.group("months") or m.group("to")
            found.add((1, int(n) if n.isdigit() else _NUMERALS[n]))
    return frozenset(found)


_asked_periods = lru_cache(maxsize=1024)(_periods)  # a question's, read once for all its candidates


def _period_conflict(question: str, text: str) -> bool:
    """The question asks a figure for one period of the year and the text states one for another, not the one
    asked: 前7个月 does not answer 上半年, nor 一季度 全年 (上半年 and 1-6月 are the same period)."""
    asked = _asked_periods(question)
    if not asked:
        return False
    said = _periods(text)
    return bool(said) and not asked & said


# A rate asked by its name (增幅, 降幅) is stated by a verb of change before a % or 倍 (同比增长647%, 下降3.2个百分点).
_RATE_VERBS = {
    "增幅": "增长|增加|上涨|提升|提高|上升",
    "涨幅": "上涨|增长|上升",
    "增速": "增长|增加|提升|提高",
    "降幅": "下降|下跌|减少|回落|降低|下滑",
    "跌幅": "下跌|下降|回落|下滑",
}
_RATE_VALUE = r"(?=[了约近超逾达至为]{0,2}\s*\d+(?:\.\d+)?\s*(?:%|％|个百分点|倍))"


# Words news uses for one another, each group of one length: a question's word is found under any of them.
_SAME_MEANING = tuple(
    group.split()
    for group in (
        "举行 举办 召开", "发布 公布 印发", "包含 包括 涵盖 囊括", "成立 创立 创办 设立", "位于 地处",
        "降到 降至 降为", "升到 升至 升为", "增到 增至", "提高到 提高至", "下降到 下降至", "上升到 上升至",
    )
)
_SAME_AS = {word: [other for other in group if other != word] for group in _SAME_MEANING for word in group}


def _in_question_words(a: Analysis, text: str) -> str:
    """The text with the question's words put in place of the ones news uses for them, so that the focus and
    missing-word checks see them: 举办 for 举行, and for a rate asked by its name (增幅) a stated change (同比增长647%
    -> 同比增幅647%). Every rename keeps the length, so positions in the text hold."""
    for word in a.words:
        if word in _SAME_AS and word not in text:
            text = re.sub("|".join(_SAME_AS[word]), word, text)
    for word in a.focus if a.rate else ():
        if word in _RATE_VERBS and word not in text:
            text = re.sub(f"(?:{_RATE_VERBS[word]}){_RATE_VALUE}", word, text)
    return text


def _ordinal_rival(qualifiers: tuple[str, ...], question: str, sentence: str) -> bool:
    """The sentence itself counts another one of the thing asked: 第8号台风 where 第6号台风 was asked, even when
    the sentence before names 第6号. Only the same measure counts (第124棒火炬手 is no rival of 第31届)."""
    for q in qualifiers:
        number = _ORDINAL.match(q)
        if not number or q in sentence:
            continue
        rest = q[number.end() :] or question[question.find(q) + len(q) :][:1]
        if not rest or not "\u4e00" <= rest[0] <= "\u9fff":
            continue
        same_measure = re.finditer(_ORDINAL.pattern + f"(?={re.escape(rest[0])})", sentence)
        if any(m.group(0) not in qualifiers for m in same_measure):  # 第二届…第三届 asked together: no rivals
            return True
    return False


# A thing named by a number (月球-26号, 长征5号): the same name with another number is another thing.
_NUMBERED_NAME = re.compile(r"([\u4e00-\u9fffA-Za-z]{2,8})[-－—]?(\d+)号")


def _numbered_rival(question: str, text: str) -> bool:
    """月球-24号 where 月球-26号 was asked: the same name with another number, and not the one asked."""
    for stem, number in _NUMBERED_NAME.findall(question):
        stem = stem[-2:]  # the name's last characters: 计划发射月球 -> 月球
        said = {n for s, n in _NUMBERED_NAME.findall(text) if s.endswith(stem)}
        if said and number not in said:
            return True
    return False


def _year_clash(years: tuple[str, ...], published: str | None, text: str) -> bool:
    """A year conflict that the article's own date does not explain: the article is not from the asked year,
    the text does not name it, and the text names another year, or says 今年/去年 of its own date for another
    one. A 2022 figure stated as 2022 does not answer a 2021 question, nor a 2023 article's 今年上半年 a 2022
    one; a 2023 article saying 较2022年增长 may still answer 2023."""
    year = (published or "")[:4]
    if not years or year in years or _year_share(years, text) > 0:
        return False  # a span of years asked (1984年至1992年) is met by a sentence that names one of them
    if year.isdigit() and all(int(y) > int(year) for y in years):
        return True  # 到2025年 asked of a 2023 article: only a target stated with its year answers
    relative = [offset for word, offset in RELATIVE_YEARS.items() if word in text]
    if relative:
        return year.isdigit() and not {str(int(year) + k) for k in relative} & set(years)
    return _year_conflict(years, text)


# The last character that names what kind of place a name is (江西省, 海南州, 仁川港): two names ending alike are
# two of the same kind, so a sentence naming the other one is about the other one.
_PLACE_CLASS = frozenset("省市县区州镇乡村港岛")  # not 国: 罗马帝国 and 拜占庭帝国 are one empire
_NOT_A_NAME = frozenset("全本该各我外他此两多每同跨异")  # 全省, 本市, 各区: no other place


def _subject_clash(subjects: tuple[str, ...], context: str, question: str) -> bool:
    """A place asked about is nowhere in the context (title, sentence before, sentence), which names another place
    of its kind instead: 福建省's 合格率 does not answer 江西省's, nor 海北州's projects 海南州's."""
    tokens: list[str] | None = None
    for subject in subjects:
        stem, suffix = subject[:-1], subject[-1:]
        if suffix not in _PLACE_CLASS or len(stem) < 2 or stem in context:
            continue
        if tokens is None:
            tokens = jieba.lcut(context)
        for i, token in enumerate(tokens):
            name = token if token.endswith(suffix) else token + suffix if tokens[i + 1 : i + 2] == [suffix] else ""
            another = name not in subject and name[:-1] not in question  # 罗马帝国 is part of 东罗马帝国
            if len(name) >= 3 and is_han(name) and name[0] not in _NOT_A_NAME and another:
                return True
    return False


def _event_absent(event: str | None, context: str) -> bool:
    """A birth or death date asked (哪年出生, 何时去世), and the context states neither that event nor a lifespan:
    the date it gives is of something else (2023年7月13日 a 聘任, not a birth)."""
    return event is not None and not LIFE_EVENTS[event].search(context) and not LIFESPAN.search(context)


def _post_absent(posts: tuple[tuple[str, ...], ...], context: str) -> bool:
    """A 谁 question asks who holds a post (行长, 董事长, 导演), and the context names none of the posts asked:
    the people or bodies it names are not said to hold it (浦发银行兰州分行 and its campaign, for its 行长)."""
    return bool(posts) and not any(name in context for names in posts for name in names)


def _relative_year_conflict(offsets: tuple[int, ...], published: str | None, text: str) -> bool:
    """今年 asked of an article from 2023 means 2023: a context that names only other years (2016年) is about
    another period, unless it says 今年 itself."""
    if not offsets or not published or not published[:4].isdigit():
        return False
    if any(word in text for word in RELATIVE_YEARS):
        return False
    wanted = tuple(str(int(published[:4]) + k) for k in offsets)
    return _year_conflict(wanted, text)


def _deputy_conflict(focus: tuple[str, ...], question: str, text: str) -> bool:
    """The role asked about is there only as its deputy: 副局长 does not answer 局长是谁 (nor 副作用 作用)."""
    for word in focus:
        deputy = f"副{word}"
        if len(word) >= 2 and deputy not in question and deputy in text and text.count(word) == text.count(deputy):
            return True
    return False


def _years_ok(a: Analysis, doc) -> bool:
    """News figures belong to a period: a year the question names must be in the article or be its year."""
    published = (doc.date or "")[:4]
    return all(y == published or _year_share((y,), f"{doc.title}\n{doc.text}") == 1.0 for y in a.years)


def _type_key(a: Analysis) -> str:
    return {"who": "person", "org": "org", "where": "place", "when": "date", "number": "quantity"}.get(a.kind, "")


def stated_answers(c: Candidate, kind: str) -> frozenset[str]:
    """What a candidate states of the kind asked: its quantities for 多少, its dates for 何时, the new names it
    holds for 谁/哪里/哪个机构 (empty for other kinds). Two articles stating the same one report the same answer."""
    if kind == "number":
        return quantity_values(c.text())
    if kind == "when":
        return frozenset(m.group(0).replace(" ", "") for m in _DATE_PARTS.finditer(c.text()) if len(m.group(0)) > 2)
    return c.names


def quantity_values(text: str) -> frozenset[str]:
    """The quantities a text states (5.25%, 18.7万场), dates left out: what two articles agree on when they
    report the same figure."""
    no_dates = _DATE_PARTS.sub(lambda m: " " * len(m.group(0)), text)
    found = (m.group(0).strip() for m in _QUANTITY.finditer(no_dates) if _is_quantity(m, no_dates))
    return frozenset(q for q in found if len(q) > 1)


def _answer_types(span: str, tags: list[tuple[str, str]]) -> dict:
    """Where the span holds a person, organisation, place, date or quantity (character offsets)."""
    positions: dict[str, list[int]] = {"person": [], "org": [], "place": [], "date": [], "quantity": []}
    # What the tagger alone found, before the looser suffix and title patterns add to positions: (offset, word).
    tagged: dict[str, list[tuple[int, str]]] = {"person": [], "org": [], "place": []}
    at = 0
    for i, (word, flag) in enumerate(tags):
        kind = "person" if flag.startswith("nr") else "org" if flag == "nt" else "place" if flag == "ns" else ""
        if kind and (len(word) >= 2 or kind == "org"):
            positions[kind].append(at)
        name = word + _given_name(tags[i + 1 : i + 3]) if kind == "person" and len(word) == 1 else word
        if kind and len(name) >= 2:  # without the HMM a name falls apart: 邱/nr 文/n 生/vn
            tagged[kind].append((at, name))
        at += len(word)
    positions["person"] += [m.start() for m in re.finditer(r"[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}", span)]
    positions["person"] += [m.start() for m in _PERSON_TITLE.finditer(span)] if positions["person"] else []
    positions["org"] += [m.start() for m in _ORG_SUFFIX.finditer(span)]
    positions["place"] += [m.start() for m in _PLACE_SUFFIX.finditer(span)]
    positions["date"] = [m.start() for m in _DATE.finditer(span)]
    no_dates = _DATE_PARTS.sub(lambda m: " " * len(m.group(0)), span)
    quantities = [(m.start(), m.group("unit")) for m in _QUANTITY.finditer(no_dates) if _is_quantity(m, no_dates)]
    positions["quantity"] = [p for p, _ in quantities]
    return {"positions": positions, "quantities": quantities, "tagged": tagged}


# An ordinal (第十一届, 第5号) counts nothing: a sentence about 第十一届莫斯科国际安全会议 does not say how many came.
_ORDINALS = re.compile(r"第 ?[\d一二两三四五六七八九十百千]+")
# A time as history and custom give one, beyond the dates of _DATE (文艺复兴时期, 嘉靖九年, 晋末宋初, 元宵节前后, 秋季,
# 一局比赛结束之后): a when-answer with none of these states no time at all. Loose on purpose (节 of 节目, 初 of 最初):
# it only keeps the date_absent rule from declining.
_TIME_WORDS = re.compile(
    r"时期|时代|年间|期间|年代|世纪|[春夏秋冬][季天]|[初中末早晚]期|[初末]年|节|前后|[之以][前后]|[上下]旬|朝|[末初]|"
    r"时候|[\u4e00-\u9fff]时[，,、]|平日|假日|工作日|[早晚]上|夜间|白天|"
    r"[\d一二三四五六七八九十百千] ?年"  # a year's last digit is enough to tell one is there (and stays linear)
)


def states_time(text: str) -> bool:
    """Whether the text gives any time, a date or otherwise, as a when-question asks."""
    return bool(_DATE.search(text) or _TIME_WORDS.search(text))


# A count in words with any measure word (分两类, 三大板块), beyond the counts _QUANTITY takes for answers; 一 only
# before a measure word, as it opens many words (一直, 统一).
_COUNT_IN_WORDS = re.compile(r"[二两三四五六七八九十百千万][\u4e00-\u9fff]|一[" + MEASURE_WORDS + "类]")


def states_number(text: str) -> bool:
    """Whether the text gives any number but a date or an ordinal, as a how-many question asks."""
    counts = _ORDINALS.sub(" ", _DATE_PARTS.sub(" ", text))
    return last_answer_at(counts, "number") is not None or bool(_COUNT_IN_WORDS.search(counts))


def states_rank(text: str) -> bool:
    """Whether the text gives a rank (第120位, 前三, 榜首), as 排第几 asks."""
    return bool(_RANK.search(text))


def last_answer_at(span: str, kind: str) -> int | None:
    """Where in the span the last number (多少 questions) or date (何时 questions) stands, if any."""
    key = "quantity" if kind == "number" else "date"
    positions = _answer_types(span, [])["positions"][key]
    return max(positions) if positions else None


def _is_quantity(m: re.Match, text: str) -> bool:
    """Whether a _QUANTITY match is a count or measure, not a model number (M5) or a word holding 一 (一代)."""
    if not m.group(0).strip():
        return False
    unit = m.group("unit")
    if m.group("digits") is None:
        if text[m.start() - 1 : m.start()] in _NOT_COUNT_BEFORE:
            return False
        return bool(unit) and unit[0] in _COUNTED or bool(_COUNTING_NUMERAL.match(m.group(0)))
    return not _after_model_name(text, m.start()) or bool(_SUM_OR_RATE.match(unit))


def _after_model_name(text: str, at: int) -> bool:
    """Whether the number at `at` follows a Latin word, maybe with a hyphen or space (M5, RTX 4060, i5-13500H)."""
    before = text[max(0, at - 12) : at]
    before = before[:-1] if before.endswith(" ") else before
    before = before[:-1] if before.endswith("-") else before
    run = len(before)
    while run > 0 and before[run - 1].isascii() and before[run - 1].isalnum():
        run -= 1
    return any(ch.isalpha() for ch in before[run:])


def _kind_ok(a: Analysis, found: dict) -> bool:
    p = found["positions"]
    if a.kind == "who":
        return bool(p["person"] or p["org"])
    if a.kind == "org":
        return bool(p["org"])
    if a.kind == "where":
        return bool(p["place"])
    if a.kind == "when":
        return bool(p["date"])
    if a.kind == "number":
        return bool(p["quantity"])
    return True


def _given_name(following: list[tuple[str, str]]) -> str:
    """The one or two single characters after a one-character surname, which jieba without its HMM tags apart."""
    given = ""
    for word, flag in following:
        if len(word) != 1 or flag in ("x", "uj", "p", "c", "d", "m") or not "\u4e00" <= word <= "\u9fff":
            break
        given += word
    return given


# The kinds of name each question kind asks for (谁: a person or an organisation; 哪里: a place).
_NAMES_ASKED = {"who": ("person", "org"), "org": ("org",), "where": ("place",)}


def _tagged_kind(a: Analysis, found: dict, question: str) -> tuple[list[int], bool]:
    """Where the tagger found a name of the kind asked for, and whether one of them is new (_new_names)."""
    names = sorted(name for kind in _NAMES_ASKED.get(a.kind, ()) for name in found["tagged"][kind])
    return [at for at, _ in names], bool(_new_names(a, found, question))


def _new_names(a: Analysis, found: dict, question: str) -> frozenset[str]:
    """The names of the kind asked for that the question does not already hold: what a 谁 or 哪里 asks for."""
    kinds = _NAMES_ASKED.get(a.kind, ())
    return frozenset(w for kind in kinds for _, w in found["tagged"][kind] if w.lower() not in question)


def _unit_match(a: Analysis, quantities: list[tuple[int, str]], span: str) -> tuple[bool, bool]:
    """(an answer in the unit asked for is there, answers of the kind are there but none in that unit)."""
    if a.kind == "when" and a.unit in WHEN_UNITS:
        ok = bool(WHEN_UNITS[a.unit].search(span))
        return ok, not ok
    if a.kind == "number" and a.unit == "第":
        ok = states_rank(span)
        return ok, not ok
    if a.kind != "number" or not quantities:
        return False, False
    if a.unit == "amount":  # a sum of money or goods: a number in 万/亿 or a currency, not a rate or a count
        ok = bool(_AMOUNT_VALUE.search(span))
    elif a.unit == "元":
        ok = any(_CURRENCY.match(u) for _, u in quantities)
    elif a.unit:
        spellings = (a.unit, *_UNIT_SPELLINGS.get(a.unit, ()))
        ok = any(u.lower().startswith(spellings) or (a.unit in u) for _, u in quantities)
    elif a.rate:
        ok = any(u.startswith(_RATE_UNITS) for _, u in quantities)
    else:
        return True, False  # no unit asked for: any number will do
    return ok, not ok


def _focus_closeness(span: str, focus: tuple[str, ...], positions: list[int]) -> float:
    """How close an answer of the kind asked for sits to the focus word: 1 right next to it (出口59,799辆), falling
    to 0 at NEAR_CHARS characters away (出口的汽车中，平均每4辆)."""
    gaps = [
        max(0, p - (m.end()), m.start() - p - 1)
        for w in focus
        for m in re.finditer(re.escape(w), span)
        for p in positions
    ]
    return max(0.0, 1 - min(gaps) / NEAR_CHARS) if gaps else 0.0


def _near_focus(span: str, focus: tuple[str, ...], positions: list[int]) -> bool:
    if not focus or not positions:
        return False
    spots = [m.start() for w in focus for m in re.finditer(re.escape(w), span)]
    return any(abs(p - s) <= NEAR_CHARS for p in positions for s in spots)
