"""Shared fixtures: the real m3e-small engine over the bundled corpus (built once per session), and a fast
engine with the fake embedder for tests about plumbing rather than answer quality."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.settings import BUNDLED_CORPUS, Settings
from tests.fakes import FakeEmbedder

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["no_proxy"] = os.environ["NO_PROXY"]


REAL_MODEL_FIXTURES = {"real_embedder", "seed_engine"}


def pytest_collection_modifyitems(items):
    """Anything that loads the real model is `slow`, whether or not its author remembered to say so."""
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_embedder():
    from index.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory, real_embedder) -> Engine:
    """The product as shipped: the packaged model over the bundled seed corpus. Treat as read-only."""
    settings = Settings.from_env({}, index_dir=tmp_path_factory.mktemp("seed") / "index")
    return Engine.open(settings, real_embedder)


@pytest.fixture
def fake_settings(tmp_path) -> Settings:
    return Settings.from_env({}, index_dir=tmp_path / "index", corpus_dir=BUNDLED_CORPUS)


@pytest.fixture
def fake_engine(fake_settings) -> Engine:
    """A fresh engine with the fake embedder over the bundled corpus, in its own temp dir."""
    return Engine.open(fake_settings, FakeEmbedder())


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    target.mkdir()
    for path in BUNDLED_CORPUS.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.fixture
def fake_llm():
    """A fake OpenAI-compatible server on 127.0.0.1 for this test."""
    from tests.fake_openai import serving

    with serving() as server:
        yield server
