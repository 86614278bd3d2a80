"""What index integrity costs at load: full sha256 of every file against the quick check (sizes and mtimes).

A synthetic version of N chunks (512-dim float32 vectors, a flat FAISS index over them, documents, chunks and a
bm25s index) is written with the store's own writer (index.store.write_version), then loaded by index.store.load
in a fresh process, once with each check (interleaved, --repeat times), plus the check alone.

    .venv/bin/python -m bench.verify_scale --chunks 100000
    .venv/bin/python -m bench.verify_scale --chunks 1000000 --dir /tmp/verify_scale

The files were just written, so they are mostly in the page cache: a cold disk makes both checks slower still.
The dense index is flat (exact) for speed of setup; the shipped HNSW index at 1M is a little larger (its graph).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import child_figures  # noqa: E402

CHUNKS_PER_DOC = 5
PIECE = "第{n}条：快手电商宣布扶持{n}个快品牌，深圳销量排全国城市第二。"


def write_synthetic(index_dir: Path, n_chunks: int, dim: int = 512) -> str:
    import bm25s
    import faiss

    from index import store
    from index.documents import Chunk, Document
    from index.terms import TABLE_BITS

    rng = np.random.default_rng(0)
    documents, chunks, hashes, tokens = {}, [], [], []
    for d in range((n_chunks + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC):
        pieces = [PIECE.format(n=d * CHUNKS_PER_DOC + k) for k in range(CHUNKS_PER_DOC)]
        text = "\n\n".join(pieces)
        doc = Document(doc_id=f"synthetic/{d:07d}.txt", title=f"合成文章{d}", text=text, source_path="")
        documents[doc.doc_id] = doc
        start = 0
        for piece in pieces:
            if len(chunks) == n_chunks:
                break
            chunks.append(Chunk(len(chunks), doc.doc_id, start, start + len(piece), piece))
            hashes.append(f"{len(chunks):020x}")
            tokens.append(["快手", "电商", f"t{len(chunks) % 5000}"])
            start += len(piece) + 2
    vectors = rng.standard_normal((n_chunks, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = faiss.IndexFlatIP(dim)
    dense.add(vectors)
    lexical = bm25s.BM25()
    lexical.index(tokens, show_progress=False)
    manifest = {"model": "synthetic", "dimension": dim, "counts": {"documents": len(documents), "chunks": n_chunks}}
    unit_df = np.zeros(1 << TABLE_BITS, dtype=np.int32)
    data = store.IndexData(manifest, documents, chunks, hashes, vectors, dense, lexical, unit_df)
    return store.write_version(index_dir, data)


def _child(index_dir: str, mode: str) -> None:
    """One measurement in this (fresh) process: prints JSON."""
    from index import store

    vdir = Path(index_dir) / "versions" / store.current_version(Path(index_dir))
    manifest = store._read_manifest(vdir)
    started = time.perf_counter()
    if mode == "hash-only":
        store._verify_checksums(vdir, manifest)
    elif mode == "quick-only":
        store._verify_quick(vdir, manifest)  # with every size and mtime as written: hashes nothing
    else:
        store.load(Path(index_dir), full_verify=mode == "load-full")
    print(json.dumps({"mode": mode, "seconds": time.perf_counter() - started}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/verify_scale"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)
    index_dir = args.dir / f"n{args.chunks}"
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    version = write_synthetic(index_dir, args.chunks)
    write_s = time.perf_counter() - started
    vdir = index_dir / "versions" / version
    size = sum(p.stat().st_size for p in vdir.rglob("*") if p.is_file())
    print(f"chunks {args.chunks}: version {version}, {size / 2**30:.2f} GiB on disk, written in {write_s:.1f} s")
    results: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for mode in ("load-full", "load-quick", "hash-only", "quick-only"):  # interleaved
            child = [sys.executable, "-m", "bench.verify_scale", "--child", str(index_dir), mode]
            figures = child_figures(child, Path(__file__).resolve().parent.parent)
            results.setdefault(mode, []).append(figures["seconds"])
    for mode, times in results.items():
        print(f"  {mode:>11}: " + ", ".join(f"{t:.3f} s" for t in times) + f"  (min {min(times):.3f} s)")
    os.environ.get("KEEP") or shutil.rmtree(index_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
