"""Sanity checks for the evaluation question sets (no project imports).

Checks schema, unique ids, no question shared between the dev set and the
generalisation set, and that every gold answer of an answerable item occurs
verbatim in its source corpus file (for the scraped news list 004_..., inside
the block of the named article: from its title line up to the next
"查看全文" line).
"""
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV_PATH = Path(__file__).resolve().parents[1] / "eval" / "seed_qa_dev.jsonl"
MORE_PATH = REPO / "eval" / "seed_qa_more.jsonl"
LIST_FILE_PREFIX = "004_"
KEYS = {"id", "question", "answers", "source", "title", "answerable"}


def _load(path):
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:  # pragma: no cover
                    pytest.fail(f"{path.name}:{n}: invalid JSON: {e}")
    return items


def _norm(q):
    return re.sub(r"[\s\W_]+", "", q).lower()


def _article_text(source, title):
    text = (CORPUS / source).read_text(encoding="utf-8")
    if title is None:
        return text
    lines = text.splitlines()
    stripped = [line.strip() for line in lines]
    assert title in stripped, f"title line not found in {source}: {title!r}"
    start = stripped.index(title)
    block = []
    for line in lines[start:]:
        block.append(line)
        if "查看全文" in line:
            break
    else:
        pytest.fail(f"no 查看全文 line after title {title!r}")
    return "\n".join(block)


DEV = _load(DEV_PATH) if DEV_PATH.exists() else []
MORE = _load(MORE_PATH)
SETS = [("dev", DEV), ("more", MORE)] if DEV else [("more", MORE)]
ALL = [(name, it) for name, items in SETS for it in items]
ANSWERABLE = [(name, it) for name, it in ALL if it.get("answerable")]


def test_more_set_size_and_balance():
    ans = [it for it in MORE if it["answerable"]]
    un = [it for it in MORE if not it["answerable"]]
    assert len(ans) >= 60, len(ans)
    assert len(un) >= 25, len(un)
    # coverage: >=4 per seed file 000-003, >=2 per article of the 004 list
    per_file = {}
    per_title = {}
    for it in ans:
        per_file[it["source"]] = per_file.get(it["source"], 0) + 1
        if it["title"]:
            per_title[it["title"]] = per_title.get(it["title"], 0) + 1
    for src in sorted(p.name for p in CORPUS.glob("*.txt")):
        if src.startswith(LIST_FILE_PREFIX):
            continue
        assert per_file.get(src, 0) >= 4, (src, per_file.get(src, 0))
    assert len(per_title) == 9, sorted(per_title)
    assert min(per_title.values()) >= 2, per_title


@pytest.mark.parametrize("name,item", ALL, ids=[f"{n}:{it.get('id')}" for n, it in ALL])
def test_schema(name, item):
    assert set(item) == KEYS, set(item) ^ KEYS
    assert isinstance(item["id"], str) and item["id"]
    assert isinstance(item["question"], str) and item["question"].strip()
    assert isinstance(item["answers"], list)
    assert isinstance(item["answerable"], bool)
    if item["answerable"]:
        assert item["answers"], "answerable item needs gold answers"
        assert all(isinstance(a, str) and a.strip() for a in item["answers"])
        assert all(len(a) <= 40 for a in item["answers"]), "answers should be short"
        assert isinstance(item["source"], str)
        assert (CORPUS / item["source"]).is_file(), item["source"]
        if item["source"].startswith(LIST_FILE_PREFIX):
            assert isinstance(item["title"], str) and item["title"]
        else:
            assert item["title"] is None
    else:
        assert item["answers"] == []
        assert item["source"] is None
        assert item["title"] is None
    if name == "more":
        prefix = "m" if item["answerable"] else "n"
        assert re.fullmatch(prefix + r"\d{2,}", item["id"]), item["id"]


def test_unique_ids():
    for name, items in SETS:
        ids = [it["id"] for it in items]
        assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
    if DEV:
        clash = {it["id"] for it in DEV} & {it["id"] for it in MORE}
        assert not clash, clash


def test_no_duplicate_questions():
    seen = {}
    for name, it in ALL:
        key = _norm(it["question"])
        assert key not in seen, f"{name}:{it['id']} duplicates {seen[key]}"
        seen[key] = f"{name}:{it['id']}"


@pytest.mark.parametrize(
    "name,item", ANSWERABLE, ids=[f"{n}:{it['id']}" for n, it in ANSWERABLE]
)
def test_answers_occur_in_source(name, item):
    text = _article_text(item["source"], item["title"])
    for ans in item["answers"]:
        assert ans in text, f"{ans!r} not found in {item['source']} / {item['title']}"
