"""`xunda serve --feeds F --refresh T`: the server keeps pulling its feeds and answers what arrives, no restart."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.core.engine import Engine
from bot.http.app import create_app
from bot.http.server import serving
from bot.settings import Settings
from tests.fake_feeds import FakeFeeds, Feed
from tests.fakes import FakeEmbedder
from tests.test_feeds import cloud_item, star_item


@pytest.fixture
def feeds():
    with FakeFeeds() as server:
        yield server


def test_a_served_index_follows_its_feeds(feeds, tmp_path):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [cloud_item()]))
    feed_list = tmp_path / "feeds.txt"
    feed_list.write_text(f"# the fake feed\n{url}\n", encoding="utf-8")
    settings = Settings.from_env({}, index_dir=tmp_path / "index", feeds_file=feed_list, feed_refresh_seconds=0.3,
                                 feed_timeout=2.0, http_rate_limit_per_minute=0)
    engine = Engine.open(settings, FakeEmbedder())  # the bundled corpus, then the feeds on top
    with serving(create_app(settings, engine)) as base:
        deadline = time.monotonic() + 30
        while not feeds.answered("/rss.xml") and time.monotonic() < deadline:
            time.sleep(0.05)
        feeds.add_item("/rss.xml", star_item())  # published after the server started
        while time.monotonic() < deadline:
            reply = httpx.post(f"{base}/api/ask", json={"question": "星澜电商第三季度GMV是多少"}, timeout=30).json()
            if reply["answerable"]:
                break
            time.sleep(0.2)
    assert reply["answerable"] and "88.6亿元" in reply["answer"]
    assert reply["citations"][0]["url"] == "https://news.example.cn/xinglan/q3"
    assert reply["citations"][0]["date"].startswith("2026-11-30")
