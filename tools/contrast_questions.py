"""Near misses made from answerable questions, to teach the verifier that a constraint must hold.

A fit question and a candidate that answers it make a positive pair. Change one constraint of the question that
the candidate states (a year, a month, an ordinal such as 第三届, or a named subject such as 快手) to a value the
candidate does not hold, and the same candidate no longer answers: a negative pair that differs from a positive
one in that constraint alone. These are the near misses users meet on a news feed: the same event in another
year, edition or city, or another company's figure.

    contrast_question("2021年抖音国货销量增长了多少", "…2021年抖音电商国货销量同比增长667%…", pool, rng)
    -> "2022年抖音国货销量增长了多少"  (or 2020, or 快手 for 抖音)

Only tools/train_verifier.py uses this (with --contrast); nothing in the product does.
"""

from __future__ import annotations

import random
import re

from bot.core.followup import pos_tokens
from bot.core.question import analyse

_CHINESE_DIGITS = "零一二三四五六七八九十"
_ORDINAL = re.compile(r"第([一二三四五六七八九十]|\d{1,2})(?=[届季期批次轮代号])")
_MONTH = re.compile(r"(?<!\d)(1[0-2]|[1-9])月")


def subject_pool(questions: list[str]) -> dict[str, list[str]]:
    """The named subjects of these questions, by jieba's word class (nr, ns, nt, nz, eng…): a subject is
    swapped for another of its class, a company for a company and a place for a place."""
    pool: dict[str, set[str]] = {}
    for question in questions:
        subjects = set(analyse(question).subjects)
        for word, flag in pos_tokens(question):
            if word.lower() in subjects:
                pool.setdefault(flag, set()).add(word.lower())
    return {flag: sorted(words) for flag, words in pool.items()}


def contrast_question(question: str, evidence: str, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    """The question with one constraint that `evidence` states changed to one it does not, or None when the
    evidence states none of the question's constraints."""
    evidence = evidence.lower()
    swaps = _year_swaps(question, evidence) + _month_swaps(question, evidence) + _ordinal_swaps(question, evidence)
    swaps += _subject_swaps(question, evidence, pool, rng)
    if not swaps:
        return None
    start, end, replacement = rng.choice(swaps)
    return question[:start] + replacement + question[end:]


def _year_swaps(question: str, evidence: str) -> list[tuple[int, int, str]]:
    out = []
    for match in re.finditer(r"(?<!\d)(?:19|20)\d{2}(?!\d)", question):
        if match.group(0) not in evidence:
            continue
        others = (str(int(match.group(0)) + d) for d in (1, -1, 2, -2, 3))
        other = next((year for year in others if year not in evidence), None)
        if other:
            out.append((match.start(), match.end(), other))
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
    out, cursor = [], 0
    subjects = set(analyse(question).subjects)
    for word, flag in pos_tokens(question):
        start, cursor = cursor, cursor + len(word)
        if word.lower() not in subjects or word.lower() not in evidence:
            continue
        others = [w for w in pool.get(flag, ()) if w not in evidence and w not in question.lower()]
        if others:
            out.append((start, cursor, rng.choice(others)))
    return out
