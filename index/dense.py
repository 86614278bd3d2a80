"""The FAISS index over unit vectors: exact inner product while small, HNSW beyond a size threshold."""

from __future__ import annotations

import faiss
import numpy as np

EXACT_LIMIT = 50_000  # below this, exact search is both fast enough and perfectly accurate
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def build_dense(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    dim = vectors.shape[1]
    if vectors.shape[0] <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    if vectors.shape[0]:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def describe(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat"
