"""Chinese tokenising for the lexical index and for matching question terms against sentences (jieba)."""

from __future__ import annotations

import logging
import marshal
import re

import jieba

jieba.setLogLevel(logging.WARNING)


class _WholeFileMarshal:
    """What jieba sees as `marshal`. It reads its dictionary cache with marshal.load(file), which calls the file's
    readinto once per object (~1M calls); reading the file whole and unmarshalling the bytes gives the same dict
    in less than half the time (~0.3 s CPU off every start). Writing the cache is unchanged."""

    dump = staticmethod(marshal.dump)

    @staticmethod
    def load(file):
        return marshal.loads(file.read())


jieba.marshal = _WholeFileMarshal

# Function words and question words: they carry no evidence about where an answer is.
STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 等 吗 呢 吧 啊 呀 么 也 都 就 还 又 把 被 对 从 向 到 为 以 于 之 其 该 这 那 这个 那个
    这些 那些 什么 多少 哪些 哪个 哪里 哪儿 哪 谁 几 几个 怎么 怎样 如何 为什么 为何 是否 是不是 有没有 有 请问 一下
    一共 共 总共 分别 达到 达 到了 约 大约 多 少 个 年 月 日 号 中 上 下 后 前 将 会 能 可以 已经 通过 进行 其中 以及
    并 而 但 则 即 我 你 他 她 它 我们 你们 他们 吗？ 呢？ 情况 具体 相关 主要 哪家 何时 什么时候 当时 目前
    做 给 叫 里 因 拿 让 得 着 过 说 想 要 去 来 些 每 各 该 此""".split()
)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def _keep(token: str) -> bool:
    return bool(token.strip()) and token not in STOPWORDS and bool(_WORDLIKE.search(token))


def search_tokens(text: str) -> list[str]:
    """Tokens for the BM25 index: jieba's search mode (adds sub-words of long words), lowercased."""
    return [t.lower() for t in jieba.lcut_for_search(text) if _keep(t)]


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) instead of on the first question."""
    jieba.initialize()
