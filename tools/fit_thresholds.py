"""Fit the answer/decline thresholds (bot.core.answer.Thresholds) on labelled questions.

Every question is answered with the decision switched off; the grid search then picks the thresholds that
answer the most answerable questions correctly and decline the most unanswerable ones, with at most 5% of
answerable questions declined. Besides the seed sets, CMRC 2018 gives a second domain: half its passages
are indexed, so questions on the other half are true negatives.

    .venv/bin/python tools/fit_thresholds.py [--cmrc ../shared/datasets/cmrc2018_trial.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
from dataclasses import asdict
from pathlib import Path

from bot.core.answer import OPEN, Features, Thresholds
from bot.core.engine import Engine, QuestionError
from bot.core.evaluate import has_gold, load_cases, matches_source
from bot.settings import Settings
from index.embedding import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
SEED_SETS = [ROOT / "eval/seed_qa_dev.jsonl", ROOT / "eval/seed_qa_more.jsonl"]


def observe(engine: Engine, cases) -> list[dict]:
    rows = []
    for case in cases:
        try:
            question = engine.validate(case.question)
        except QuestionError:
            continue
        answer, _ = engine.ask_with_hits(question, thresholds=OPEN)  # the shipped pipeline, decision switched off
        correct = (
            answer.answerable and has_gold(case, answer.text) and matches_source(case, answer.citations[0].hit.doc)
        )
        rows.append(
            {
                "id": case.id,
                "question": case.question,
                "gold": case.answers,
                "answer": answer.text,
                "answerable": case.answerable,
                "correct": bool(correct),
                **asdict(answer.features),
            }
        )
    return rows


def score(rows: list[dict], t: Thresholds) -> dict:
    pos = [(r, not r["reason"] and t.admit(_features(r))) for r in rows if r["answerable"]]
    neg = [(r, not r["reason"] and t.admit(_features(r))) for r in rows if not r["answerable"]]
    return {
        "correct": sum(r["correct"] and admitted for r, admitted in pos) / max(1, len(pos)),
        "declined_pos": sum(not admitted for _, admitted in pos) / max(1, len(pos)),
        "declined_neg": sum(not admitted for _, admitted in neg) / max(1, len(neg)),
    }


def _features(row: dict) -> Features:
    return Features(**{k: row[k] for k in Features.__dataclass_fields__})


def grid():
    steps = [round(x * 0.02, 2) for x in range(10, 45)]
    for ctx, sent, dense, kind in itertools.product(steps, steps, [-1.0, 0.6, 0.7], [True, False]):
        if sent <= ctx:
            yield Thresholds(ctx, sent, dense, kind)


def fit(seed_rows: list[dict], cmrc_rows: list[dict]) -> list[tuple[float, Thresholds, dict, dict]]:
    results = []
    for t in grid():
        s = score(seed_rows, t)
        c = score(cmrc_rows, t) if cmrc_rows else {"correct": 0, "declined_pos": 0, "declined_neg": 0}
        if s["declined_pos"] > 0.05 or c["declined_pos"] > 0.10:
            continue
        objective = s["correct"] + s["declined_neg"] + 0.5 * (c["correct"] + c["declined_neg"])
        results.append((objective, t, s, c))
    return sorted(results, key=lambda r: r[0], reverse=True)


def cmrc_rows(path: Path, embedder) -> list[dict]:
    cases, documents = load_cases(path)
    ids = sorted(documents)
    random.Random(0).shuffle(ids)
    indexed = set(ids[: len(ids) // 2])
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env({}, index_dir=Path(tmp) / "index"), embedder)
        engine.ingest_documents({d: documents[d] for d in indexed}, replace_all=True)
        relabelled = [c.__class__(**{**c.__dict__, "answerable": c.source in indexed}) for c in cases]
        return observe(engine, relabelled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmrc", type=Path)
    parser.add_argument("--dump", type=Path, help="write the observed features here (JSONL)")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(Settings.from_env({}, index_dir=Path(tmp) / "index"), embedder)
        seed_rows = [r for path in SEED_SETS if path.exists() for r in observe(engine, load_cases(path)[0])]
    cmrc = cmrc_rows(args.cmrc, embedder) if args.cmrc else []
    if args.dump:
        args.dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in seed_rows + cmrc))
    ranked = fit(seed_rows, cmrc)
    print(f"seed questions: {len(seed_rows)}, cmrc questions: {len(cmrc)}; current {Thresholds()}")
    print("current:", score(seed_rows, Thresholds()), score(cmrc, Thresholds()) if cmrc else "")
    for objective, t, s, c in ranked[:10]:
        print(f"{objective:.3f} {t} seed={s} cmrc={c}")


if __name__ == "__main__":
    main()
