"""Shared fixtures: the real m3e-small engine over the bundled corpus (built once per session), and a fast
engine with the fake embedder for tests about plumbing rather than answer quality."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.settings import BUNDLED_CORPUS, Settings
from tests.fakes import FakeEmbedder

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["no_proxy"] = os.environ["NO_PROXY"]

pytest_plugins = ["tests.http_fixtures"]  # serve and url: a real HTTP server over the fake engine

REAL_MODEL_FIXTURES = {"real_embedder", "seed_engine"}

# Suites that are long by design, kept out of the quick `-m "not slow"` loop; `make test` runs everything.
LONG_RUNNING_MODULES = {
    "test_index_properties",  # Hypothesis over the index, 100k tiny files, deeply nested HTML
    "test_properties",  # Hypothesis over every renderer
    "test_regex_linear",  # times every pattern at 10k and 100k characters in child processes
    "test_milvus", "test_milvus_server",  # a real Milvus Lite server, killed and restarted
    "test_ray_ingest",  # starts a Ray cluster
    "test_scale_optional",  # a fresh interpreter importing the whole default path
    "test_crash_safety", "test_index_faults",  # SIGKILLed ingests, ENOSPC at every write step
    # a real uvicorn server on 127.0.0.1 per test, or a feed refresher waited on
    "test_http_api", "test_http_openai", "test_http_feeds", "test_web_page", "test_feeds",
}


def pytest_collection_modifyitems(items):
    """Anything that loads the real model, or sits in a long suite, is `slow`, whether or not its author
    remembered to say so."""
    for item in items:
        if (REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))
                or item.module.__name__.rsplit(".", 1)[-1] in LONG_RUNNING_MODULES):
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


@pytest.fixture(scope="session")
def _fake_index_template(tmp_path_factory) -> Path:
    """The bundled corpus indexed once with the fake embedder; each fake_engine starts from a copy of it."""
    index_dir = tmp_path_factory.mktemp("fake-template") / "index"
    Engine.open(Settings.from_env({}, index_dir=index_dir, corpus_dir=BUNDLED_CORPUS), FakeEmbedder())
    return index_dir


@pytest.fixture
def fake_engine(fake_settings, _fake_index_template) -> Engine:
    """A fresh engine with the fake embedder over the bundled corpus, in its own temp dir."""
    shutil.copytree(_fake_index_template, fake_settings.index_dir, symlinks=True)
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
