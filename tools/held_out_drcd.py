"""Write the DRCD passages that no evaluation or fit here reads as SQuAD JSON files for `xunda eval`.

tools/answer_cache.py samples 400 of DRCD's 1,000 passages for the fit and check splits; the other 600
(answer_cache.unused_squad: 2,114 questions) are a held-out MRC set. They are cut in two by passage: the "look" half
may be read for errors, the "report" half is only scored.

    .venv/bin/python tools/held_out_drcd.py /tmp/drcd_held_out
    xunda eval /tmp/drcd_held_out/report.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.answer_cache import SQUAD, unused_squad  # noqa: E402

SEED = 2  # the look/report cut of the passages


def halves(passage_ids: set[str]) -> dict[str, set[str]]:
    ids = sorted(passage_ids)
    random.Random(SEED).shuffle(ids)
    return {"look": set(ids[: len(ids) // 2]), "report": set(ids[len(ids) // 2 :])}


def write(out_dir: Path) -> dict[str, int]:
    _, documents = unused_squad("drcd")
    squad = json.loads(Path(SQUAD["drcd"]).read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, keep in {"all": set(documents), **halves(set(documents))}.items():
        data = []
        for article in squad["data"]:
            paragraphs = [p for p in article["paragraphs"] if p["id"] in keep]
            if paragraphs:
                data.append({**article, "paragraphs": paragraphs})
        (out_dir / f"{name}.json").write_text(
            json.dumps({"version": squad.get("version", "drcd"), "data": data}, ensure_ascii=False), encoding="utf-8"
        )
        counts[name] = sum(len(p["qas"]) for a in data for p in a["paragraphs"])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    counts = write(parser.parse_args().out_dir)
    print(", ".join(f"{name}: {n} questions" for name, n in counts.items()))


if __name__ == "__main__":
    main()
