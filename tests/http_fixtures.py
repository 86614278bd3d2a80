"""What the HTTP tests share: the example question and the article that answers it, and a real server
(uvicorn on 127.0.0.1, port 0) over the fake-embedder engine. tests/conftest.py registers the fixtures."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from bot.http.app import create_app
from bot.http.server import serving

EXAMPLE = "快手2022扶持多少快品牌"
KUAISHOU_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268"


@pytest.fixture
def serve(fake_engine):
    """serve(llm=None, **settings) -> a context manager yielding the base URL of a server over the fake engine."""

    @contextmanager
    def start(llm=None, **changes):
        settings = fake_engine.settings.with_(**changes)
        with serving(create_app(settings, fake_engine, llm)) as url:
            yield url

    return start


@pytest.fixture
def url(serve):
    """The base URL of a server over the fake engine with its default settings."""
    with serve() as base:
        yield base
