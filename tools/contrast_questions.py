"""Near misses made from answerable questions, to teach the verifier that a constraint must hold.

A fit question and a candidate that answers it make a positive pair. Change one constraint of the question that
the candidate states (a year, a month, an ordinal such as 第三届, or a named subject such as 快手) to a value the
candidate does not hold, and the same candidate no longer answers: a negative pair that differs from a positive
one in that constraint alone. These are the near misses users meet on a news feed: the same event in another
year, edition or city, another company's figure, or another attribute of the same thing (退货率 for 销量).

    contrast_question("2021年抖音国货销量增长了多少", "…2021年抖音电商国货销量同比增长667%…", pools, rng)
    -> "2022年抖音国货销量增长了多少"  (or 2020, or 快手 for 抖音, or 退货率 for 销量)

Only tools/train_verifier.py uses this (with --contrast); nothing in the product does.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bot.core.followup import pos_tokens, token_spans
from bot.core.question import _MONTH, _YEAR, analyse  # the question analysis's own year and month patterns

_CHINESE_DIGITS = "零一二三四五六七八九十"
_ORDINAL = re.compile(r"第([一二三四五六七八九十]|\d{1,2})(?=[届季期批次轮代号])")


@dataclass(frozen=True)
class Pools:
    """What a question's subject or attribute may be swapped for: the subjects of other questions by jieba's
    word class (nr, ns, nt, nz, eng…), so that a company stands in for a company and a place for a place, and
    their attributes, the common nouns (销量, 导演, 冠军)."""

    subjects: dict[str, list[str]]
    attributes: list[str]


def pools(questions: list[str]) -> Pools:
    subjects: dict[str, set[str]] = {}
    attributes: set[str] = set()
    for question in questions:
        named = analyse(question).subjects
        for word, flag in pos_tokens(question):
            if word.lower() in named:
                subjects.setdefault(flag, set()).add(word.lower())
            elif _is_attribute(word, flag):
                attributes.add(word)
    return Pools({flag: sorted(words) for flag, words in subjects.items()}, sorted(attributes))


def _is_attribute(word: str, flag: str) -> bool:
    return len(word) >= 2 and flag == "n" and not word.isascii()


def contrast_question(question: str, evidence: str, pools: Pools, rng: random.Random) -> str | None:
    """The question with one constraint that `evidence` states changed to one it does not, or None when the
    evidence states none of the question's constraints."""
    evidence = evidence.lower()
    swaps = _year_swaps(question, evidence) + _month_swaps(question, evidence) + _ordinal_swaps(question, evidence)
    swaps += _subject_swaps(question, evidence, pools.subjects, rng) + _attribute_swaps(question, evidence, pools, rng)
    if not swaps:
        return None
    start, end, replacement = rng.choice(swaps)
    return question[:start] + replacement + question[end:]


def _year_swaps(question: str, evidence: str) -> list[tuple[int, int, str]]:
    out = []
    for match in _YEAR.finditer(question):
        if match.group(1) not in evidence:
            continue
        others = (str(int(match.group(1)) + d) for d in (1, -1, 2, -2, 3))
        other = next((year for year in others if year not in evidence), None)
        if other:
            out.append((match.start(1), match.end(1), other))
    return out


def _month_swaps(question: str, evidence: str) -> list[tuple[int, int, str]]:
    out = []
    for match in _MONTH.finditer(question):
        month = int(match.group(1))
        if not re.search(rf"(?<!\d){month}月", evidence):
            continue
        for d in (1, -1, 2, -2, 3):
            other = (month - 1 + d) % 12 + 1
            if not re.search(rf"(?<!\d){other}月", evidence):
                out.append((match.start(1), match.end(1), str(other)))
                break
    return out


def _ordinal_swaps(question: str, evidence: str) -> list[tuple[int, int, str]]:
    out = []
    for match in _ORDINAL.finditer(question):
        if match.group(0) not in evidence:
            continue
        digits = match.group(1).isdigit()
        number = int(match.group(1)) if digits else _CHINESE_DIGITS.index(match.group(1))
        for d in (1, -1, 2):
            other = number + d
            if not 1 <= other <= 10:
                continue
            written = str(other) if digits else _CHINESE_DIGITS[other]
            if f"第{written}" not in evidence:
                out.append((match.start(1), match.end(1), written))
                break
    return out


def _subject_swaps(
    question: str, evidence: str, pool: dict[str, list[str]], rng: random.Random
) -> list[tuple[int, int, str]]:
    out = []
    subjects = set(analyse(question).subjects)
    for start, end, word, flag in token_spans(question):
        if word.lower() not in subjects or word.lower() not in evidence:
            continue
        others = [w for w in pool.get(flag, ()) if w not in evidence and w not in question.lower()]
        if others:
            out.append((start, end, rng.choice(others)))
    return out


def _attribute_swaps(question: str, evidence: str, pools: Pools, rng: random.Random) -> list[tuple[int, int, str]]:
    """A common noun of the question that the evidence holds, swapped for another question's that it does not and
    that shares no character with it (营收 is not swapped for 收入, which may say the same)."""
    out = []
    for start, end, word, flag in token_spans(question):
        if not _is_attribute(word, flag) or word not in evidence:
            continue
        others = [w for w in pools.attributes if not set(w) & set(word) and w not in evidence and w not in question]
        if others:
            out.append((start, end, rng.choice(others)))
    return out

