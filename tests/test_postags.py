"""POS tags through index/postags.py (word tags from an SQLite cache) are the tags jieba.posseg gives itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["快手2022扶持多少快品牌", "张一鸣在北京创办了字节跳动", "拼多多的黄峥来自杭州", "苹果公司发布了iPhone"]

# Tags of TEXTS, plain posseg or through index.postags, with jieba's caches in a folder of the test's own.
_SCRIPT = """
import json, sys, jieba
jieba.dt.tmp_dir = sys.argv[1]
if sys.argv[2] == "plain":
    import jieba.posseg as posseg
else:
    from index.postags import posseg
    posseg = posseg()
texts = json.loads(sys.argv[3])
tags = [[(p.word, p.flag) for p in posseg.cut(t, HMM=h)] for t in texts for h in (True, False)]
print(json.dumps({"table": type(posseg.dt.word_tag_tab).__name__, "tags": tags}))
"""


def _tags(cache_dir: Path, how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(cache_dir), how, json.dumps(TEXTS)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout)


@pytest.mark.slow  # runs jieba in child processes
def test_cached_word_tags_tag_like_posseg_and_a_stale_cache_is_rebuilt(tmp_path):
    plain = _tags(tmp_path, "plain")
    first = _tags(tmp_path, "cached")  # no cache yet: posseg parses dict.txt, and the cache is written
    assert first == plain
    assert (tmp_path / "jieba.posseg.sqlite").is_file()
    cached = _tags(tmp_path, "cached")
    assert cached["table"] == "WordTags" and cached["tags"] == plain["tags"]

    # A cache made for another dictionary (other size/mtime) is not used.
    import sqlite3

    with sqlite3.connect(tmp_path / "jieba.posseg.sqlite") as db:
        db.execute("UPDATE meta SET value = 'another dict.txt|1|1'")
        db.execute("UPDATE tags SET tag = 'zz'")
    db.close()
    stale = _tags(tmp_path, "cached")
    assert stale == plain
    assert _tags(tmp_path, "cached") == cached
