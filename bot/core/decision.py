"""The learned answer decision: two linear models over candidate features, shipped as plain JSON.

- The ranker orders the candidate sentences of one question (trained on pairs: a sentence that answers against
  one that does not, from the same question).
- The verifier (bot/core/verifier.py, a cross-encoder) reads the ranker's best few; its logit, times
  `verifier_weight`, is added to their ranker score, and the decider sees it as the feature "verifier".
- The decider is a logistic regression on the best-ranked candidate: its features, its ranker score and its
  lead over the runner-up. Its probability decides between answering and declining (`threshold`, chosen on
  held-out data).
Both are fitted by tools/fit_decision.py, which records data, seed and figures in bot/core/data/decision.json;
scikit-learn is needed only there.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "data" / "decision.json"


@dataclass(frozen=True)
class Linear:
    names: tuple[str, ...]
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    intercept: float
    clip: float | None = None  # standardised values are clipped to ±clip (no linear extrapolation far out)

    def _x(self, value: float, m: float, s: float) -> float:
        x = (value - m) / s
        return x if self.clip is None else max(-self.clip, min(self.clip, x))

    def logit(self, features: dict[str, float]) -> float:
        # The same sum as contributions() adds up, written out: it runs ~25 times per question.
        z, get, clip = self.intercept, features.get, self.clip
        for name, c, m, s in zip(self.names, self.coef, self.mean, self.scale, strict=True):
            x = (get(name, 0.0) - m) / s
            if clip is not None:
                x = -clip if x < -clip else clip if x > clip else x
            z += c * x
        return z

    def contributions(self, features: dict[str, float], top: int = 6) -> list[tuple[str, float]]:
        """The features that moved this candidate's score most, with their signed share of the logit."""
        parts = [
            (name, c * self._x(features.get(name, 0.0), m, s))
            for name, c, m, s in zip(self.names, self.coef, self.mean, self.scale, strict=True)
        ]
        parts.sort(key=lambda p: abs(p[1]), reverse=True)
        return [(name, round(v, 2)) for name, v in parts[:top]]

    def to_json(self) -> dict:
        return {
            "features": list(self.names),
            "coef": list(self.coef),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "intercept": self.intercept,
            "clip": self.clip,
        }


@dataclass(frozen=True)
class Model:
    ranker: Linear
    decider: Linear  # sees the ranker's "rank_score" and "rank_margin" beside the candidate features
    threshold: float  # answer when the decider's probability is at least this
    meta: dict
    verifier_weight: float = 0.0  # 0: the model was fitted without the verifier, which is then not run

    @property
    def uses_verifier(self) -> bool:
        return self.verifier_weight > 0 or "verifier" in self.decider.names

    def rank(self, features: dict[str, float]) -> float:
        return self.ranker.logit(features)

    def decide(self, features: dict[str, float], score: float, margin: float) -> float:
        return sigmoid(self.decider.logit({**features, "rank_score": score, "rank_margin": margin}))

    def to_json(self) -> dict:
        return {
            "ranker": self.ranker.to_json(),
            "decider": self.decider.to_json(),
            "threshold": self.threshold,
            "verifier_weight": self.verifier_weight,
            "meta": self.meta,
        }


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _linear(data: dict) -> Linear:
    return Linear(
        tuple(data["features"]),
        tuple(data["coef"]),
        tuple(data["mean"]),
        tuple(data["scale"]),
        float(data.get("intercept", 0.0)),
        data.get("clip"),
    )


def from_json(data: dict) -> Model:
    return Model(
        _linear(data["ranker"]),
        _linear(data["decider"]),
        float(data["threshold"]),
        dict(data.get("meta") or {}),
        float(data.get("verifier_weight", 0.0)),
    )


@cache
def shipped() -> Model:
    return from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
