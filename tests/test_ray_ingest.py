"""`xunda ingest --ray local`: the passages are embedded by Ray Data actors, and the index it writes holds the same
vectors (cosine >= 0.999) and gives the same answers as a plain ingest of the same folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")

from bot.core.engine import Engine  # noqa: E402
from bot.settings import BUNDLED_CORPUS, Settings  # noqa: E402
from index import store  # noqa: E402
from index.embedding import make_embedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["快手2022扶持多少快品牌", "抖音电商总裁是谁？", "拼多多2022年第一季度营收是多少？"]


def test_ray_ingest_gives_the_same_vectors_and_answers(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for path in sorted(BUNDLED_CORPUS.iterdir())[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    env = dict(os.environ, XUNDA_INDEX=str(tmp_path / "ray" / "index"))
    run = subprocess.run([sys.executable, "-m", "bot", "ingest", "--ray", "local", str(folder)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "added 3" in run.stdout and "embedded" in run.stdout

    settings = Settings.from_env(dict(os.environ), index_dir=tmp_path / "plain" / "index")  # the CLI's embedder
    embedder = make_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir)
    plain = Engine(settings, embedder)
    plain.ingest([folder])
    ray_data, plain_data = store.load(tmp_path / "ray" / "index"), store.load(tmp_path / "plain" / "index")
    assert ray_data.embed_hashes == plain_data.embed_hashes
    cosines = np.sum(ray_data.vectors * plain_data.vectors, axis=1)
    assert len(cosines) > 20 and cosines.min() >= 0.999

    from_ray = Engine(settings.with_(index_dir=tmp_path / "ray" / "index"), embedder)
    for question in QUESTIONS:
        assert from_ray.ask(question).text == plain.ask(question).text, question
