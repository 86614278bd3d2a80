"""Where the answerable questions are lost, stage by stage, for the shipped answer step on cached retrieval.

Each answerable question that is not answered right is put at the first stage that lost it:
- answer not in its article: no answering article holds a gold answer as written (the question's gold was
  paraphrased), so no extractive answer can match it;
- not retrieved: no retrieved passage of an answering article holds a gold answer;
- not shortlisted: one does, but no sentence holding it is among the candidates that get the full features
  (bot/core/candidates.py, SHORTLIST);
- declined by a rule: an answering sentence is shortlisted, but even answering everything a rule declines the
  sentence chosen (another year, place, post…), whichever sentence that is;
- another sentence chosen: an answering sentence is shortlisted, but the ranker and the verifier put another
  first (answering everything, the answer would be wrong); then either answered (a wrong answer shown) or
  declined;
- declined by the threshold: the sentence chosen answers, but the decision's probability is below its threshold.
Not-in-corpus questions are counted as declined or answered. This says which part of the pipeline a change must
improve: on the CRUD news set most of the loss is in choosing the sentence and in retrieval, not in the decision.

    .venv/bin/python tools/answer_cache.py crud news written     # once: the cached retrieval
    .venv/bin/python tools/error_funnel.py crud news written --split check

Fit rows are scored with the half-trained verifiers where tools/train_verifier.py left them, else without one
(tools/fit_decision.row_verifier); check rows with the shipped verifier.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core.answer import OPEN, Thresholds  # noqa: E402
from tools.answer_cache import CACHE, INDEXES, load_replay  # noqa: E402
from tools.fit_decision import has_gold, in_sources, labelled_candidates, replay_answers, subsets  # noqa: E402

LOSSES = (
    "answer not in its article",
    "not retrieved",
    "not shortlisted",
    "declined by a rule",
    "another chosen, answered",
    "another chosen, declined",
    "declined by the threshold",
)
OUTCOMES = ("answered right", *LOSSES)


def stage(
    *,
    right: bool,
    answered: bool,
    extractable: bool,
    retrieved: bool,
    shortlisted: bool,
    open_right: bool,
    open_ruled: bool,
) -> str:
    """The outcome of one answerable question: answered right, or the first stage that lost it.

    `right`/`answered`: what the shipped answer step did; `extractable`: an answering article holds a gold
    answer as written; `retrieved`: a retrieved passage of one does; `shortlisted`: a shortlisted candidate does;
    `open_right`/`open_ruled`: answering everything, the answer is right / a rule declines it."""
    if right:
        return "answered right"
    if not extractable:
        return "answer not in its article"
    if not retrieved:
        return "not retrieved"
    if not shortlisted:
        return "not shortlisted"
    if open_ruled:
        return "declined by a rule"
    # Answered wrong although answering everything is right happens only with a month in the question: answering
    # everything takes the month's news, the shipped step may fall back to all news (Engine.ask_with_hits).
    if not open_right or answered:
        return "another chosen, answered" if answered else "another chosen, declined"
    return "declined by the threshold"  # the right sentence is chosen at any threshold: this one declined it


def funnel(replay, rows: list[dict]) -> tuple[Counter, Counter]:
    """The outcomes of the answerable rows, and of the not-in-corpus ones (declined / answered)."""
    shipped = replay_answers(replay, rows, Thresholds())
    opened = replay_answers(replay, rows, OPEN)
    answerable, unanswerable = Counter(), Counter()
    for done, everything in zip(shipped, opened, strict=True):
        row = done["row"]
        if not row["answerable"]:
            unanswerable["declined" if not done["answered"] else "answered"] += 1
            continue
        hits = replay.hits(row["hits"]) or []
        extractable = any(has_gold(row, doc.text) for doc in _articles(replay, row))
        retrieved = any(in_sources(row, h.doc.doc_id) and has_gold(row, h.chunk.text) for h in hits)
        shortlisted = retrieved and any(label for _, label in labelled_candidates(replay, row))
        ruled = not everything["answered"] and bool(everything["features"] and everything["features"].reason)
        answerable[
            stage(
                right=done["correct"],
                answered=done["answered"],
                extractable=extractable,
                retrieved=retrieved,
                shortlisted=shortlisted,
                open_right=everything["correct"],
                open_ruled=ruled,
            )
        ] += 1
    return answerable, unanswerable


def _articles(replay, row: dict) -> list:
    """The corpus's answering articles of a row (its source and same-event sources)."""
    return [doc for doc_id, doc in replay.searcher.data.documents.items() if in_sources(row, doc_id)]


def table(name: str, answerable: Counter, unanswerable: Counter) -> list[str]:
    total = sum(answerable.values()) or 1
    lines = [f"{name}: {sum(answerable.values())} answerable"]
    lines += [f"  {outcome:<28}{answerable[outcome]:>5}  {answerable[outcome] / total:>6.1%}" for outcome in OUTCOMES]
    if unanswerable:
        nic = sum(unanswerable.values())
        lines.append(f"  not in corpus: {unanswerable['declined']} of {nic} declined")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", choices=list(INDEXES))
    parser.add_argument("--split", choices=("fit", "check"), default="check")
    args = parser.parse_args()
    for name in args.sets:
        if not (CACHE / f"{name}.jsonl").exists() or not INDEXES[name].exists():
            parser.error(f"no cached retrieval for {name}: run tools/answer_cache.py {name} first")
    for name in args.sets:
        replay = load_replay(name)
        for sub, rows in subsets(replay, name).items():
            rows = [r for r in rows if r["split"] == args.split]
            if rows:
                print("\n".join(table(f"{sub} ({args.split})", *funnel(replay, rows))), flush=True)


if __name__ == "__main__":
    main()
