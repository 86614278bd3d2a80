"""Ingest throughput: the whole `xunda ingest` process against raw fp32 `SentenceTransformer.encode` alone.

Both see the same text: the passages xunda embeds (chunk text with its title), in corpus characters per second
(the characters of those passages, divided by the time). Raw encode runs in this process, its model already
loaded, batch 32, torch on all cores: the ceiling of the old path. Each `xunda ingest` is a fresh process into a
fresh index, so its time includes Python start, imports, model load, reading, chunking, jieba, BM25 and writing.
Rounds are interleaved (raw, then each backend), and the figures are medians, so a busy machine slows all alike.
CPU seconds (user + system, all threads) are shown too: on a machine shared with other jobs they vary less than
wall time, and their ratio says how much work each side does for the same text.

    .venv/bin/python bench/ingest_speed.py [--squad FILE] [--rounds 3] [--backends onnx,torch] [PATH ...]

With --squad (e.g. ../shared/datasets/cmrc2018_trial.json) its passages are written as one .txt file each and
ingested; otherwise PATHs (default: the bundled corpus). The last line times an unchanged re-ingest (nothing to
embed: the model is not loaded at all).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import BUNDLED_CORPUS, Settings  # noqa: E402
from index.chunking import Chunker, ChunkingSettings, embedding_text  # noqa: E402
from index.documents import Chunk  # noqa: E402
from index.embedding import SentenceTransformerEmbedder  # noqa: E402
from index.ingest import load_paths  # noqa: E402

RAW_BATCH = 32


def squad_as_files(path: Path, folder: Path) -> Path:
    """One .txt file per distinct passage of a SQuAD-style file (title on the first line)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    seen: set[str] = set()
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"].strip()
            if context in seen:
                continue
            seen.add(context)
            (folder / f"p{len(seen):05d}.txt").write_text(f"{article.get('title') or ''}\n\n{context}\n")
    return folder


def embedded_texts(paths: list[Path]) -> list[str]:
    """Exactly what ingest embeds: every chunk of every document, with its title."""
    settings = Settings.from_env({}, index_dir=Path("/nonexistent"))
    chunker = Chunker(ChunkingSettings(settings.chunk_size, settings.chunk_overlap))
    documents, _ = load_paths(paths)
    return [
        embedding_text(doc, Chunk(0, doc.doc_id, start, end, doc.text[start:end]))
        for doc in documents.values()
        for start, end in chunker.split(doc)
    ]


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def ingest_process(paths: list[Path], index_dir: Path, backend: str) -> tuple[float, float]:
    """Wall and CPU seconds of one whole `xunda ingest` process."""
    env = dict(os.environ, XUNDA_INDEX=str(index_dir), XUNDA_BACKEND=backend)
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", *map(str, paths)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"xunda ingest failed ({backend}):\n{done.stderr[-2000:]}")
    return seconds, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description="xunda ingest vs raw SentenceTransformer.encode")
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--squad", type=Path, help="a SQuAD-style JSON whose passages become the corpus")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="onnx,torch")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if args.squad:
            (tmp_path / "corpus").mkdir()
            paths = [squad_as_files(args.squad, tmp_path / "corpus")]
        else:
            paths = [p.resolve() for p in args.paths] or [BUNDLED_CORPUS]
        texts = embedded_texts(paths)
        chars = sum(map(len, texts))
        # A first ingest per backend does the once-per-machine work (the ONNX export), which is not ingest.
        for backend in backends:
            ingest_process(paths, tmp_path / f"warm-{backend}", backend)

        model = SentenceTransformerEmbedder(fast_queries=False)
        model.encode(texts[:RAW_BATCH], batch_size=RAW_BATCH)  # warm up
        raw: list[tuple[float, float]] = []
        full: dict[str, list[tuple[float, float]]] = {b: [] for b in backends}
        for round_ in range(args.rounds):
            cpu = cpu_seconds(resource.RUSAGE_SELF)
            started = time.perf_counter()
            model.encode(texts, batch_size=RAW_BATCH)
            raw.append((time.perf_counter() - started, cpu_seconds(resource.RUSAGE_SELF) - cpu))
            for backend in backends:
                full[backend].append(ingest_process(paths, tmp_path / f"index-{backend}-{round_}", backend))
        unchanged, _ = ingest_process(paths, tmp_path / f"index-{backends[0]}-0", backends[0])

    raw_s, raw_cpu = (statistics.median(column) for column in zip(*raw, strict=True))
    print(f"{len(texts)} passages, {chars} characters; medians of {args.rounds} interleaved rounds")
    print(f"{'what':44} {'wall s':>7} {'chars/s':>8} {'x raw':>6} {'CPU s':>7} {'x raw (CPU)':>12}")
    print(f"{'raw SentenceTransformer.encode (fp32, b32)':44} {raw_s:7.2f} {chars / raw_s:8.0f} {1:6.2f} "
          f"{raw_cpu:7.2f} {1:12.2f}")
    for backend, rows in full.items():
        wall, cpu = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"{'whole xunda ingest process (' + backend + ')':44} {wall:7.2f} {chars / wall:8.0f} "
              f"{raw_s / wall:6.2f} {cpu:7.2f} {raw_cpu / cpu:12.2f}")
    print(f"unchanged re-ingest, whole process ({backends[0]}): {unchanged:.2f} s")


if __name__ == "__main__":
    main()
