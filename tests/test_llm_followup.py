"""Follow-up rewriting with the LLM, falling back to the deterministic rule."""

from __future__ import annotations

import pytest

from bot.llm.followup import rewrite_with_llm
from tests.fake_openai import client_for, closed_port_url

PREVIOUS_Q = "快手2022扶持多少快品牌"
PREVIOUS_A = "快手电商希望在2022年扶持500+个标杆快品牌。 [1]"


def rule(question: str, previous_question: str | None) -> str:
    """A stand-in for bot.core.followup.rewrite, so these tests say which path answered."""
    return f"RULE:{question}"


def test_llm_rewrite_is_used(fake_llm):
    fake_llm.reply = "改写后的问题：“抖音2022扶持多少品牌？”"
    rewritten = rewrite_with_llm("那抖音呢？", PREVIOUS_Q, PREVIOUS_A, client_for(fake_llm.base_url), rule)
    assert rewritten == "抖音2022扶持多少品牌？"
    user = fake_llm.requests[0]["body"]["messages"][1]["content"]
    assert PREVIOUS_Q in user and "500+" in user and "那抖音呢？" in user


def test_first_question_and_no_client_use_the_rule_without_a_call(fake_llm):
    assert rewrite_with_llm("那抖音呢？", None, None, client_for(fake_llm.base_url), rule) == "RULE:那抖音呢？"
    assert rewrite_with_llm("那抖音呢？", PREVIOUS_Q, PREVIOUS_A, None, rule) == "RULE:那抖音呢？"
    long_question = "抖音电商在2022年的国货计划里一共扶持了多少个品牌，具体有哪些措施和成果？"
    assert rewrite_with_llm(long_question, PREVIOUS_Q, PREVIOUS_A, client_for(fake_llm.base_url), rule).startswith(
        "RULE:"
    )
    assert fake_llm.requests == []


@pytest.mark.parametrize(
    "script", [{"status": 500}, {"reply": ""}, {"reply": "第一行\n第二行"}, {"reply": "长" * 500}, {"reply": "未找到"}]
)
def test_unusable_rewrites_fall_back_to_the_rule(fake_llm, script):
    for key, value in script.items():
        setattr(fake_llm, key, value)
    assert (
        rewrite_with_llm("那抖音呢？", PREVIOUS_Q, PREVIOUS_A, client_for(fake_llm.base_url), rule) == "RULE:那抖音呢？"
    )


def test_server_down_falls_back_to_the_real_rule():
    rewritten = rewrite_with_llm("那抖音呢？", PREVIOUS_Q, PREVIOUS_A, client_for(closed_port_url(), timeout=2))
    assert "抖音" in rewritten and rewritten != "那抖音呢？"  # bot.core.followup.rewrite did its job
