"""The answer verifier's place in the answer step: it reorders the ranker's best candidates when the decision was
fitted with it, and is never run otherwise."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from bot.core import decision, verifier
from bot.core.answer import Thresholds
from index.documents import Document
from tools import verifier_graph

SUMMIT = Document(
    "summit.txt",
    "快手电商引力大会",
    "快手电商在北京举办引力大会，快手电商扶持快品牌的计划受到关注。快手电商希望在2022年扶持500个标杆快品牌。",
    date="2022-05-20T10:00:00+08:00",
)


class MarkerVerifier:
    """A fake verifier: a high logit for texts holding the marker, a low one for the rest."""

    def __init__(self, marker: str):
        self.marker = marker
        self.read: list[str] = []

    def logits(self, question: str, texts: list[str]) -> list[float]:
        self.read += texts
        return [8.0 if self.marker in t else -8.0 for t in texts]


@pytest.fixture
def engine(fake_engine):
    fake_engine.ingest_documents({SUMMIT.doc_id: SUMMIT}, replace_all=True)
    return fake_engine


def test_the_verifier_reorders_the_ranker_s_best_and_reads_no_more_than_top_k(engine):
    model = replace(decision.shipped(), verifier_weight=10.0)
    for marker in ("500个", "引力大会，"):
        fake = MarkerVerifier(marker)
        answer = engine.ask_with_hits("快手2022扶持多少快品牌", thresholds=Thresholds(0.0, model, fake))[0]
        assert marker in answer.text
        assert 0 < len(fake.read) <= verifier.TOP_K
        assert all(t.endswith("｜" + SUMMIT.title) for t in fake.read)  # the title travels after the sentence


def _without_verifier(model: decision.Model) -> decision.Model:
    """The shipped model as if fitted without the verifier: no verifier weight, no verifier feature."""
    d = model.decider
    keep = [i for i, n in enumerate(d.names) if n != "verifier"]
    decider = decision.Linear(
        *(tuple(getattr(d, f)[i] for i in keep) for f in ("names", "coef", "mean", "scale")), d.intercept, d.clip
    )
    return replace(model, decider=decider, verifier_weight=0.0)


def test_a_model_fitted_without_the_verifier_never_runs_one(engine):
    fake = MarkerVerifier("500个")
    model = _without_verifier(decision.shipped())
    answer = engine.ask_with_hits("快手2022扶持多少快品牌", thresholds=Thresholds(0.0, model, fake))[0]
    assert not model.uses_verifier and not fake.read
    assert "verifier" not in answer.features.values


def test_the_shipped_verifier_reads_the_ranker_s_best_and_its_record_says_how_it_was_made():
    """Shipped since 2026-12-03: the decision was fitted with it, and its record names its data and seed."""
    assert decision.shipped().uses_verifier and verifier.shipped() is not None
    record = verifier.meta()
    assert record["trained_by"] == "tools/train_verifier.py" and record["seed"] == 0
    assert record["bytes"] <= 50 * 1024 * 1024
    question = "快手2022扶持多少快品牌"
    answering = verifier.pair_text("快手如何突围", "快手电商希望在2022年扶持500+个标杆快品牌。")
    off_topic = verifier.pair_text("抖音电商发布国货报告", "2021年抖音电商国货销量同比增长667%。")
    yes, no = verifier.shipped().logits(question, [answering, off_topic])
    assert yes > no


def test_the_shipped_verifier_reads_the_same_on_every_cpu():
    """Its weights stay within 7 bits, so no CPU's int8 kernel saturates (AVX2 without VNNI did, and the verifier
    then read differently: tools/verifier_graph.py), and its logits stay near its weights computed in float."""
    model = onnx.load(str(verifier.MODEL_PATH))
    initializers = {i.name: i for i in model.graph.initializer}
    products = [n for n in model.graph.node if n.op_type == "MatMulInteger"]
    weights = [numpy_helper.to_array(initializers[n.input[1]]) for n in products]
    assert weights and all(int(np.abs(w.astype(np.int32)).max()) <= verifier_graph.SEVEN_BIT for w in weights)
    pairs = verifier_graph.drift_pairs()[::6]
    drift = np.abs(verifier_graph.logits(model, pairs) - verifier_graph.logits(verifier_graph.float_twin(model), pairs))
    assert drift.max() < 0.3  # the logits spread about 1.8; the saturating 8-bit graph drifted 2.4 at most, 1.7 mean
