"""tools/error_funnel.py: each lost answerable question is put at the first stage that lost it."""

from collections import Counter

from tests.tool_process import run_tool
from tools.error_funnel import OUTCOMES, stage, table


def _stage(**overrides):
    facts = dict(
        right=False,
        answered=False,
        extractable=True,
        retrieved=True,
        shortlisted=True,
        open_right=True,
        open_ruled=False,
    )
    return stage(**{**facts, **overrides})


def test_a_right_answer_is_right_whatever_the_stages_say():
    assert _stage(right=True, answered=True, retrieved=False) == "answered right"


def test_the_first_stage_that_lost_the_answer_is_blamed():
    assert _stage(extractable=False, retrieved=False) == "answer not in its article"
    assert _stage(retrieved=False, shortlisted=False) == "not retrieved"
    assert _stage(shortlisted=False, open_right=False) == "not shortlisted"
    assert _stage(open_ruled=True, open_right=False) == "declined by a rule"


def test_choosing_another_sentence_is_told_apart_from_declining_the_right_one():
    assert _stage(open_right=False, answered=True) == "another chosen, answered"
    assert _stage(open_right=False) == "another chosen, declined"
    assert _stage(open_right=True) == "declined by the threshold"


def test_the_table_gives_every_outcome_with_its_share():
    lines = table("news (check)", Counter({"answered right": 3, "not retrieved": 1}), Counter(declined=2, answered=1))
    assert lines[0] == "news (check): 4 answerable"
    assert any("answered right" in line and "75.0%" in line for line in lines)
    assert len([line for line in lines if "%" in line]) == len(OUTCOMES)
    assert lines[-1] == "  not in corpus: 2 of 3 declined"


def test_a_set_without_cached_retrieval_gets_one_clear_message(tmp_path):
    result = run_tool(
        "import tools.answer_cache as c, tools.error_funnel as f, pathlib, sys;"
        "c.CACHE = f.CACHE = pathlib.Path(sys.argv[1]); sys.argv = ['error_funnel.py', 'crud']; f.main()",
        tmp_path,
    )
    assert result.returncode == 2
    assert "no cached retrieval for crud" in result.stderr
    assert "Traceback" not in result.stderr
