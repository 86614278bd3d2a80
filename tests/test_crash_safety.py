"""Killing an ingest at any moment (SIGKILL) leaves the previous index fully usable."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from bot.core.engine import Engine
from index import store
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
INGEST = """
import sys
from pathlib import Path
from bot.core.engine import Engine
from bot.settings import Settings
from tests.fakes import SlowFakeEmbedder
settings = Settings.from_env({}, index_dir=Path(sys.argv[1]))
print("started", flush=True)
Engine(settings, SlowFakeEmbedder(0.002)).ingest([Path(sys.argv[2])], replace_all=True)
print("done", flush=True)
"""


def _big_corpus(folder: Path, articles: int = 60) -> Path:
    folder.mkdir()
    for i in range(articles):
        body = "".join(f"第{i}号电商平台在第{j}季度扶持了{i * 10 + j}个新品牌，同比增长{j}成。" for j in range(40))
        (folder / f"a{i:03d}.txt").write_text(f"第{i}号平台扶持新品牌\n\n{body}", encoding="utf-8")
    return folder


def test_sigkill_during_ingest_never_breaks_the_live_index(fake_settings, tmp_path):
    index_dir = fake_settings.index_dir
    Engine.open(fake_settings, FakeEmbedder())  # the live index: the bundled corpus
    before = store.current_version(index_dir)
    corpus = _big_corpus(tmp_path / "big")
    rng = random.Random(7)
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", INGEST, str(index_dir), str(corpus)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.0, 2.5))
        proc.kill()
        proc.wait()

        data = store.load(index_dir)  # never half-written: loads and checks every checksum
        engine = Engine(fake_settings, FakeEmbedder())
        if data.version == before:
            answer = engine.ask("快手2022扶持多少快品牌")
            assert answer.answerable and "500" in answer.text
        else:
            assert len(data.documents) == 60  # the new version, whole
        with store.writer_lock(index_dir):  # a killed writer leaves no stale lock behind
            pass
