"""Collect written news questions into gold.jsonl's format, for tools/make_crud_eval.py to make an eval of.

The CRUD set has 330 questions; its fit half is too few to teach the answer decision what a paraphrased news
question looks like. More questions were written the way CRUD's authors wrote theirs (by a language model, one
article at a time): helper sessions each read 70 articles (four on 2026-12-02, five more on 2026-12-03) of
../shared/datasets/crud_news_qa/corpus.txt (a seeded sample, SAMPLE_SEED, of the 300-2,500-character articles
that are not the source of any CRUD question) and wrote two questions per article, each with a verbatim answer
of 2 to 15 characters, naming the entity, place or time so that it is unambiguous among same-event articles,
never pointing at the article itself (这/该/本文). Their raw output is {"line", "question", "answer"} per line.

This script keeps what meets those rules as checked by code (the answer is in its article as `xunda eval`
matches; no deictic reference; the answer is not in the question; one question text once), and writes
{"question", "answer": [..], "answerable": true, "item": "written/<line>", "lines": [...]}, where "lines" are
every corpus line that holds the answer with spaces and punctuation ignored, as CRUD's gold.jsonl lists them.

    .venv/bin/python tools/collect_written_qa.py --batches /tmp/written      # the articles, 9 files of 70
    .venv/bin/python tools/collect_written_qa.py /tmp/written/out_*.jsonl --out eval/crud_written_gold.jsonl
    .venv/bin/python tools/make_crud_eval.py --gold eval/crud_written_gold.jsonl --prefix written \\
        --out eval/crud_written_qa.jsonl --corpus-out /tmp/prec/written/crud_written_reduced.txt
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.make_crud_eval import DEFAULT_DATA, comparable, loadable_lines, read_corpus, squash  # noqa: E402

SAMPLE_SEED = 20261202
BATCHES, BATCH_SIZE = 9, 70  # batches 0-3 written on 2026-12-02, 4-8 on 2026-12-03 (the same seeded order)
ARTICLE_CHARS = (300, 2500)
MIN_ANSWER, MAX_ANSWER = 2, 15
# A question that points at its article instead of naming what it asks about.
_DEICTIC = re.compile(r"这[个次项些位家场名条种]|该[公市省县区项次地名国]|此次|上述|文中|本文|报道中|记者")


def sampled_articles(data: Path = DEFAULT_DATA, crud_eval: Path = REPO / "eval" / "crud_news_qa.jsonl") -> list[int]:
    """The 0-based corpus lines the questions were written from: not a source of any CRUD question (nor an
    answer line of one that has at most three), of ARTICLE_CHARS length, in a seeded order."""
    corpus = read_corpus(data / "corpus.txt")
    taken = set()
    for text in crud_eval.read_text(encoding="utf-8").splitlines():
        row = json.loads(text)
        taken |= {int(s.rsplit("#", 1)[1]) - 1 for s in [row.get("source"), *(row.get("sources") or [])] if s}
    for text in (data / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(text)
        if g["answerable"] and len(g.get("lines", [])) <= 3:
            taken |= set(g["lines"])
    low, high = ARTICLE_CHARS
    pool = [n for n, text in enumerate(corpus) if low <= len(text) <= high and n not in taken]
    random.Random(SAMPLE_SEED).shuffle(pool)
    return pool[: BATCHES * BATCH_SIZE]


def write_batches(folder: Path, data: Path = DEFAULT_DATA) -> None:
    corpus = read_corpus(data / "corpus.txt")
    lines = sampled_articles(data)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(BATCHES):
        chosen = lines[k * BATCH_SIZE : (k + 1) * BATCH_SIZE]
        text = "".join(f"=== LINE {n}\n{corpus[n]}\n\n" for n in chosen)
        (folder / f"batch_{k}.txt").write_text(text, encoding="utf-8")


def problem(row: dict, corpus: list[str], loadable: set[int]) -> str | None:
    """Why a written question is not kept (None: kept)."""
    line, question, answer = row.get("line"), str(row.get("question", "")).strip(), str(row.get("answer", ""))
    if not isinstance(line, int) or line not in loadable:
        return "no such article"
    if not MIN_ANSWER <= len(answer.strip()) <= MAX_ANSWER:
        return "answer length"
    if comparable(answer) not in comparable(corpus[line]):
        return "answer not in its article"
    if comparable(answer) in comparable(question):
        return "answer in the question"
    if _DEICTIC.search(question):
        return "points at the article"
    return None


def collect(paths: list[Path], data: Path = DEFAULT_DATA) -> tuple[list[dict], dict[str, int]]:
    corpus = read_corpus(data / "corpus.txt")
    loadable = loadable_lines(data / "corpus.txt")
    squashed = [squash(text) for text in corpus]
    kept, dropped, seen = [], {}, set()
    for path in paths:
        for text in path.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            row = json.loads(text)
            why = problem(row, corpus, loadable)
            if why is None and row["question"].strip() in seen:
                why = "repeated"
            if why:
                dropped[why] = dropped.get(why, 0) + 1
                continue
            question, answer = row["question"].strip(), row["answer"].strip()
            seen.add(question)
            wanted = squash(answer)
            kept.append(
                {
                    "question": question,
                    "answer": [answer],
                    "answerable": True,
                    "item": f"written/{row['line']}",
                    "lines": [n for n, s in enumerate(squashed) if wanted and wanted in s],
                }
            )
    return kept, dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--batches", type=Path, help="write the sampled articles to this folder and stop")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=REPO / "eval" / "crud_written_gold.jsonl")
    args = parser.parse_args(argv)
    if args.batches:
        write_batches(args.batches, args.data)
        return 0
    if not args.inputs:
        parser.error("give the written question files, or --batches DIR")
    missing = [p for p in [args.data / "corpus.txt", *args.inputs] if not p.is_file()]
    if missing:
        print(f"error: {missing[0]} not found", file=sys.stderr)
        return 2
    kept, dropped = collect(args.inputs, args.data)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
    print(f"{args.out}: {len(kept)} questions kept; dropped: {dropped or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
