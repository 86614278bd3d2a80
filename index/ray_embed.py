"""Embedding on a Ray cluster for big ingests: Ray Data map_batches over actors, each holding one model.

Documents are read and chunked where `xunda ingest --ray ADDRESS` runs; only the texts that need a vector
travel, and the vectors come back to the same build code (FAISS folder or Milvus) as a local embedding's.
The actors build their embedder with the same factory as the local one, so the vectors are the same model's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import numpy as np

from index.embedding import Embedder

THREADS_PER_ACTOR = 2  # torch/ONNX threads in each actor; the cluster's CPUs / this = the number of actors
BATCH = 32


class _EmbedActor:
    """One model session per actor, built once and used for every batch the actor is given."""

    def __init__(self, factory: Callable[[], Embedder]):
        self.embedder = factory()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode([str(t) for t in batch["text"]], batch_size=BATCH)
        return {"i": batch["i"], "vector": np.asarray(vectors, dtype=np.float32)}


class RayEmbedder:
    """An Embedder whose `encode` runs as one Ray Data job; questions are still embedded locally.

    address: "local" starts a Ray instance on this machine; anything else is passed to ray.init (ray://host:10001,
    or "auto" for the cluster this machine belongs to).
    """

    texts_per_call = 1 << 30  # index.build hands over every text at once: one Ray Data job per ingest

    def __init__(self, local: Embedder, factory: Callable[[], Embedder], address: str, actors: int | None = None):
        self.local = local
        self.factory = factory
        self.address = address
        self.actors = actors
        self.name = local.name

    @property
    def dimension(self) -> int:
        return self.local.dimension

    def encode_query(self, text: str) -> np.ndarray:
        return self.local.encode_query(text)

    def encode(self, texts: list[str], batch_size: int = BATCH, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ray = self._connect()

        actors = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)) // THREADS_PER_ACTOR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = show_progress
        dataset = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        embedded = dataset.map_batches(
            _EmbedActor,
            fn_constructor_kwargs={"factory": self.factory},
            batch_size=batch_size,
            batch_format="numpy",
            concurrency=min(actors, max(1, len(texts) // batch_size)),
            num_cpus=min(THREADS_PER_ACTOR, int(ray.cluster_resources().get("CPU", 1))),
        )
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for batch in embedded.iter_batches(batch_size=4096, batch_format="numpy"):
            if not out.shape[1]:
                out = np.zeros((len(texts), batch["vector"].shape[1]), dtype=np.float32)
            out[batch["i"]] = batch["vector"]
        return out

    def _connect(self):
        try:
            import ray
            import ray.data  # noqa: F401 (map_batches below)
        except ImportError:
            raise ValueError("--ray needs the scale extra: pip install 'xunda[scale]'") from None
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # an INFO line per plan and per finished job
        if not ray.is_initialized():
            options = {"ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}
            try:
                if self.address == "local":
                    ray.init(num_cpus=os.cpu_count() or 1, object_store_memory=256 << 20, **options)
                else:
                    ray.init(address=self.address, **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ValueError(f"cannot reach the Ray cluster at {self.address}: {exc}") from None
        return ray
