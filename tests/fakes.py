"""Fakes shared by the tests: a deterministic embedder that needs no model."""

from __future__ import annotations

import numpy as np

from index.terms import slot, units


class FakeEmbedder:
    """Hashes character bigrams into a small vector: similar texts get similar vectors, instantly."""

    name = "fake-bigram-64"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0  # texts encoded so far, so tests can see what was (not) re-embedded

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for unit in units(text):
                out[row, slot(unit) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class SlowFakeEmbedder(FakeEmbedder):
    """The fake embedder at a model's pace, so a test can kill an ingest in the middle of its work."""

    def __init__(self, seconds_per_text: float = 0.01) -> None:
        super().__init__()
        self.seconds_per_text = seconds_per_text

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        import time

        time.sleep(self.seconds_per_text * len(texts))
        return super().encode(texts, batch_size, show_progress)
