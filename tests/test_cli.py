"""The `xunda` command on bad input: one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.commands import cli


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(cli, ["--index", str(tmp_path / "index"), *args], **kwargs)

    return invoke


@pytest.mark.parametrize("question", ["", "   ", "问" * 10_000])
def test_unaskable_question_is_one_line_and_exit_1(run, question):
    result = run("ask", question)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: 问题")


def test_ingest_of_a_missing_path_says_so(run, tmp_path):
    result = run("ingest", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "no such file or directory" in result.output and "Traceback" not in result.output


def test_bad_date_is_one_line(run):
    result = run("ask", "快手2022扶持多少快品牌", "--since", "去年")
    assert result.exit_code == 1 and "not a date" in result.output


def test_stats_without_an_index_hints_at_rebuild(run):
    result = run("stats")
    assert result.exit_code == 1 and "xunda rebuild" in result.output
