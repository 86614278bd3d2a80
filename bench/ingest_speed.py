"""Ingest throughput against raw `model.encode` on the same chunks, and the cost of an unchanged re-ingest.

Both are measured in one run on the same machine, interleaved, best of --repeat rounds each, so the ratio
holds even when the machine is busy.

    .venv/bin/python bench/ingest_speed.py [PATH ...]   (default: the bundled corpus)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bot.core.engine import Engine
from bot.settings import BUNDLED_CORPUS, Settings
from index.build import EMBED_BATCH
from index.chunking import embedding_text
from index.embedding import SentenceTransformerEmbedder
from index.ingest import load_paths


def main() -> None:
    parser = argparse.ArgumentParser(description="ingest throughput vs raw model.encode")
    parser.add_argument("paths", nargs="*", type=Path, default=[BUNDLED_CORPUS])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env({}, index_dir=Path(tmp) / "index"), embedder)
        documents, _ = load_paths(args.paths)
        texts = [
            embedding_text(doc, chunk)
            for doc in documents.values()
            for chunk in _chunks(engine, doc)
        ]
        embedder.encode(texts[:8])  # warm up
        raw_times, ingest_times = [], []
        for round_ in range(args.repeat):  # interleaved, best of each: the machine is shared and noisy
            started = time.perf_counter()
            embedder.encode(texts, batch_size=EMBED_BATCH)
            raw_times.append(time.perf_counter() - started)

            fresh = Engine(Settings.from_env({}, index_dir=Path(tmp) / f"index{round_}"), embedder)
            started = time.perf_counter()
            report = fresh.ingest(args.paths)
            ingest_times.append(time.perf_counter() - started)
        raw, full = min(raw_times), min(ingest_times)

        started = time.perf_counter()
        again = fresh.ingest(args.paths)
        unchanged = time.perf_counter() - started

    chars = sum(len(t) for t in texts)
    print(f"{len(documents)} documents, {len(texts)} chunks, {chars} characters")
    print(f"raw model.encode   {raw:7.2f} s  {len(texts) / raw:7.1f} chunks/s  {chars / raw:8.0f} chars/s")
    print(f"xunda ingest       {full:7.2f} s  {len(texts) / full:7.1f} chunks/s  {chars / full:8.0f} chars/s")
    print(f"ingest / raw throughput: {raw / full:.1%}  (added {len(report.added)}; best of {args.repeat}, interleaved)")
    print(f"unchanged re-ingest: {unchanged:.2f} s  (unchanged {len(again.unchanged)}, version {again.version})")


def _chunks(engine: Engine, doc):
    from index.documents import Chunk

    return [Chunk(0, doc.doc_id, s, e, doc.text[s:e]) for s, e in engine.chunker.split(doc)]


if __name__ == "__main__":
    main()
