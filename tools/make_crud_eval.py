"""Turn the CRUD news QA set (../shared/datasets/crud_news_qa) into xunda's eval format, with more
not-in-corpus questions made the way its LICENCE suggests.

    .venv/bin/python tools/make_crud_eval.py [--data ../shared/datasets/crud_news_qa]
        [--out eval/crud_news_qa.jsonl] [--corpus-out /tmp/crud_news_qa_reduced.txt]
    xunda eval eval/crud_news_qa.jsonl --corpus /tmp/crud_news_qa_reduced.txt

What it does, deterministically:
- About a third of the answerable questions (seeded choice) become not-in-corpus: every corpus line that holds
  their answer is blanked in the reduced corpus. When one of those lines is the source of another answerable
  question, that question goes too (they share the article); a candidate is skipped when this takes more than
  MAX_GROUP questions, or when an answer sits in more than MAX_DROPPED_LINES lines. So no blanked line is the
  source of a question that stays answerable.
- Blanked lines stay as empty lines, because `index.loaders` skips empty lines without renumbering: the
  article on 0-based line L keeps doc id `crud_news_qa_reduced.txt#<L+1>`. The eval's sources name that
  file, so the reduced corpus must keep that file name (the eval would otherwise match no source).
- `source` is the line, among those holding the answer, whose text shares most character bigrams with the
  question (the article the question was most likely written from); `sources` lists every line still holding
  the answer, for an evaluator that accepts any of them.
- `kind` comes from the question words (`question_kind`); `split` from a hash of the CRUD item, after joining
  items whose questions were written from the same article, so no article is in both fit and check.
- After writing, the reduced corpus is loaded with `index.loaders` and checked: each answerable gold is in
  its source document, and no not-in-corpus answer is anywhere in the corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.loaders import LoadError, load_file  # noqa: E402

logging.getLogger("index.loaders").setLevel(logging.ERROR)  # CRUD's few malformed lines are expected

DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "crud_news_qa"
DEFAULT_OUT = REPO / "eval" / "crud_news_qa.jsonl"
REDUCED_NAME = "crud_news_qa_reduced.txt"
SEED = 8
DROP_SHARE = 1 / 3
MAX_DROPPED_LINES = 3
MAX_GROUP = 3
MAX_SOURCES = 5

# Checked in this order; the first rule that matches gives the kind.
_KIND_RULES = (
    ("when", r"何时|什么时候|什么时间|哪一?天|哪一?年|哪个月|几月|几号|几点|哪日|日期|时间是"),
    ("list", r"哪些|哪几"),
    ("who", r"谁|哪位|哪个人|什么人|哪家|哪个(公司|机构|组织|部门|单位|国家队|团队|企业|银行|媒体)"),
    ("where", r"哪里|哪儿|在哪|何地|何处|什么地方|什么位置|哪个(城市|省|国家|地区|地方|港口|县|区|市)|哪座|哪国|哪省"),
    ("number", r"多少|几[个位名家次种项条天年岁倍成层艘架场人]|多[大高长久远重厚宽深快]|比例|百分之|第几"),
    ("what", r"什么|何种|哪[个种项款类级届艘件部条支只]|怎样的|是啥"),
)


def question_kind(question: str) -> str:
    """who|where|when|number|list|what|other from the question words alone (see _KIND_RULES)."""
    for kind, pattern in _KIND_RULES:
        if re.search(pattern, question):
            return kind
    return "other"


def split_of(item: str) -> str:
    return "fit" if int(hashlib.sha256(item.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "check"


def item_splits(gold: list[dict], sources: dict[int, int | None]) -> dict[str, str]:
    """fit/check per CRUD item. Items whose questions come from one article are joined first and split by
    their first item id, so no article has questions in both splits."""
    parent = {g["item"]: g["item"] for g in gold}

    def root(item: str) -> str:
        while parent[item] != item:
            item = parent[item]
        return item

    by_line: dict[int, str] = {}
    for i, line in sources.items():
        if line is None:
            continue
        item = root(gold[i]["item"])
        other = root(by_line.setdefault(line, item))
        if other != item:
            parent[max(item, other)] = min(item, other)
    return {item: split_of(root(item)) for item in parent}


def squash(text: str) -> str:
    """Text with whitespace and punctuation removed: how the dataset matched answers to lines."""
    return re.sub(r"[\s\W_]+", "", text)


def comparable(text: str) -> str:
    """Whitespace and case removed: how `xunda eval` compares a gold with an answer."""
    return "".join(text.split()).lower()


def _bigrams(text: str) -> set[str]:
    text = squash(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def answer_lines(g: dict, corpus: list[str], loadable: set[int]) -> list[int]:
    """The lines that are documents for xunda and hold a gold as `xunda eval` would match it."""
    golds = [comparable(a) for a in g["answer"]]
    return [n for n in sorted(g.get("lines", [])) if n in loadable and any(a in comparable(corpus[n]) for a in golds)]


def source_line(g: dict, corpus: list[str], loadable: set[int]) -> int | None:
    """The answer line sharing most character bigrams with the question (first one on a tie)."""
    wanted = _bigrams(g["question"])
    lines = answer_lines(g, corpus, loadable)
    return max(lines, key=lambda n: len(wanted & _bigrams(corpus[n]))) if lines else None


def read_corpus(path: Path) -> list[str]:
    """The corpus lines exactly as index.loaders numbers them."""
    text = path.read_bytes().decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def choose_dropped(gold: list[dict], corpus: list[str], loadable: set[int], seed: int = SEED
                   ) -> tuple[set[int], set[int]]:
    """(indices of answerable questions made not-in-corpus, corpus lines to blank)."""
    answerable = [i for i, g in enumerate(gold) if g["answerable"]]
    sources = {i: source_line(gold[i], corpus, loadable) for i in answerable}
    target = round(len(answerable) * DROP_SHARE)
    order = answerable[:]
    random.Random(seed).shuffle(order)
    dropped: set[int] = set()
    blank: set[int] = set()
    for i in order:
        if i in dropped or len(dropped) >= target:
            continue
        group = _article_group(i, gold, sources, dropped)
        if group is None or len(dropped) + len(group) > target:
            continue
        dropped |= group
        blank |= {n for j in group for n in gold[j]["lines"]}
    return dropped, blank


def _article_group(i: int, gold: list[dict], sources: dict[int, int | None], dropped: set[int]) -> set[int] | None:
    """Question i plus every still-answerable question whose source line i's answer lines would blank (and
    so on): they lose their articles together. None when that takes too many lines or questions."""
    group, lines = {i}, set(gold[i]["lines"])
    while True:
        if len(group) > MAX_GROUP or len(lines) > MAX_GROUP * MAX_DROPPED_LINES:
            return None
        if any(len(gold[j]["lines"]) > MAX_DROPPED_LINES or sources[j] is None for j in group):
            return None
        joined = {j for j, n in sources.items() if n in lines and j not in group and j not in dropped}
        if not joined:
            return group
        group |= joined
        lines |= {n for j in joined for n in gold[j]["lines"]}


def loadable_lines(corpus_path: Path) -> set[int]:
    """0-based numbers of the lines index.loaders turns into documents (it skips malformed ones)."""
    return {int(d.doc_id.rsplit("#", 1)[1]) - 1 for d in load_file(corpus_path, corpus_path.name)}


def build(data: Path, corpus_out: Path, seed: int = SEED, gold_path: Path | None = None, prefix: str = "crud"
          ) -> tuple[list[dict], int]:
    """Write the reduced corpus to corpus_out; return the eval rows and how many questions were left out
    because no document holds their gold as `xunda eval` matches it. The questions are gold_path's (CRUD's
    gold.jsonl by default), their ids prefix + number."""
    corpus = read_corpus(data / "corpus.txt")
    loadable = loadable_lines(data / "corpus.txt")
    gold_path = gold_path or data / "gold.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line]
    dropped, blank = choose_dropped(gold, corpus, loadable, seed)
    sources = {i: source_line(g, corpus, loadable) for i, g in enumerate(gold) if g["answerable"]}
    splits = item_splits(gold, sources)
    reduced = ["" if n in blank else line for n, line in enumerate(corpus)]
    corpus_out.parent.mkdir(parents=True, exist_ok=True)
    corpus_out.write_text("\n".join(reduced), encoding="utf-8")

    def doc_id(n: int) -> str:
        return f"{corpus_out.name}#{n + 1}"

    rows, unusable = [], 0
    for i, g in enumerate(gold):
        answerable = g["answerable"] and i not in dropped
        source = sources[i] if answerable else None
        if answerable and source is None:
            unusable += 1  # e.g. the answer only matches with punctuation ignored, or its line is malformed
            continue
        row = {
            "id": f"{prefix}{i:03d}",
            "question": g["question"],
            "answers": list(g["answer"]) if answerable else [],
            "source": doc_id(source) if answerable else None,
            "title": None,
            "answerable": answerable,
            "kind": question_kind(g["question"]),
            "split": splits[g["item"]],
            "item": g["item"],
        }
        if answerable:
            lines = [n for n in answer_lines(g, corpus, loadable) if n not in blank]
            if len(lines) <= MAX_SOURCES:  # more: the gold is a stock phrase, not one article's fact
                row["sources"] = [doc_id(n) for n in lines]
        else:
            row["absent_answers"] = list(g["answer"])
            row["absent_because"] = "lines dropped" if g["answerable"] else "article left out"
        rows.append(row)
    return rows, unusable


def verify(rows: list[dict], corpus_out: Path) -> list[str]:
    """Problems found when the written corpus is loaded as xunda loads it (empty list: all good)."""
    docs = {d.doc_id: d for d in load_file(corpus_out, corpus_out.name)}
    texts = {doc_id: comparable(d.title + "\n" + d.text) for doc_id, d in docs.items()}
    problems = []
    for row in rows:
        if row["answerable"]:
            doc = docs.get(row["source"])
            if doc is None:
                problems.append(f"{row['id']}: source {row['source']} is not a document")
            elif not any(comparable(a) in texts[row["source"]] for a in row["answers"]):
                problems.append(f"{row['id']}: no gold in {row['source']}")
        else:
            for answer in row["absent_answers"]:
                hits = [d for d, text in texts.items() if comparable(answer) in text]
                if hits:
                    problems.append(f"{row['id']}: not-in-corpus answer {answer!r} is in {hits[0]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with corpus.txt and gold.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="eval JSONL to write")
    parser.add_argument("--corpus-out", type=Path, default=Path("/tmp") / REDUCED_NAME,
                        help="reduced corpus to write; the eval's sources are doc ids of its file name, so ingest "
                        "it under that name")
    parser.add_argument("--gold", type=Path, help="questions in gold.jsonl's format (default: DATA/gold.jsonl)")
    parser.add_argument("--prefix", default="crud", help="question id prefix")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in (args.data / "corpus.txt", args.gold or args.data / "gold.jsonl"):
        if not path.is_file():
            print(f"error: {path} not found (pass --data DIR or --gold FILE)", file=sys.stderr)
            return 2
    rows, unusable = build(args.data, args.corpus_out, args.seed, args.gold, args.prefix)
    try:
        problems = verify(rows, args.corpus_out)
    except LoadError as exc:
        print(f"error: {args.corpus_out}: {exc}", file=sys.stderr)
        return 1
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"error: {len(problems)} problem(s); {args.out} not written", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    answerable = sum(r["answerable"] for r in rows)
    dropped = sum(r.get("absent_because") == "lines dropped" for r in rows)
    print(f"{args.out}: {len(rows)} questions, {answerable} answerable, {len(rows) - answerable} not in corpus "
          f"({dropped} by dropped lines); {unusable} left out (no document holds their gold); "
          f"reduced corpus {args.corpus_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
