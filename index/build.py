"""Turn a set of documents into an index version, reusing what the previous version already computed.

Unchanged documents keep their chunks; any chunk whose embedded text was seen before keeps its vector
(the previous version is the embedding cache, keyed by the hash of model + embedded text).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import bm25s
import numpy as np

from index.chunking import Chunker, embedding_text
from index.dense import build_dense, describe
from index.documents import Chunk, Document
from index.embedding import Embedder
from index.store import IndexData
from index.terms import document_frequencies
from index.tokenize import search_tokens

EMBED_BATCH = 32

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import and logs every build


@dataclass
class BuildStats:
    chunks_embedded: int = 0
    chunks_reused: int = 0
    embed_seconds: float = 0.0
    embedded_chars: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def embed_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x1f{text}".encode()).hexdigest()[:20]


def build_index(
    documents: dict[str, Document],
    embedder: Embedder,
    chunker: Chunker,
    previous: IndexData | None = None,
    previous_tokens: dict[str, list[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,  # (chunks just embedded, chunks to embed)
) -> tuple[IndexData, dict[str, list[str]], BuildStats]:
    """Chunk, embed (only what is new) and index `documents`; returns the data and its lexical tokens."""
    stats = BuildStats()
    cache = _vector_cache(previous)
    token_cache = previous_tokens or {}

    chunks: list[Chunk] = []
    texts: list[str] = []
    for doc in sorted(documents.values(), key=lambda d: d.doc_id):
        for start, end in chunker.split(doc):
            chunk = Chunk(len(chunks), doc.doc_id, start, end, doc.text[start:end])
            chunks.append(chunk)
            texts.append(embedding_text(doc, chunk))
    hashes = [embed_hash(embedder.name, t) for t in texts]

    # The previous version knows the dimension: removing documents need not load the model.
    dimension = previous.vectors.shape[1] if previous is not None else embedder.dimension
    vectors, missing = reuse_vectors(hashes, cache, dimension, stats)
    # jieba (its dictionary load, then the new passages) runs beside the model, which mostly waits in torch.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_lexical_tokens, hashes, texts, token_cache)
        _embed(embedder, texts, missing, vectors, stats, progress)
        tokens = pending.result()

    lexical = None
    if chunks:
        lexical = bm25s.BM25()
        # bm25s wants at least one token per passage; a passage of pure punctuation gets a placeholder.
        lexical.index([tokens[h] or ["\x00"] for h in hashes], show_progress=False)

    dense = build_dense(vectors)
    manifest = version_manifest(embedder, chunker, dimension, describe(dense), len(documents), len(chunks))
    unit_df = document_frequencies(texts)
    data = IndexData(manifest, dict(documents), chunks, hashes, vectors, dense, lexical, unit_df)
    return data, tokens, stats


def reuse_vectors(
    hashes: list[str], cache: Mapping[str, np.ndarray], dimension: int, stats: BuildStats
) -> tuple[np.ndarray, list[int]]:
    """Vectors for these embed hashes, copied from `cache` where it has them; and the rows still to embed."""
    vectors = np.zeros((len(hashes), dimension), dtype=np.float32)
    missing = []
    for i, h in enumerate(hashes):
        if h in cache:
            vectors[i] = cache[h]
        else:
            missing.append(i)
    stats.chunks_reused = len(hashes) - len(missing)
    return vectors, missing


def version_manifest(
    embedder: Embedder, chunker: Chunker, dimension: int, dense_index: str, documents: int, chunks: int
) -> dict:
    """What a version records of how it was built, in both backends (each adds its format_version)."""
    return {
        "model": embedder.name,
        "dimension": dimension,
        "chunking": chunker.settings.as_dict(),
        "dense_index": dense_index,
        "counts": {"documents": documents, "chunks": chunks},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _vector_cache(previous: IndexData | None) -> dict[str, np.ndarray]:
    if previous is None:
        return {}
    return {h: previous.vectors[i] for i, h in enumerate(previous.embed_hashes)}


def _embed(embedder: Embedder, texts, missing: list[int], vectors: np.ndarray, stats: BuildStats, progress) -> None:
    """Embed texts[i] for i in missing into vectors[i]."""
    # Longest first, so similar lengths share a batch (little padding) and the estimate starts pessimistic.
    missing = sorted(missing, key=lambda i: len(texts[i]), reverse=True)
    started = time.perf_counter()
    step = getattr(embedder, "texts_per_call", EMBED_BATCH * 4)  # a Ray embedder takes everything in one job
    for begin in range(0, len(missing), step):
        batch = missing[begin : begin + step]
        vectors[batch] = embedder.encode([texts[i] for i in batch], batch_size=EMBED_BATCH)
        if progress:
            progress(len(batch), len(missing))
    stats.embed_seconds = time.perf_counter() - started
    stats.chunks_embedded = len(missing)
    stats.embedded_chars = sum(len(texts[i]) for i in missing)


def _lexical_tokens(hashes: list[str], texts: list[str], cache: dict[str, list[str]]) -> dict[str, list[str]]:
    return {h: cache[h] if h in cache else search_tokens(t) for h, t in zip(hashes, texts, strict=True)}
