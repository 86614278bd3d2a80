"""Matching units for Chinese text: character bigrams of Chinese runs, whole Latin/digit words.

Word segmentation of questions is unreliable on news vocabulary (jieba reads 快手电商 as 快/手电/商), and
a segmentation mistake would hide a term the text plainly contains. Character bigrams are immune to that;
their document frequencies live in a fixed-size hashed table, so IDF costs 4 MB whatever the corpus size.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

import jieba
import numpy as np

from index.tokenize import STOPWORDS

TABLE_BITS = 20
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9][a-z0-9.+%-]*", re.IGNORECASE)
_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9][a-z0-9.+%-]*", re.IGNORECASE)


def units(text: str) -> set[str]:
    """The matching units of a passage: bigrams of each Chinese run (or the lone character), Latin words."""
    found: set[str] = set()
    for run in _RUN.findall(text.lower()):
        if run[0] < "\u4e00":
            found.add(run.rstrip(".-"))
        elif len(run) == 1:
            found.add(run)
        else:
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


# Words that ask rather than tell: what kind of answer is wanted, never where it is.
_QUESTION_WORDS = re.compile(
    r"多少钱?|多久|多长时间|多[长大高远重快]|几[个天倍项成条家次年月号日位名款种]?|哪[一]?[年天个家些里座位款种]?|什么时候|叫什么名字|什么|是谁|谁|"
    r"如何|怎么样?|为什么|为何|是否|有没有|吗|呢|名字|请问"
)


def question_units(question: str, known: Callable[[str], bool]) -> tuple[str, ...]:
    """Units of the question's content words, each once, in order.

    Question words and stop words are dropped. Bigrams inside a word always count. Where jieba strands a
    single character, the bigram joining it to its neighbour counts if the corpus knows it (`known`):
    that is how words jieba splits apart (快/手电/商) are found again, while junk like 目帮 from 项目/帮
    is not. A lone character counts only when no known bigram holds it.
    """
    seen: dict[str, None] = {}
    for words in _content_runs(question):
        chosen: list[str] = []
        covered: set[int] = set()  # character positions held by a cross-word bigram the corpus knows
        offsets = [0]
        for word in words:
            offsets.append(offsets[-1] + len(word))
        run = "".join(words)
        for i in range(len(words) - 1):
            at = offsets[i + 1] - 1
            pair = run[at : at + 2]
            glued = len(words[i]) == 1 or len(words[i + 1]) == 1  # jieba left a character stranded
            if glued and is_han(pair) and known(pair):
                chosen.append(pair)
                covered.update((at, at + 1))
        for word, begin in zip(words, offsets, strict=False):
            if len(word) == 1 and is_han(word):
                if begin not in covered:
                    chosen.append(word)
            else:
                chosen.extend(sorted(units(word), key=word.find))
        for unit in sorted(chosen, key=run.find):
            seen.setdefault(unit, None)
    return tuple(seen)


@lru_cache(maxsize=4096)
def _content_runs(question: str) -> tuple[tuple[str, ...], ...]:
    """The question's content words, grouped into runs of adjacent words (stop and question words split runs)."""
    content = _QUESTION_WORDS.sub(" ", question.lower())
    runs: list[list[str]] = [[]]
    tokens = jieba.lcut(content)
    for i, token in enumerate(tokens):
        # A number's own characters are no part of the words around it: jieba glues the 年 of 2021年 or the 强
        # of 500强 to the next word (年销量, 强营收) and strands the 第 of 第31届 or the 届 (成都/第, 届/世界),
        # which would join its neighbour into a bigram no sentence holds (年销, 都第, 届世). The number is a term.
        if i and tokens[i - 1].isdigit() and token[:1] in _NUMBER_SUFFIXES:
            token = token[1:]
        if i + 1 < len(tokens) and tokens[i + 1].isdigit() and token.endswith("第"):
            token = token[:-1]
        if not token:
            continue
        if token in STOPWORDS or not token.strip() or not _WORD.fullmatch(token):
            runs.append([])
        elif runs[-1] and not (is_han(token) and is_han(runs[-1][-1])):
            runs.append([token])  # Latin next to Chinese: separate units anyway
        else:
            runs[-1].append(token)
    return tuple(tuple(run) for run in runs if run)


_NUMBER_SUFFIXES = frozenset("年月日届强名个位次岁")  # not 号: 11号线 is a word


def is_han(token: str) -> bool:
    """Every character is a Han character (no digits, Latin letters or punctuation)."""
    return all("\u4e00" <= ch <= "\u9fff" for ch in token)


def slot(unit: str) -> int:
    """A stable hash (Python's str hash changes between runs) into the frequency table."""
    value = 0
    for ch in unit:
        value = (value * 1_000_003 + ord(ch)) & 0xFFFFFFFF
    return value & ((1 << TABLE_BITS) - 1)


def document_frequencies(passages: list[str]) -> np.ndarray:
    table = np.zeros(1 << TABLE_BITS, dtype=np.int32)
    for text in passages:
        slots = np.fromiter((slot(u) for u in units(text)), dtype=np.int64)
        table[np.unique(slots)] += 1
    return table


def idf(table: np.ndarray, passages: int, unit: str) -> float:
    df = int(table[slot(unit)])
    return math.log(1 + (passages - df + 0.5) / (df + 0.5))
