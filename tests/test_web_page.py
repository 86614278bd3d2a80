"""The web chat in a real headless browser: Debian's Chromium driven by Playwright's Python package.

Skips, saying why, when Playwright or the system Chromium is missing (`make browser` installs both). The first test
saves a screenshot; set XUNDA_SCREENSHOT=docs/screenshot-web.png to write the one the README shows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.http.app import create_app
from bot.http.server import serving
from bot.settings import Settings
from tests.fakes import FakeEmbedder

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
EXAMPLE = "快手2022扶持多少快品牌"
KUAISHOU_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268"

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: run `make browser`")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def seed_url(seed_engine):
    with serving(create_app(seed_engine.settings, seed_engine)) as url:
        yield url


def open_page(browser, url: str, width: int = 1000, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    return page, problems


def ask(page, question: str):
    """Type a question, send it, and return the reply card it produced."""
    before = page.locator(".reply, .error").count()
    page.fill("#question", question)
    page.click("#send")
    page.locator(".reply, .error").nth(before).wait_for(timeout=60_000)
    return page.locator(".reply, .error").nth(before)


def test_example_question_shows_the_answer_and_its_linked_source(browser, seed_url, tmp_path):
    page, problems = open_page(browser, seed_url)
    reply = ask(page, EXAMPLE)
    assert reply.get_attribute("data-answerable") == "true"
    assert "500" in reply.locator(".answer").inner_text()
    link = reply.locator(f'.sources a[href="{KUAISHOU_URL}"]')
    assert link.count() == 1 and "快手如何突围" in link.inner_text()
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    first = reply.locator(".sources li").first
    assert "中国经营网 · 2022-05-20" in first.locator(".src-meta").inner_text()
    assert "500" in first.locator("mark").first.inner_text()  # the answering words are marked
    # [1] in the answer is a link to source 1
    reply.locator(".answer a.ref").first.click()
    page.wait_for_function("document.querySelector('.sources li').classList.contains('flash')")
    page.locator(".sources li").first.evaluate("li => li.classList.remove('flash')")
    shot = Path(os.environ.get("XUNDA_SCREENSHOT") or tmp_path / "screenshot-web.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert problems == []  # no script errors, no CSP violations


def test_not_found_is_shown_as_such(browser, seed_url):
    page, problems = open_page(browser, seed_url)
    reply = ask(page, "拼多多2023年在火星开了几家店？")
    assert reply.get_attribute("data-answerable") == "false"
    assert reply.locator(".badge").inner_text() == "未找到答案"
    assert "没有找到" in reply.locator(".answer").inner_text()
    assert problems == []


def test_follow_up_and_date_range(browser, seed_url):
    page, _ = open_page(browser, seed_url)
    ask(page, EXAMPLE)
    follow = ask(page, "那抖音呢？")
    assert "按上文理解为：抖音2022扶持多少快品牌" in follow.locator(".reading").inner_text()
    page.click("#new-chat")
    page.fill("#until", "2000-01-01")
    dated = ask(page, EXAMPLE)
    assert dated.get_attribute("data-answerable") == "false"  # nothing published before 2000
    page.click("#clear-dates")
    assert ask(page, EXAMPLE).get_attribute("data-answerable") == "true"


def test_phone_width_has_no_sideways_scrolling(browser, seed_url):
    page, _ = open_page(browser, seed_url, width=360, height=740)
    ask(page, EXAMPLE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    box = page.locator("#send").bounding_box()
    assert box["x"] + box["width"] <= 360  # the send button is on screen


def test_errors_are_shown_and_the_page_keeps_working(browser, seed_url):
    page, _ = open_page(browser, seed_url)
    page.evaluate("document.getElementById('question').removeAttribute('maxlength')")
    error = ask(page, "问" * 600)
    assert "出错了" in error.inner_text() and "600" in error.inner_text()
    assert ask(page, EXAMPLE).get_attribute("data-answerable") == "true"


HOSTILE = """---
title: "<img src=x onerror=\\"window.__xss=1\\">星火计划的新闻"
source: "<b onmouseover=\\"window.__xss=2\\">恶意网</b>"
date: 2023-03-01
url: "javascript:window.__xss=3"
---
<p>星火计划在2023年投入了八百亿元资金，&lt;img src=x onerror="window.__xss=4"&gt;用于扶持乡村的小商户。</p>
"""


def test_text_from_the_corpus_is_shown_as_text_never_run(browser, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    settings = Settings.from_env({}, index_dir=tmp_path / "index", corpus_dir=corpus)
    engine = Engine.open(settings, FakeEmbedder())
    with serving(create_app(settings, engine)) as url:
        page, _ = open_page(browser, url)
        reply = ask(page, "星火计划在2023年投入了多少资金？")
        page.mouse.move(10, 10)
        for source in reply.locator(".sources li").all():
            source.hover()
        title = reply.locator(".src-title").first.inner_text()
        assert "<img" in title  # shown literally
        assert reply.locator(".sources img, .sources b, .answer img").count() == 0
        assert reply.locator('a[href^="javascript"]').count() == 0
        assert page.evaluate("window.__xss") is None


def test_a_server_with_a_token_asks_for_it_once(browser, fake_engine):
    settings = fake_engine.settings.with_(api_token="s3cret")
    with serving(create_app(settings, fake_engine)) as url:
        page, _ = open_page(browser, url)
        refused = ask(page, EXAMPLE)
        assert "访问令牌" in refused.inner_text() and page.locator("#token-row").is_visible()
        page.fill("#token", "s3cret")
        page.click("#save-token")
        assert not page.locator("#token-row").is_visible()
        assert ask(page, EXAMPLE).get_attribute("data-answerable") == "true"
