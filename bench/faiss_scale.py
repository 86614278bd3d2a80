"""FAISS scale benchmark: the shipped dense index (index.dense.build_dense) against exact search.

Synthetic data, not uniform noise. Uniform random unit vectors in 512-d are the worst case for any
approximate index (every point is nearly equidistant from every other) and look nothing like sentence
embeddings, which are clustered, low-dimensional locally and strongly anisotropic. So each vector is

    normalise( g * m  +  c_k  +  sum_j s_j z_j B_k[j]  +  iso )

m      one shared "mean" direction (anisotropy: m3e-small's random-pair cosine is ~0.75 on the seed corpus)
c_k    one of --clusters random unit centres ("topics"), picked with log-normal weights (uneven topic sizes)
B_k    a per-topic random basis of --local-rank directions with decaying scales s_j (intrinsic dimension)
iso    isotropic Gaussian noise over all 512 dimensions

Queries are fresh draws from the same mixture (held out, never indexed), perturbed with extra isotropic
noise, like a question that is near but not identical to its passages. Ground truth is exact IndexFlatIP.

    .venv/bin/python -m bench.faiss_scale --n 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import proc_mb  # noqa: E402
from index import dense  # noqa: E402  (the product's own index construction)


class Mixture:
    """A fixed clustered distribution on the unit sphere; draw() can be called repeatedly."""

    def __init__(self, dim: int, clusters: int, local_rank: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.mean = _unit(rng.standard_normal((1, dim)))[0]
        self.centres = _unit(rng.standard_normal((clusters, dim)))
        self.weights = rng.lognormal(0.0, 1.0, clusters)
        self.weights /= self.weights.sum()
        # Per-topic local basis, scaled so its total variance is LOCAL_VAR with a 1/sqrt(j) spectrum.
        scales = (np.arange(1, local_rank + 1) ** -0.5).astype(np.float32)
        scales *= np.sqrt(LOCAL_VAR / np.sum(scales**2))
        self.bases = rng.standard_normal((clusters, local_rank, dim), dtype=np.float32) / np.sqrt(dim)
        self.bases *= scales[None, :, None]
        self.bases = self.bases.astype(np.float32)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n unit vectors, in random order (topics interleaved, as documents arrive over time)."""
        out = np.empty((n, self.dim), dtype=np.float32)
        counts = rng.multinomial(n, self.weights)
        slots = rng.permutation(n)
        start = 0
        base = (MEAN_WEIGHT * self.mean).astype(np.float32)
        for k in np.flatnonzero(counts):
            c = int(counts[k])
            x = rng.standard_normal((c, self.dim), dtype=np.float32)
            x *= ISO_NORM / np.sqrt(self.dim)
            x += rng.standard_normal((c, self.bases.shape[1]), dtype=np.float32) @ self.bases[k]
            x += self.centres[k] + base
            out[slots[start : start + c]] = x
            start += c
        return _unit(out)


MEAN_WEIGHT = 2.4  # shared direction: random pairs end up at cosine ~0.75, like m3e-small
LOCAL_VAR = 0.8  # variance along each topic's own low-rank directions
ISO_NORM = 0.5  # norm of the isotropic noise spread over all dimensions
QUERY_NOISE = 0.3  # extra isotropic noise on queries (norm, before renormalising)


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32, copy=False)


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth, strict=True)]))


def latencies(index: faiss.Index, queries: np.ndarray, k: int, params=None) -> np.ndarray:
    """Per-query wall time in ms, one query per call (the product searches one question at a time)."""
    index.search(queries[:1], k, params=params)  # warm-up
    out = np.empty(len(queries))
    for i in range(len(queries)):
        t = time.perf_counter()
        index.search(queries[i : i + 1], k, params=params)
        out[i] = (time.perf_counter() - t) * 1000
    return out


def index_bytes(index: faiss.Index) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dense.faiss")
        faiss.write_index(index, path)  # also proves the shipped index is writable
        return os.path.getsize(path)


