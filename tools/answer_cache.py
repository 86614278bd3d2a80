"""Retrieve once, decide many times: cached retrieval hits for the labelled sets, replayed through the answer step.

Fitting the answer decision (tools/fit_decision.py) means running the answer step over thousands of questions
many times. Retrieval (the question embedding, FAISS, BM25) does not change between those runs, so it is done
once per set and cached as chunk ids with their scores; a replay rebuilds the Hits from the index and calls
`bot.core.answer.compose`, which costs milliseconds per question.

    .venv/bin/python tools/answer_cache.py SET...      # SET: news, crud, written, seed, cmrc, drcd (or all)

Sets, their indexes (built once; the news and crud ones with `xunda ingest`, see INDEXES) and their splits:
- seed: eval/seed_qa_dev.jsonl and eval/seed_qa_more.jsonl over the bundled corpus alone.
- news: eval/news_qa_dev.jsonl, and the seed sets again, over the seed corpus plus the 1,930-article CRUD news
  sample. news_qa_dev carries its own split; the seed sets are split by a hash of the
  question id (seed_qa_dev is all check: it is the set the tests hold the product to).
- crud: eval/crud_news_qa.jsonl (split by the file) over the reduced CRUD corpus.
- written: eval/crud_written_qa.jsonl (split by the file), questions written the way CRUD's were
  (tools/collect_written_qa.py), over the CRUD corpus reduced for them.
- cmrc, drcd: SQuAD files; half of the passages (seeded shuffle) are indexed, so questions on the other half
  are true negatives. Split by a hash of the passage id, so no passage is in both parts.
Follow-up rows ("previous") are rewritten by bot.core.followup.rewrite first, as the REPL does without an LLM.

An index directory of INDEXES may be a link to the index `xunda eval --corpus` built for the same corpus
(~/.local/share/xunda/eval-indexes/…): it holds the whole corpus, not a subset, and saves embedding it again
(2026-12-07: news, crud and written that way, seed a copy of the bundled corpus's index). The tools read the
shared data from ../shared beside the repository, so a git worktree elsewhere needs a `shared` link beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core.evaluate import load_cases  # noqa: E402
from bot.core.followup import rewrite  # noqa: E402
from index import store  # noqa: E402
from index.dates import mentioned_month  # noqa: E402
from index.search import Hit, Searcher  # noqa: E402

DATA = REPO.parent / "shared" / "datasets"
WORK = Path("/tmp/prec")
CACHE = WORK / "cache"
TOP_K = 20
INDEXES = {
    # built by: XUNDA_INDEX=/tmp/prec/news/index xunda ingest corpus ../shared/datasets/crud_news_sample.txt
    "news": WORK / "news" / "index",
    # built by: XUNDA_INDEX=/tmp/prec/crud/index xunda ingest /tmp/prec/crud/crud_news_qa_reduced.txt
    "crud": WORK / "crud" / "index",
    # built here, like crud, from the corpus tools/make_crud_eval.py writes for eval/crud_written_qa.jsonl
    "written": WORK / "written" / "index",
    "seed": WORK / "seed" / "index",  # the bundled corpus alone, as the product ships
    "cmrc": WORK / "cmrc" / "index",  # built here from the indexed half
    "drcd": WORK / "drcd" / "index",
}
# The news indexes hold a subset of their corpus (embedding all of it takes about an hour on the shared 2 cores):
# every source article plus the BM25 top SUBSET_DEPTH articles of every question, so each question's same-event
# distractors are in. Dense retrieval over the full corpus could still reach an article that is none of these.
CORPORA = {
    "news": [REPO / "corpus", DATA / "crud_news_sample.txt"],
    "crud": [WORK / "crud" / "crud_news_qa_reduced.txt"],  # written by tools/make_crud_eval.py --corpus-out
    "written": [WORK / "written" / "crud_written_reduced.txt"],
    "seed": [REPO / "corpus"],
}
SUBSET_DEPTH = {"news": 8, "crud": 8, "written": 8, "seed": 10_000}
SQUAD = {"cmrc": DATA / "cmrc2018_trial.json", "drcd": DATA / "drcd_dev_simplified.json"}
SQUAD_PASSAGES = {"drcd": 400}  # a seeded sample of DRCD's 1,000 passages, to keep its embedding within minutes


def hashed_split(key: str) -> str:
    return "fit" if int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "check"


def _jsonl(path: Path, set_name: str, split=None) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        asked = r["question"]
        question = rewrite(asked, r["previous"]) if r.get("previous") else asked
        rows.append(
            {
                "set": set_name,
                "id": r["id"],
                "asked": asked,
                "question": question,
                "answers": r.get("answers") or [],
                "sources": [s for s in [r.get("source"), *(r.get("sources") or [])] if s],
                "title": r.get("title"),
                "answerable": bool(r.get("answerable", True)),
                "kind": r.get("kind"),
                "split": r.get("split") or (split(r) if split else "check"),
            }
        )
    return rows


def labelled(name: str) -> list[dict]:
    """The labelled questions of a set, with their split."""
    seeds = _jsonl(REPO / "eval/seed_qa_dev.jsonl", "seed_qa_dev", lambda r: "check") + _jsonl(
        REPO / "eval/seed_qa_more.jsonl", "seed_qa_more", lambda r: hashed_split(r["id"])
    )
    if name == "news":
        return _jsonl(REPO / "eval/news_qa_dev.jsonl", "news_qa_dev") + [
            {**r, "set": r["set"] + "+news"} for r in seeds
        ]
    if name == "seed":
        return seeds
    if name == "crud":
        return _jsonl(REPO / "eval/crud_news_qa.jsonl", "crud_news_qa")
    if name == "written":
        return _jsonl(REPO / "eval/crud_written_qa.jsonl", "crud_written_qa")
    cases, documents = _squad(name)
    indexed = indexed_half(documents)
    return [
        {
            "set": name,
            "id": c.id,
            "asked": c.question,
            "question": c.question,
            "answers": list(c.answers),
            "sources": [c.source],
            "title": None,
            "answerable": c.source in indexed,
            "kind": None,
            "split": hashed_split(c.source),
        }
        for c in cases
        if c.question.strip()
    ]


def _squad(name: str, sampled: bool = True):
    """The questions and passages of a SQuAD set that the evaluation uses (sampled) or leaves out."""
    cases, documents = load_cases(SQUAD[name])
    if name in SQUAD_PASSAGES:
        ids = sorted(documents)
        random.Random(1).shuffle(ids)
        keep = ids[: SQUAD_PASSAGES[name]] if sampled else ids[SQUAD_PASSAGES[name] :]
        documents = {d: documents[d] for d in keep}
        cases = [c for c in cases if c.source in documents]
    return cases, documents


def unused_squad(name: str):
    """The passages of a SQuAD set that no evaluation here reads (DRCD: 600 of its 1,000), with their questions."""
    return _squad(name, sampled=False)


def indexed_half(documents: dict) -> set[str]:
    ids = sorted(documents)
    random.Random(0).shuffle(ids)
    return set(ids[: len(ids) // 2])


def _build_squad_index(name: str) -> None:
    from bot.core.engine import Engine
    from bot.settings import Settings
    from index.embedding import SentenceTransformerEmbedder

    _, documents = _squad(name)
    indexed = indexed_half(documents)
    engine = Engine(Settings.from_env({}, index_dir=INDEXES[name]), SentenceTransformerEmbedder())
    engine.ingest_documents({d: documents[d] for d in indexed}, replace_all=True, show_progress=True)


def _build_subset_index(name: str) -> None:
    import bm25s
    import numpy as np

    from bot.core.engine import Engine
    from bot.settings import Settings
    from index.embedding import SentenceTransformerEmbedder
    from index.ingest import load_paths
    from index.tokenize import search_tokens

    documents, _ = load_paths(CORPORA[name])
    ids = sorted(documents)
    lexical = bm25s.BM25()
    lexical.index([search_tokens(f"{documents[d].title}\n{documents[d].text}") for d in ids], show_progress=False)
    keep = set()
    for row in labelled(name):
        scores = lexical.get_scores(search_tokens(row["question"]))
        keep.update(ids[int(i)] for i in np.argsort(-scores)[: SUBSET_DEPTH[name]])
        keep.update(d for d in ids for s in row["sources"] if d == s or d.split("#")[0].rsplit("/", 1)[-1] == s)
    print(f"{name}: indexing {len(keep)} of {len(ids)} documents", flush=True)
    engine = Engine(Settings.from_env({}, index_dir=INDEXES[name]), SentenceTransformerEmbedder())
    engine.ingest_documents({d: documents[d] for d in keep}, replace_all=True, show_progress=True)


def _packed(hits: list[Hit]) -> list[list]:
    return [[h.chunk.chunk_id, h.score, h.dense, h.lexical] for h in hits]


def build_cache(name: str) -> Path:
    from bot.core.engine import Engine
    from bot.settings import Settings
    from index.embedding import SentenceTransformerEmbedder

    if store.current_version(INDEXES[name]) is None:
        (_build_squad_index if name in SQUAD else _build_subset_index)(name)
    engine = Engine(Settings.from_env({}, index_dir=INDEXES[name]), SentenceTransformerEmbedder())
    engine.refresh()
    searcher = engine.searcher
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{name}.jsonl"
    with open(out, "w", encoding="utf-8") as handle:
        for row in labelled(name):
            month = mentioned_month(row["question"])
            row["hits_month"] = _packed(searcher.search(row["question"], k=TOP_K, dates=month)) if month else None
            row["hits"] = _packed(searcher.search(row["question"], k=TOP_K))
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


@dataclass
class Replay:
    """A cached set with the index it was retrieved from (no model loaded)."""

    rows: list[dict]
    searcher: Searcher

    def hits(self, packed: list[list] | None) -> list[Hit] | None:
        if packed is None:
            return None
        data = self.searcher.data
        return [Hit(data.chunks[c], data.documents[data.chunks[c].doc_id], s, d, lx) for c, s, d, lx in packed]


def load_replay(name: str) -> Replay:
    data = store.load(INDEXES[name])
    rows = [json.loads(line) for line in (CACHE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows:  # the seed sets over the news index are a set of their own
        if name == "news" and row["set"].startswith("seed") and not row["set"].endswith("+news"):
            row["set"] += "+news"
    return Replay(rows, Searcher(data, None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", choices=[*INDEXES, "all"])
    args = parser.parse_args()
    for name in INDEXES if "all" in args.sets else args.sets:
        print(name, "->", build_cache(name), flush=True)


if __name__ == "__main__":
    main()
