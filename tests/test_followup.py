"""Elliptical follow-ups become full questions from the previous one; anything else passes unchanged."""

from __future__ import annotations

import pytest

from bot.core.followup import rewrite

KUAISHOU = "快手2022扶持多少快品牌"


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("那抖音呢？", KUAISHOU, "抖音2022扶持多少快品牌"),
        ("还有京东呢", KUAISHOU, "京东2022扶持多少快品牌"),
        ("那么淘宝呢?", KUAISHOU, "淘宝2022扶持多少快品牌"),
        ("拼多多？", KUAISHOU, "拼多多2022扶持多少快品牌"),  # just a name
        ("那2023年呢", KUAISHOU, "快手2023年扶持多少快品牌"),  # a time replaces the time
        ("那2023年呢", "2022年天猫618成交额是多少", "2023年天猫618成交额是多少"),
        ("那么淘宝呢", "直播电商的核心竞争力是什么", "淘宝的核心竞争力是什么"),
        ("那广州呢？", "2021年深圳的快递业务量是多少", "2021年广州的快递业务量是多少"),  # a place for a place
        ("那李娜呢？", "王芳在决赛中得了多少分", "李娜在决赛中得了多少分"),  # a person for a person
        ("那在上海呢？", "在北京开一家咖啡馆要多少钱", "在上海开一家咖啡馆要多少钱"),
    ],
)
def test_follow_ups_take_the_place_of_the_previous_subject(question, previous, expected):
    assert rewrite(question, previous) == expected


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("抖音电商总裁是谁？", KUAISHOU),  # a full question
        ("那抖音扶持了多少品牌呢", KUAISHOU),  # starts with 那 but still asks something itself
        ("那抖音呢？", None),  # nothing to follow
        ("那抖音呢？", ""),
        ("谢谢！", KUAISHOU),
        ("还有吗", KUAISHOU),
        ("", KUAISHOU),
        ("新市井电商的提出者在会上还说了哪些关于快品牌的内容呢", KUAISHOU),  # long: a question of its own
    ],
)
def test_anything_else_is_left_alone(question, previous):
    assert rewrite(question, previous) == question


def test_rewrite_is_deterministic_and_chains_through_rewritten_turns():
    second = rewrite("那抖音呢？", KUAISHOU)
    assert rewrite("那京东呢？", second) == "京东2022扶持多少快品牌"
    assert rewrite("那抖音呢？", KUAISHOU) == second
