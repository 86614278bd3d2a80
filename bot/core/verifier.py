"""The answer verifier: a cross-encoder that reads the question and one candidate sentence together and says how
likely the sentence answers it. The feature scorer (bot/core/candidates.py) sees words, types and constraints;
a verifier sees the two texts at once, which is what could tell "on topic" from "answers".

It is m3e-small (4 layers) fine-tuned with a one-logit head by tools/train_verifier.py and exported as an int8
ONNX graph (bot/core/data/verifier.int8.onnx, 24 MB, with verifier.json recording data, seed and figures). Its
weights are kept within 7 bits (tools/verifier_graph.py): with 8-bit ones, CPUs without VNNI saturate in ONNX
Runtime's int8 kernel and the verifier read differently there (news near misses declined 54.6% against 62.6%).
Reading the ranker's best TOP_K candidates costs about 9 ms on 2 cores (3 ms a candidate). The answer step runs
it only when the shipped decision was fitted with it (decision.Model.uses_verifier); tools/fit_decision.py fits
with it whenever the graphs are there.

Shipped since 2026-12-03. Three earlier tries were not (figures in tools/fit_decision.py): trained on about
1,550 fit questions, most of them Wikipedia MRC, it declined more, right and wrong. With the written news set
doubled (7,000 pairs per half of the fit questions, a third of them news) and cross-fitted (the decision fitted
on the scores of the verifier that did not see each question), the fit gives it weight 0.25 in the ranking and
+0.91 in the decider, and on the check splits it answers more right: news 80.7% against 79.3%, CRUD 53.4%
against 48.5%, DRCD 82.4% against 77.6%, with as many near misses declined or more. Since the afternoon of
2026-12-03 the one shipped is trained on the whole fit split (`--whole`, 14,074 pairs); the decision keeps the
half-trained ones' cross-fitted scores. Check: news 82.1% right (80.7%), written 79.5% (75.5%), DRCD 84.2% (82.4%).
Since the evening of 2026-12-03 it is trained with a listwise loss beside the pairwise one (`--listwise 1`: each
question's candidates compete in a softmax, which is the choice the answer step makes), same data, 2 epochs.
Answering everything, check: news 87.1% (85.7%), written 88.2% (87.7%), CMRC and DRCD the same; mean decider
AUC 0.931 (0.928). Three epochs of the pairwise loss alone did not help (tools/fit_decision.py).
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path

import numpy as np

from index.embedding import packaged_model_path

DATA = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA / "verifier.int8.onnx"
META_PATH = DATA / "verifier.json"
MAX_TOKENS = 96  # question and candidate together; the candidate is cut to fit
TOP_K = 3  # candidates per question the verifier reads


def pair_text(title: str, span: str) -> str:
    """What the verifier reads of a candidate: the sentence, then its article's title (cut first when long)."""
    return f"{span}｜{title}" if title else span


class Verifier:
    """Scores (question, candidate) pairs; the ONNX session and tokenizer load on first use."""

    def __init__(self, model_path: Path = MODEL_PATH, tokenizer_path: Path | None = None, threads: int = 2):
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path or packaged_model_path() / "tokenizer.json"
        self.threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
                tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")
                tokenizer.enable_padding()
                self._tokenizer = tokenizer
                self._session = ort.InferenceSession(
                    str(self.model_path), options, providers=["CPUExecutionProvider"]
                )
        return self._session, self._tokenizer

    def logits(self, question: str, texts: list[str]) -> list[float]:
        """The verifier's logit for each text answering the question (higher: more likely)."""
        if not texts:
            return []
        session, tokenizer = self._load()
        encoded = tokenizer.encode_batch([(question, t) for t in texts])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return [float(v) for v in session.run(None, feed)[0][:, 0]]


@cache
def shipped() -> Verifier | None:
    """The shipped verifier, or None when its graph is not there (the feature scorer then decides alone)."""
    return Verifier() if MODEL_PATH.exists() else None


def warm_up() -> None:
    """Load the shipped verifier now (its ONNX session and tokenizer), not on the first question."""
    reader = shipped()
    if reader is not None:
        reader._load()


def meta() -> dict:
    return json.loads(META_PATH.read_text(encoding="utf-8")) if META_PATH.exists() else {}
