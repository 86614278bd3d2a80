"""The near misses the verifier is trained on (tools/contrast_questions.py): one constraint that the answering
sentence states is changed to one it does not state, and nothing else."""

import random

from tools.contrast_questions import Pools, contrast_question, pools

EVIDENCE = "2021年抖音电商国货销量同比增长667%，第三届生态大会5月在广州举行。"


NONE = Pools({}, [])


def _all_contrasts(question: str, evidence: str, pool: Pools) -> set[str]:
    return {contrast_question(question, evidence, pool, random.Random(seed)) for seed in range(40)}


def test_a_year_or_edition_the_sentence_states_is_changed_to_one_it_does_not():
    assert _all_contrasts("2021年抖音国货销量增长了多少", EVIDENCE, NONE) == {"2022年抖音国货销量增长了多少"}
    assert _all_contrasts("第三届生态大会在哪里举行", EVIDENCE, NONE) == {"第四届生态大会在哪里举行"}
    assert _all_contrasts("生态大会5月在哪里举行", EVIDENCE, NONE) == {"生态大会6月在哪里举行"}


def test_a_subject_is_swapped_for_another_of_its_kind_that_the_sentence_does_not_name():
    pool = Pools(pools(["快手2022扶持多少快品牌", "抖音电商国货销量增长了多少", "京东618成交额是多少"]).subjects, [])
    changed = _all_contrasts("抖音电商国货销量增长了多少", EVIDENCE, pool)
    assert changed and all("抖音" not in q and q.endswith("电商国货销量增长了多少") for q in changed)
    assert all(q[: -len("电商国货销量增长了多少")] in ("快手", "京东") for q in changed)


def test_a_question_whose_constraints_the_sentence_does_not_state_gets_no_near_miss():
    assert contrast_question("2019年拼多多的营收是多少", EVIDENCE, NONE, random.Random(0)) is None


def test_an_attribute_is_swapped_for_another_that_shares_no_character_with_it():
    pool = Pools({}, ["退货率", "销售额", "导演"])
    changed = _all_contrasts("抖音电商国货销量增长了多少", EVIDENCE, pool)
    assert "抖音电商国货退货率增长了多少" in changed and "抖音电商国货导演增长了多少" in changed
    assert "抖音电商国货销售额增长了多少" not in changed  # 销售额 shares 销 with 销量: it may say the same
