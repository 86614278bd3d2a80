"""The LLM through the terminal: `xunda ask --llm…` and the REPL, against the fake server, on the real corpus."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import bot.cli.commands
from bot.cli.commands import cli
from bot.cli.repl import run_repl
from bot.llm.client import LLMClient
from bot.texts import message, template
from tests.fake_openai import closed_port_url, serving

pytestmark = pytest.mark.slow

EXAMPLE = "快手2022扶持多少快品牌"
KUAISHOU_TITLE = "定位“新市井电商”平台 快手如何突围？"
EXTRACTIVE_MARK = "500+个标杆快品牌"  # only in the extractive answer sentence, not in the fake replies
NO_LLM_ENV = {"XUNDA_LLM_BASE_URL": None, "XUNDA_LLM_MODEL": None, "XUNDA_LLM_API_KEY": None, "XUNDA_LLM_TIMEOUT": None}


@pytest.fixture
def fake():
    with serving() as server:
        yield server


@pytest.fixture
def run(seed_engine, monkeypatch):
    """`xunda …` in-process, on the already built seed engine; returns (result, seconds)."""
    monkeypatch.setattr(bot.cli.commands, "open_engine", lambda settings, show_progress=True: seed_engine)

    def invoke(*args: str, env: dict | None = None):
        started = time.monotonic()
        result = CliRunner().invoke(cli, list(args), env={**NO_LLM_ENV, **(env or {})})
        return result, time.monotonic() - started

    return invoke


def llm_args(url: str, timeout: float = 5) -> list[str]:
    return ["--llm", "--llm-base-url", url, "--llm-model", "fake-model", "--llm-timeout", str(timeout)]


def test_ask_streams_the_verified_answer_and_its_cited_source(run, fake):
    fake.reply = "快手计划扶持500+个快品牌[1][99]"
    result, _ = run("ask", EXAMPLE, *llm_args(fake.base_url))
    assert result.exit_code == 0, result.output
    answer, _, sources = result.output.partition("来源：")
    assert answer.strip() == "快手计划扶持500+个快品牌[1]"
    assert f"[1] {KUAISHOU_TITLE}" in sources and "[2]" not in sources and "[99]" not in result.output
    assert fake.requests[0]["body"]["stream"] is True


def test_ask_json_with_llm(run, fake):
    import json

    fake.reply = "快手计划扶持500+个快品牌[1][99]"
    result, _ = run("ask", EXAMPLE, "--json", *llm_args(fake.base_url))
    row = json.loads(result.output)
    assert row["answer"] == "快手计划扶持500+个快品牌[1]"
    assert [c["n"] for c in row["citations"]] == [1] and row["citations"][0]["title"] == KUAISHOU_TITLE
    assert not fake.requests[0]["body"].get("stream")


def test_environment_configures_the_llm_and_no_llm_turns_it_off(run, fake):
    env = {"XUNDA_LLM_BASE_URL": fake.base_url, "XUNDA_LLM_MODEL": "env-model"}
    result, _ = run("ask", EXAMPLE, env=env)
    assert "快手计划扶持500+个快品牌[1]" in result.output
    assert fake.requests[0]["body"]["model"] == "env-model"
    result, _ = run("ask", EXAMPLE, "--no-llm", env=env)
    assert EXTRACTIVE_MARK in result.output and len(fake.requests) == 1


def test_llm_flag_without_a_server_is_one_clean_error(run):
    result, _ = run("ask", EXAMPLE, "--llm")
    assert result.exit_code == 1 and "--llm needs a server" in result.output
    assert "Traceback" not in result.output


def test_not_in_corpus_never_reaches_the_model(run, fake):
    result, _ = run("ask", "拼多多2022年第一季度营收是多少？", *llm_args(fake.base_url))
    assert "没有找到" in result.output and fake.requests == []


def test_rejected_stream_is_followed_by_the_extractive_answer(run, fake):
    fake.reply = "未找到"
    result, _ = run("ask", EXAMPLE, *llm_args(fake.base_url))
    assert "未通过核验" in result.output and EXTRACTIVE_MARK in result.output
    assert f"[1] {KUAISHOU_TITLE}" in result.output


@pytest.mark.parametrize("down", ["closed port", "silent server"])
def test_server_down_still_answers_extractively_within_the_timeout(run, fake, seed_engine, down):
    url = closed_port_url() if down == "closed port" else fake.base_url
    fake.delay = 30  # the silent server accepts the connection and never answers
    started = time.monotonic()
    seed_engine.ask(EXAMPLE)
    extractive_seconds = time.monotonic() - started
    timeout = 1.5
    result, seconds = run("ask", EXAMPLE, *llm_args(url, timeout))
    assert result.exit_code == 0 and EXTRACTIVE_MARK in result.output
    assert seconds < timeout + extractive_seconds + 1.0


def test_server_down_bar_as_a_real_process(seed_engine):
    """The bar end to end: a real `xunda ask --llm` process against a closed port, beside one without the LLM."""
    env = {**os.environ, "XUNDA_INDEX": str(seed_engine.settings.index_dir)}
    for key in NO_LLM_ENV:
        env.pop(key, None)
    command = [sys.executable, "-m", "bot", "ask", EXAMPLE]

    def timed(*extra: str) -> tuple[subprocess.CompletedProcess, float]:
        started = time.monotonic()
        done = subprocess.run([*command, *extra], env=env, capture_output=True, text=True, timeout=300)
        return done, time.monotonic() - started

    plain, plain_seconds = timed("--no-llm")
    timeout = 2.0
    down, down_seconds = timed(*llm_args(closed_port_url(), timeout))
    assert plain.returncode == 0 and down.returncode == 0, down.stderr
    assert EXTRACTIVE_MARK in down.stdout and "falling back" in down.stderr
    assert down_seconds < plain_seconds + timeout + 3.0  # 3 s for the noise of loading the model twice


def test_repl_streams_and_rewrites_follow_ups_with_the_model(seed_engine, fake):
    rewrite_rules = template("llm_rewrite.md").strip()

    def respond(body: dict) -> str:
        if body["messages"][0]["content"] == rewrite_rules:
            return "抖音电商扶持多少商家年销破亿？"
        return "快手计划扶持500+个快品牌[1][99]" if "快手2022" in body["messages"][1]["content"] else "见资料[1]"

    fake.respond = respond
    echoed, written = [], []
    client = LLMClient(fake.base_url, "fake-model", timeout=5)
    run_repl(seed_engine, lines=iter([EXAMPLE, "那抖音呢？"]), echo=echoed.append, write=written.append, llm=client)

    out = "".join(written)
    assert "快手计划扶持500+个快品牌[1]" in out and "[99]" not in out
    assert message("interpreted_as", question="抖音电商扶持多少商家年销破亿？") in out
    rewrite_request, answer_request = fake.requests[1]["body"], fake.requests[2]["body"]
    assert "那抖音呢？" in rewrite_request["messages"][1]["content"]
    second = answer_request["messages"][1]["content"]
    assert "问题：抖音电商扶持多少商家年销破亿？" in second  # retrieval and prompt use the standalone question
    assert "<previous_turn>" in second and "快手计划扶持500+个快品牌[1]" in second


def test_api_key_is_read_from_a_file_not_the_command_line(run, fake, tmp_path):
    """Issue 16, finding 9: a key on the command line shows in `ps`; --llm-api-key-file keeps it out."""
    key_file = tmp_path / "llm.key"
    key_file.write_text("sk-from-file-123\n", encoding="utf-8")
    result, _ = run("ask", EXAMPLE, *llm_args(fake.base_url), "--llm-api-key-file", str(key_file))
    assert result.exit_code == 0, result.output
    assert fake.requests[0]["headers"]["authorization"] == "Bearer sk-from-file-123"
    key_file.write_text("\n", encoding="utf-8")
    result, _ = run("ask", EXAMPLE, *llm_args(fake.base_url), "--llm-api-key-file", str(key_file))
    assert result.exit_code != 0 and "is empty" in result.output and "Traceback" not in result.output
