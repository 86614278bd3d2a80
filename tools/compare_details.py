"""Compare two `xunda eval --details` files of the same questions, row by row: the figures of each and every
question whose outcome moved (answered right, answered wrong, answered although not in the corpus, declined
rightly, declined wrongly), with the rule or answer behind it.

    xunda eval eval/news_qa_dev.jsonl --split fit --corpus … --details /tmp/before.jsonl   # on the old code
    xunda eval eval/news_qa_dev.jsonl --split fit --corpus … --details /tmp/after.jsonl    # on the new code
    .venv/bin/python tools/compare_details.py /tmp/before.jsonl /tmp/after.jsonl

Every change to the answer step was judged this way on the fit splits before its check figures were read
(README, Quality): a rule that declines near misses must show what right answers it costs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core.evaluate import confusion_cell  # noqa: E402


def read_rows(path: Path) -> dict[str, dict]:
    """The rows of a details file by question id (the question itself where a row has no id)."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row.get("id") or row["question"]] = row
    return rows


def figures(rows: list[dict]) -> str:
    """Right, not-in-corpus declined and answerable declined, in %, as the README's tables give them."""
    cells = Counter(confusion_cell(r) for r in rows)
    answerable = sum(1 for r in rows if r["answerable"]) or 1
    unanswerable = sum(1 for r in rows if not r["answerable"]) or 1
    return (
        f"{100 * cells['answered right'] / answerable:.1f} / {100 * cells['declined rightly'] / unanswerable:.1f} / "
        f"{100 * cells['declined wrongly'] / answerable:.1f}"
    )


def compare(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """The report's lines: both sets of figures over the questions in both files, the count of each move, then
    each moved question."""
    shared = [key for key in after if key in before]
    moves: Counter = Counter()
    moved = []
    for key in shared:
        old, new = confusion_cell(before[key]), confusion_cell(after[key])
        if old != new:
            moves[(old, new)] += 1
            reason = (after[key].get("features") or {}).get("reason") or ""
            answer = (after[key]["answer"] if not after[key]["declined"] else before[key]["answer"]) or ""
            moved.append(f"  {old} -> {new}: {key} {after[key]['question']} | {reason} | {answer[:70]}")
    lines = [
        f"{len(shared)} questions in both; right / not in corpus declined / answerable declined, in %:",
        f"  before {figures([before[k] for k in shared])}",
        f"  after  {figures([after[k] for k in shared])}",
    ]
    lines += [f"  {n} × {old} -> {new}" for (old, new), n in moves.most_common()]
    return lines + moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    for path in (args.before, args.after):
        if not path.is_file():
            parser.error(f"no such details file: {path}")
    try:
        lines = compare(read_rows(args.before), read_rows(args.after))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        parser.error(f"not an `xunda eval --details` file ({type(exc).__name__}: {exc})")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
