"""tools/compare_details.py: the row-by-row comparison every answer-step change is judged by."""

import json
import subprocess
import sys
from pathlib import Path

from bot.core.evaluate import _confusion, confusion_cell

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "compare_details.py"


def _row(qid, answerable, declined, correct, answer="", reason=""):
    return {
        "id": qid, "question": f"问题{qid}", "answerable": answerable, "declined": declined, "correct": correct,
        "answer": answer, "features": {"reason": reason},
    }


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_cells_are_what_the_user_got_against_what_the_corpus_holds():
    assert confusion_cell(_row("a", True, False, True)) == "answered right"
    assert confusion_cell(_row("a", True, False, False)) == "answered wrong"
    assert confusion_cell(_row("a", True, True, False)) == "declined wrongly"
    assert confusion_cell(_row("a", False, False, False)) == "answered, not in corpus"
    assert confusion_cell(_row("a", False, True, False)) == "declined rightly"
    assert sum(_confusion([_row("a", True, False, True), _row("b", False, True, False)]).values()) == 2


def test_a_declined_near_miss_and_a_lost_right_answer_both_show(tmp_path):
    before = _write(tmp_path / "before.jsonl", [
        _row("q1", True, False, True, "快手扶持500+个快品牌。 [1]"),
        _row("q2", False, False, False, "抖音国货销量增长667%。 [1]"),
        _row("q3", False, True, False),
        _row("q4", True, False, True, "230亿流量。 [1]"),
    ])
    after = _write(tmp_path / "after.jsonl", [
        _row("q1", True, False, True, "快手扶持500+个快品牌。 [1]"),
        _row("q2", False, True, False, reason="the best sentence is about another post"),
        _row("q3", False, True, False),
        _row("q4", True, True, False, reason="the best sentence states no number"),
    ])
    result = _run(before, after)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # 2 answerable, 2 not in the corpus: right 100% -> 50%, near misses declined 50% -> 100%
    assert "before 100.0 / 50.0 / 0.0" in out
    assert "after  50.0 / 100.0 / 50.0" in out
    assert "1 × answered, not in corpus -> declined rightly" in out
    assert "answered right -> declined wrongly: q4 问题q4 | the best sentence states no number | 230亿流量" in out
    assert "q1" not in out and "q3" not in out  # unchanged rows are not listed


def test_a_missing_or_foreign_file_gets_one_clear_message(tmp_path):
    missing = _run(tmp_path / "nope.jsonl", tmp_path / "nope.jsonl")
    assert missing.returncode == 2 and "no such details file" in missing.stderr
    assert "Traceback" not in missing.stderr
    other = _write(tmp_path / "other.jsonl", [{"question": "x"}])
    foreign = _run(other, other)
    assert foreign.returncode == 2 and "not an `xunda eval --details` file" in foreign.stderr
    assert "Traceback" not in foreign.stderr