def rss_mb() -> float:
    """Peak RSS of this process (VmHWM), MB."""
    return proc_mb("VmHWM")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000, help="indexed vectors")
    p.add_argument("--dim", type=int, default=512, help="dimension (m3e-small: 512)")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clusters", type=int, default=4096, help="topics in the mixture")
    p.add_argument("--local-rank", type=int, default=16, help="intrinsic dimension within a topic")
    p.add_argument("--k", type=int, default=10, help="recall@k and latency k")
    p.add_argument("--pool", type=int, default=40, help="also report recall at the product's candidate pool")
    p.add_argument("--exact-latency-queries", type=int, default=200, help="exact single-query timings (slow)")
    p.add_argument("--filter-fractions", default="0.1,0.01", help="date-filter selectivities to check ('' = none)")
    p.add_argument("--filter-queries", type=int, default=200)
    p.add_argument("--ef-sweep", default="", help="comma list of efSearch values to try on the built HNSW index")
    args = p.parse_args(argv)
    k, pool = args.k, max(args.k, args.pool)

    print(
        f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} OpenMP threads, {os.cpu_count()} CPUs, "
        f"load avg {os.getloadavg()[0]:.2f}"
    )
    print(
        f"shipped constants: EXACT_LIMIT={dense.EXACT_LIMIT} HNSW_M={dense.HNSW_M} "
        f"efConstruction={dense.HNSW_EF_CONSTRUCTION} efSearch={dense.HNSW_EF_SEARCH}"
    )

    t = time.perf_counter()
    mix = Mixture(args.dim, args.clusters, args.local_rank, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    xb = mix.draw(args.n, rng)
    xq = mix.draw(args.queries, rng)  # held out: never added to any index
    xq += rng.standard_normal(xq.shape, dtype=np.float32) * (QUERY_NOISE / np.sqrt(args.dim))
    xq = _unit(xq)
    gen_s = time.perf_counter() - t
    print(
        f"data: {args.n:,} x {args.dim} clustered synthetic unit vectors ({args.clusters} topics, local rank "
        f"{args.local_rank}), {args.queries} held-out perturbed queries, generated in {gen_s:.1f}s"
    )

    t = time.perf_counter()
    flat = faiss.IndexFlatIP(args.dim)
    flat.add(xb)
    truth_d, truth = flat.search(xq, pool)
    gt_s = time.perf_counter() - t
    sample = rng.choice(args.n, size=(2000, 2))
    pair_cos = np.einsum("ij,ij->i", xb[sample[:, 0]], xb[sample[:, 1]])
    print(
        f"ground truth: exact IndexFlatIP, {args.queries} queries batched in {gt_s:.1f}s; "
        f"random-pair cos {pair_cos.mean():.3f}, query top-1 cos {truth_d[:, 0].mean():.3f}, "
        f"top-{k} cos {truth_d[:, k - 1].mean():.3f}"
    )
    exact_lat = latencies(flat, xq[: args.exact_latency_queries], k)

    fractions = [float(f) for f in args.filter_fractions.split(",") if f.strip()]
    filters = []
    for frac in fractions:
        # A date range is a contiguous block of rows in arrival order; rows are shuffled topics, so any block works.
        size = max(k, int(args.n * frac))
        lo = int(rng.integers(0, args.n - size + 1))
        allowed = np.arange(lo, lo + size, dtype=np.int64)
        fq = xq[: args.filter_queries]
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        _, ftruth = flat.search(fq, k, params=params)
        filters.append((frac, allowed, fq, ftruth))
    del flat

    t = time.perf_counter()
    index = dense.build_dense(xb)
    build_s = time.perf_counter() - t
    kind = dense.describe(index)
    size_b = index_bytes(index)
    _, found = index.search(xq, pool)
    r_k, r_pool = recall(found, truth, k), recall(found, truth, pool)
    approx_lat = latencies(index, xq, k)

    rows = [
        ("exact IndexFlatIP", "-", f"{args.n * args.dim * 4 / 2**20:,.0f}", "1.0000", "1.0000", exact_lat),
        (f"shipped: {kind}", f"{build_s:,.1f}", f"{size_b / 2**20:,.0f}", f"{r_k:.4f}", f"{r_pool:.4f}", approx_lat),
    ]
    print()
    header = f"{'index':<22}{'build s':>10}{'size MiB':>10}{f'R@{k}':>9}{f'R@{pool}':>9}"
    print(header + f"{'p50 ms':>9}{'p95 ms':>9}{'n lat':>7}")
    for name, b, s, rk, rp, lat in rows:
        print(
            f"{name:<22}{b:>10}{s:>10}{rk:>9}{rp:>9}{np.percentile(lat, 50):>9.2f}"
            f"{np.percentile(lat, 95):>9.2f}{len(lat):>7}"
        )

    for frac, allowed, fq, ftruth in filters:
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # exactly what index/search.py passes
        _, ffound = index.search(fq, k, params=params)
        ok = bool(np.isin(ffound[ffound >= 0], allowed).all())
        flat_lat = latencies(index, fq[:50], k, params=params)
        print(
            f"date filter {frac:>5.0%} of rows ({len(allowed):,}): R@{k} {recall(ffound, ftruth, k):.4f} vs exact "
            f"filtered, results inside filter: {ok}, p50 {np.percentile(flat_lat, 50):.2f} ms"
        )

    if args.ef_sweep and kind == "hnsw":
        shipped_ef = index.hnsw.efSearch
        for ef in [int(e) for e in args.ef_sweep.split(",")]:
            index.hnsw.efSearch = ef
            _, f2 = index.search(xq, pool)
            lat = latencies(index, xq[:300], k)
            print(
                f"  efSearch {ef:>4}: R@{k} {recall(f2, truth, k):.4f} R@{pool} {recall(f2, truth, pool):.4f} "
                f"p50 {np.percentile(lat, 50):.2f} ms p95 {np.percentile(lat, 95):.2f} ms"
            )
        index.hnsw.efSearch = shipped_ef

    verdict = "PASS" if r_k >= 0.95 else "FAIL"
    print()
    print(
        f"summary: {args.n:,}x{args.dim} -> {kind} built in {build_s:,.0f}s ({size_b / 2**30:.2f} GiB), "
        f"recall@{k} {r_k:.4f} ({verdict} >=0.95), p50 {np.percentile(approx_lat, 50):.2f} ms vs exact "
        f"{np.percentile(exact_lat, 50):.1f} ms, peak RSS {rss_mb() / 1024:.1f} GiB"
    )


if __name__ == "__main__":
    main()
