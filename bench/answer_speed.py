"""Warm `ask` latency at seed scale: p50/p95 over every seed question, model and index already loaded.

The query-embedding cache is cleared before each question, so every timing includes encoding the question.
The embedder is the shipped one (ONNX Runtime; XUNDA_BACKEND=torch for the old path).

    .venv/bin/python bench/answer_speed.py [--rounds 3] [--index DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.core.engine import Engine
from bot.settings import Settings
from index.embedding import make_embedder

ROOT = Path(__file__).resolve().parents[1]
QUESTION_FILES = [ROOT / "eval/seed_qa_dev.jsonl", ROOT / "eval/seed_qa_more.jsonl"]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description="warm ask latency at seed scale")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--index", type=Path, help="use this index instead of a fresh seed index")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for f in QUESTION_FILES if f.exists() for line in f.open()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(index_dir=args.index or Path(tmp) / "index")
        embedder = make_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir)
        engine = Engine.open(settings, embedder)
        engine.ask("预热")
        total, encode = [], []
        for _ in range(args.rounds):
            for question in questions:
                embedder.encode_query.cache_clear()
                started = time.perf_counter()
                embedder.encode_query(question)
                encode.append((time.perf_counter() - started) * 1000)
                embedder.encode_query.cache_clear()
                started = time.perf_counter()
                engine.ask(question)
                total.append((time.perf_counter() - started) * 1000)
        stats = engine.stats()
    print(
        f"{len(questions)} questions x {args.rounds} rounds; {stats['documents']} documents, {stats['chunks']} chunks;"
        f" backend {settings.embedding_backend}"
    )
    print(f"ask      p50 {statistics.median(total):6.2f} ms   p95 {percentile(total, 0.95):6.2f} ms")
    p50, p95 = statistics.median(encode), percentile(encode, 0.95)
    print(f"  encode p50 {p50:6.2f} ms   p95 {p95:6.2f} ms (the question's embedding alone)")


if __name__ == "__main__":
    main()
