"""Scale benchmark: embedded FAISS (the shipped HNSW) against a Milvus Lite server on loopback, and ingest
embedding with and without Ray, on this machine.

Dense part: the clustered synthetic 512-d vectors of bench/faiss_scale.py (held-out noisy queries, ground truth
by exact inner product). Each backend runs in its own process, one after the other, so peak RSS (VmHWM) is its
own; for Milvus it is the server's (the client holds nothing). Both use HNSW M=48, efConstruction=40, ef=128.

Ingest part: real passages (the CMRC trial's, chunked as xunda chunks them) embedded by the configured model
locally, then by RayEmbedder("local") (Ray Data map_batches over actors holding one model session each).

    .venv/bin/python -m bench.scale --n 100000 --queries 200 --texts 256
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faiss_scale import QUERY_NOISE, Mixture, _unit, recall, rss_mb  # noqa: E402
from bench.report import child_figures, proc_mb  # noqa: E402

K = 10
HNSW = {"M": 48, "efConstruction": 40}
EF = 128


def faiss_worker(data: Path) -> dict:
    import faiss

    from index import dense

    vectors, queries, truth = np.load(data / "vectors.npy"), np.load(data / "queries.npy"), np.load(data / "truth.npy")
    started = time.perf_counter()
    index = dense.build_dense(vectors, exact_limit=0)  # the shipped HNSW
    build = time.perf_counter() - started
    found = index.search(queries, K)[1]
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q.reshape(1, -1), K)
        times.append((time.perf_counter() - t) * 1000)
    assert isinstance(index, faiss.IndexHNSWFlat)
    return {"build_s": build, "recall@10": recall(found, truth, K), "p50_ms": float(np.percentile(times, 50)),
            "p95_ms": float(np.percentile(times, 95)), "peak_rss_mb": rss_mb()}


def milvus_worker(data: Path, uri: str) -> dict:
    from pymilvus import DataType, MilvusClient

    vectors, queries, truth = np.load(data / "vectors.npy"), np.load(data / "queries.npy"), np.load(data / "truth.npy")
    client = MilvusClient(uri, timeout=600)
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    index = client.prepare_index_params()
    index.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW)
    if client.has_collection("bench"):
        client.drop_collection("bench")
    started = time.perf_counter()
    client.create_collection("bench", schema=schema, index_params=index)
    for begin in range(0, len(vectors), 2000):
        rows = [{"id": begin + i, "vector": v} for i, v in enumerate(vectors[begin : begin + 2000].tolist())]
        client.insert("bench", rows)
    inserted = time.perf_counter() - started
    client.flush("bench", timeout=3600)
    client.load_collection("bench", timeout=3600)
    client.search("bench", data=[queries[0].tolist()], limit=K, search_params={"params": {"ef": EF}})
    build = time.perf_counter() - started
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        result = client.search("bench", data=[q.tolist()], limit=K, search_params={"params": {"ef": EF}})
        times.append((time.perf_counter() - t) * 1000)
        found.append([h.id for h in result[0]])
    return {"insert_s": inserted, "build_s": build, "recall@10": recall(np.array(found), truth, K),
            "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95))}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dense_part(args, work: Path) -> dict:
    import faiss

    rng = np.random.default_rng(args.seed)
    mixture = Mixture(512, args.clusters, 16, args.seed)
    vectors = mixture.draw(args.n, rng)
    queries = _unit(mixture.draw(args.queries, rng) + QUERY_NOISE / np.sqrt(512) *
                    rng.standard_normal((args.queries, 512), dtype=np.float32))
    exact = faiss.IndexFlatIP(512)
    exact.add(vectors)
    truth = exact.search(queries, K)[1]
    for name, array in (("vectors", vectors), ("queries", queries), ("truth", truth)):
        np.save(work / f"{name}.npy", array)
    del vectors, exact

    results = {}
    worker = [sys.executable, "-m", "bench.scale", "--worker", "faiss", "--data", str(work)]
    results["faiss"] = child_figures(worker, ROOT)

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(work / "milvus"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        worker = [sys.executable, "-m", "bench.scale", "--worker", "milvus", "--data", str(work),
                  "--uri", f"http://127.0.0.1:{port}"]
        results["milvus_lite_server"] = child_figures(worker, ROOT)
        results["milvus_lite_server"]["server_peak_rss_mb"] = proc_mb("VmHWM", server.pid)
    finally:
        server.kill()
        server.wait()
    return results


def ingest_part(args) -> dict:
    from bot.settings import Settings
    from index.chunking import Chunker, ChunkingSettings, embedding_text
    from index.documents import Chunk
    from index.embedding import make_embedder
    from index.ray_embed import RayEmbedder

    squad = json.loads(Path(args.cmrc).read_text(encoding="utf-8"))
    chunker, texts = Chunker(ChunkingSettings(250, 50)), []
    from index.documents import Document

    for i, article in enumerate(squad["data"]):
        for j, paragraph in enumerate(article["paragraphs"]):
            doc = Document(f"{i}-{j}", article.get("title") or "", paragraph["context"])
            texts += [embedding_text(doc, Chunk(0, doc.doc_id, s, e, doc.text[s:e])) for s, e in chunker.split(doc)]
    texts = texts[: args.texts]
    settings = Settings.from_env()
    factory = (make_embedder, settings.model_path, settings.embedding_backend, settings.cache_dir)
    local = make_embedder(*factory[1:])
    local.encode(texts[:8])  # load the model before timing
    started = time.perf_counter()
    plain = local.encode(texts)
    local_s = time.perf_counter() - started

    from functools import partial

    ray_embedder = RayEmbedder(local, partial(*factory), "local")
    started = time.perf_counter()
    ray_embedder._connect()
    ray_init_s = time.perf_counter() - started
    started = time.perf_counter()
    on_ray = ray_embedder.encode(texts)
    ray_s = time.perf_counter() - started
    return {"texts": len(texts), "backend": settings.embedding_backend,
            "local_chunks_per_s": len(texts) / local_s, "ray_chunks_per_s": len(texts) / ray_s,
            "ray_init_s": ray_init_s, "min_cosine_ray_vs_local": float(np.min(np.sum(plain * on_ray, axis=1)))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--clusters", type=int, default=4096)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--texts", type=int, default=256, help="passages for the ingest part (0: skip it)")
    p.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "datasets" / "cmrc2018_trial.json"))
    p.add_argument("--worker", choices=["faiss", "milvus"], help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--uri", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker == "faiss":
        print(json.dumps(faiss_worker(args.data)))
        return
    if args.worker == "milvus":
        print(json.dumps(milvus_worker(args.data, args.uri)))
        return
    report = {"n": args.n, "dim": 512, "queries": args.queries, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="xunda-scale-") as tmp:
        report["dense"] = dense_part(args, Path(tmp))
    if args.texts:
        report["ingest"] = ingest_part(args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
