"""RSS/Atom feeds as a source: served by a fake feed server on 127.0.0.1 (tests/fake_feeds.py), never the internet.

Most tests use the fake embedder; the CLI test at the end runs the real `xunda ingest URL` and `xunda ask`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.commands import cli
from bot.core.engine import Engine
from bot.core.refresh import FeedRefresher, refreshing
from bot.settings import Settings
from bot.telegram.app import build_application, polling
from index import store
from index.dates import recent_window
from index.documents import Document
from index.feeds import FeedError, FeedState, check_url, entry_document, read_feed_list
from tests.fake_feeds import FakeFeeds, Feed, Item, article_page
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fakes import FakeEmbedder

CN = timezone(timedelta(hours=8))
FACT = "星澜电商2026年第三季度GMV达到88.6亿元，同比增长23%。"


def star_item() -> Item:
    return Item("xl-2026q3", "星澜电商发布第三季度业绩", f"<p>{FACT}</p><p>公司表示将继续投入县域物流建设。</p>",
                "https://news.example.cn/xinglan/q3", datetime(2026, 11, 30, 9, 30, tzinfo=CN), "经济观察")


def cloud_item() -> Item:
    return Item("urn:yunfan:1", "云帆物流扩建西南仓", "<p>云帆物流宣布在成都新建3座智能仓库，总面积达12万平方米。</p>",
                "https://news.example.cn/yunfan/1", datetime(2026, 11, 29, 8, 0, tzinfo=timezone(timedelta(hours=-5))))


@pytest.fixture
def feeds():
    with FakeFeeds(slow_seconds=2.0) as server:
        yield server


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({}, index_dir=tmp_path / "index", feed_timeout=0.5, feed_max_bytes=1024 * 1024)


@pytest.fixture
def engine(settings) -> Engine:
    return Engine(settings, FakeEmbedder())


def test_rss_atom_and_rdf_items_become_documents(feeds, engine):
    rss = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    atom = feeds.add_feed("/atom.xml", Feed("atom", "云帆资讯", [cloud_item()]))
    old = Item("https://news.example.cn/old/7", "旧式频道的稿件", "<p>旧式频道报道，某展会吸引了4100名观众。</p>",
               "https://news.example.cn/old/7", datetime(2026, 11, 28, 20, 0, tzinfo=CN), "通讯员乙")
    rdf = feeds.add_feed("/rdf.xml", Feed("rss10", "旧式频道", [old]))
    report = FeedRefresher(engine, [rss, atom, rdf]).pull()
    assert report.lines() == [f"feed: {rss}: 1 items", f"feed: {atom}: 1 items", f"feed: {rdf}: 1 items"]
    docs = engine.searcher.data.documents
    star = docs[f"{rss}#xl-2026q3"]
    assert star.title == "星澜电商发布第三季度业绩" and star.url == "https://news.example.cn/xinglan/q3"
    assert star.date == "2026-11-30T09:30:00+08:00" and star.outlet == "经济观察"  # the item's author
    assert star.text.split("\n\n") == [FACT, "公司表示将继续投入县域物流建设。"]  # content:encoded, not the description
    cloud = docs[f"{atom}#urn:yunfan:1"]
    assert cloud.date == "2026-11-29T08:00:00-05:00"  # the feed's own timezone is kept
    assert cloud.outlet == "云帆资讯"  # no author: the feed's title
    assert docs[f"{rdf}#https://news.example.cn/old/7"].outlet == "通讯员乙"  # dc:creator
    answer = engine.ask("星澜电商第三季度GMV是多少")
    assert "88.6亿元" in answer.text and answer.citations[0].hit.doc.url == star.url


def test_item_html_is_cleaned_like_files_and_unsafe_links_are_dropped():
    entry = {
        "id": "a1",
        "link": "javascript:alert(1)",
        "title": "标题\x1b]0;pwned\x07",
        "content": [{"type": "text/html", "value": "<p>正文\u202e一段。</p><script>x()</script>"
                     "<p style='display:none'>藏</p><p>（文章来源：新华社）</p>"}],
        "published": "Mon, 30 Nov 2026 10:00:00 +0800",
    }
    doc = entry_document("https://feeds.example/f", "频道", entry)
    assert doc.url is None  # a javascript: link must never become a citation
    assert doc.title == "标题]0;pwned" and doc.text == "正文一段。"
    assert doc.doc_id == "https://feeds.example/f#a1" and doc.date == "2026-11-30T10:00:00+08:00"
    assert entry_document("https://feeds.example/f", None, {"title": "无链接无编号"}) is None


def test_unchanged_feed_costs_a_304_and_writes_nothing(feeds, engine, settings):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    first = FeedRefresher(engine, [url]).pull()
    version, calls = first.ingest.version, engine.embedder.calls
    again = FeedRefresher(engine, [url]).pull()
    assert again.lines() == [f"feed: {url}: not modified (304)"]
    assert feeds.answered("/rss.xml") == [200, 304]
    assert feeds.requests[-1].headers["if-none-match"].startswith('"')
    assert again.ingest.version is None and store.current_version(settings.index_dir) == version
    assert engine.embedder.calls == calls


def test_a_server_without_validators_is_compared_by_content(feeds, engine, settings):
    url = feeds.add_feed("/plain.xml", Feed("rss20", "星澜日报", [star_item()], validators=False))
    version = FeedRefresher(engine, [url]).pull().ingest.version
    calls = engine.embedder.calls
    again = FeedRefresher(engine, [url]).pull()
    assert feeds.answered("/plain.xml") == [200, 200]
    assert again.ingest.unchanged == [f"{url}#xl-2026q3"] and again.ingest.version is None
    assert store.current_version(settings.index_dir) == version and engine.embedder.calls == calls


def test_new_items_are_added_and_old_ones_stay_unless_pruned(feeds, engine):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item(), cloud_item()]))
    FeedRefresher(engine, [url]).pull()
    fresh = Item("xl-2026q4", "星澜电商年货节", "<p>星澜电商年货节首日订单突破1200万单。</p>",
                 "https://news.example.cn/xinglan/nian", datetime(2026, 12, 1, 10, 0, tzinfo=CN))
    feeds.add_item("/rss.xml", fresh)
    feeds.drop_oldest("/rss.xml")  # the cloud item scrolls out
    report = FeedRefresher(engine, [url]).pull()
    assert report.ingest.added == [f"{url}#xl-2026q4"] and not report.ingest.removed
    assert set(engine.searcher.data.documents) == {f"{url}#xl-2026q3", f"{url}#urn:yunfan:1", f"{url}#xl-2026q4"}
    assert "1200万单" in engine.ask("星澜电商年货节首日订单多少").text

    edited = star_item()
    edited.body_html = edited.body_html.replace("88.6亿元", "90.1亿元")
    feeds.feeds["/rss.xml"].items[-1] = edited
    feeds.add_item("/rss.xml", Item("n3", "新稿", "<p>又一条新闻。</p>", "https://news.example.cn/n3",
                                    datetime(2026, 12, 1, 12, 0, tzinfo=CN)))
    pruned = FeedRefresher(engine, [url], prune=True).pull()
    assert pruned.ingest.updated == [f"{url}#xl-2026q3"]
    assert pruned.ingest.removed == [f"{url}#urn:yunfan:1"]  # read in full now, and no longer listed
    assert "90.1亿元" in engine.searcher.data.documents[f"{url}#xl-2026q3"].text


def test_prune_never_drops_items_of_a_feed_that_failed_or_answered_304(feeds, engine, corpus_copy):
    good = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    flaky = feeds.add_feed("/flaky.xml", Feed("atom", "云帆资讯", [cloud_item()]))
    FeedRefresher(engine, [good, flaky]).pull(paths=[corpus_copy])
    before = set(engine.searcher.data.documents)
    del feeds.feeds["/flaky.xml"]  # now a 404
    report = FeedRefresher(engine, [good, flaky], prune=True).pull(paths=[corpus_copy])
    assert report.lines() == [f"feed: {good}: not modified (304)", f"failed: {flaky}: HTTP 404 Not Found"]
    assert not report.ingest.removed and set(engine.searcher.data.documents) == before


def test_validators_are_not_sent_once_the_index_lost_the_items(feeds, engine, settings, corpus_copy):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    FeedRefresher(engine, [url]).pull()
    engine.ingest([corpus_copy], replace_all=True)  # `xunda rebuild` drops the feed's items
    report = FeedRefresher(engine, [url]).pull()
    assert feeds.answered("/rss.xml") == [200, 200] and "if-none-match" not in feeds.requests[-1].headers
    assert report.ingest.added == [f"{url}#xl-2026q3"]
    assert FeedState.load(settings.index_dir).feeds[url]["items"] == [f"{url}#xl-2026q3"]


def test_each_bad_feed_is_one_line_and_the_rest_ingest(feeds, engine):
    good = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    gbk_item = Item("gbk-1", "国标编码的展会新闻", "<p>本届展会以GBK编码发布，共有17家企业参展。</p>",
                    "https://news.example.cn/gbk/1", datetime(2026, 11, 27, 9, 0, tzinfo=CN))
    gbk = feeds.add_feed("/gbk.xml", Feed("rss20", "国标频道", [gbk_item], encoding="gbk"))
    FeedRefresher(engine, [good]).pull()
    kept = set(engine.searcher.data.documents)
    bad = {path: feeds.url(path) for path in
           ["/missing.xml", "/500", "/slow", "/truncated", "/page.html", "/loop", "/to-file", "/huge"]}
    report = FeedRefresher(engine, [good, gbk, *bad.values(), "file:///etc/passwd"], prune=True).pull()
    failed = dict(report.ingest.failed)
    assert failed == {
        bad["/missing.xml"]: "HTTP 404 Not Found",
        bad["/500"]: "HTTP 500 Internal Server Error",
        bad["/slow"]: "timed out after 0.5 s",
        bad["/truncated"]: "malformed XML: the feed ends before its last element closes (truncated?)",
        bad["/page.html"]: "not an RSS or Atom feed",
        bad["/loop"]: "more than 5 redirects",
        bad["/to-file"]: failed[bad["/to-file"]],
        bad["/huge"]: "feed is 2.0 MB, over the 1.0 MB limit",
        "file:///etc/passwd": "only http and https feeds are read, not file:",
    }
    assert "not http(s)" in failed[bad["/to-file"]]
    lines = report.lines()
    assert len(lines) == 11 and all("\n" not in line for line in lines)
    assert sum(line.startswith("failed: ") for line in lines) == 9
    # The GBK-declared feed is read, not failed; the good one is untouched; nothing was lost.
    assert report.ingest.added == [f"{gbk}#gbk-1"]
    assert engine.searcher.data.documents[f"{gbk}#gbk-1"].title == "国标编码的展会新闻"
    assert kept <= set(engine.searcher.data.documents)


LONG_BODY = (
    "<p>星澜电商今日发布第三季度财报。</p>"
    "<p>财报显示，星澜电商在县域市场新增活跃商家4.2万家，县域订单占比首次超过三成，公司将其归因于冷链物流网络的扩张。</p>"
    "<p>公司首席财务官表示，第四季度将继续加大对中西部仓储设施的投入，预计新增仓储面积30万平方米。</p>"
)


def test_fetch_full_text_reads_the_article_page_once(feeds, engine):
    item = star_item()
    item.body_html = LONG_BODY
    item.link = feeds.url("/articles/q3.html")
    feeds.pages["/articles/q3.html"] = article_page(item.title, LONG_BODY)
    missing = Item("gone", "页面已删除的稿件", "<p>只有摘要的一条新闻，共涉及6家企业。</p><p>全文页面已不存在。</p>",
                   feeds.url("/articles/deleted.html"), datetime(2026, 11, 29, 9, 0, tzinfo=CN))
    url = feeds.add_feed("/summary.xml", Feed("rss20", "星澜日报", [item, missing], summary_only=True))

    report = FeedRefresher(engine, [url], full_text=True).pull()
    assert report.lines() == [f"feed: {url}: 2 items, 1 full texts fetched (1 pages failed: summaries kept)"]
    doc = engine.searcher.data.documents[f"{url}#xl-2026q3"]
    assert "新增活跃商家4.2万家" in doc.text and "30万平方米" in doc.text  # beyond the summary
    assert "频道3" not in doc.text and "京ICP备" not in doc.text and "相关阅读" not in doc.text
    assert engine.searcher.data.documents[f"{url}#gone"].text == "只有摘要的一条新闻，共涉及6家企业。"
    assert "4.2万家" in engine.ask("星澜电商在县域市场新增多少活跃商家").text

    feeds.add_item("/summary.xml", Item("n2", "新稿", "<p>又一条只有摘要的新闻。</p>", feeds.url("/articles/n2.html"),
                                        datetime(2026, 12, 1, 9, 0, tzinfo=CN)))
    again = FeedRefresher(engine, [url], full_text=True).pull()
    assert feeds.answered("/articles/q3.html") == [200]  # read before: not fetched again
    assert feeds.answered("/articles/deleted.html") == [404, 404]  # failed before: tried again
    assert f"{url}#xl-2026q3" not in again.ingest.updated and again.ingest.added == [f"{url}#n2"]

    plain = FeedRefresher(engine, [feeds.add_feed("/plain.xml", Feed("rss20", "乙", [star_item()], summary_only=True))])
    assert plain.pull().ingest.added and feeds.answered("/articles/q3.html") == [200]  # off by default


def test_feed_lists_and_urls_are_checked(tmp_path):
    listing = tmp_path / "feeds.txt"
    listing.write_text("# RSSHub routes\nhttps://rsshub.example/36kr/newsflashes\n\n"
                       "https://rsshub.example/36kr/news/latest  # 36氪 最新\n"
                       "https://rsshub.example/36kr/newsflashes\n", encoding="utf-8")
    assert read_feed_list(listing) == ["https://rsshub.example/36kr/newsflashes",
                                       "https://rsshub.example/36kr/news/latest"]
    for bad in ("file:///etc/passwd", "ftp://host/feed", "/etc/passwd", "http:///nohost", "javascript:alert(1)"):
        with pytest.raises(FeedError):
            check_url(bad)
    with pytest.raises(FeedError, match="no such feed list"):
        read_feed_list(tmp_path / "nope.txt")


def test_recent_words_prefer_the_newest_days_of_the_corpus(engine):
    old = "2025-11-20T09:00:00+08:00"
    new = "2026-11-30T09:00:00+08:00"
    docs = {
        "old": Document("old", "星澜电商季度报告", "星澜电商季度GMV达到61.2亿元，创下当时纪录。", "甲报", old),
        "new": Document("new", "星澜电商季度报告", "星澜电商季度GMV达到88.6亿元，再创新高。", "乙报", new),
    }
    engine.ingest_documents(docs)
    assert engine.ask("最近星澜电商季度GMV是多少").citations[0].hit.doc.doc_id == "new"
    assert engine.ask("星澜电商季度GMV是多少？").answerable  # no recency word: everything competes
    assert recent_window("今天有什么新闻", new).since == "2026-11-30"
    assert recent_window("本周的新闻", new).since == "2026-11-24"
    assert recent_window("最新消息", new).since == "2026-11-01" and recent_window("最新消息", new).until == "2026-11-30"
    assert recent_window("2022年的新闻", new) is None and recent_window("最近", None) is None
    # A recency word whose window holds no answer falls back to everything.
    assert "61.2" in engine.ask("最近星澜电商创下当时纪录的GMV是多少").text


def test_latest_lists_the_newest_documents(feeds, engine, settings):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item(), cloud_item()]))
    FeedRefresher(engine, [url]).pull()
    newest = engine.latest(5)
    assert [d.title for d in newest] == ["星澜电商发布第三季度业绩", "云帆物流扩建西南仓"]
    result = CliRunner().invoke(cli, ["--index", str(settings.index_dir), "latest", "--json", "--since", "2026-11-30"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["url"] for r in rows] == ["https://news.example.cn/xinglan/q3"]
    assert rows[0]["date"] == "2026-11-30T09:30:00+08:00"


def test_ingest_cli_on_bad_input_is_one_line(tmp_path, feeds):
    runner = CliRunner()
    index = ["--index", str(tmp_path / "index")]
    result = runner.invoke(cli, [*index, "ingest"])
    assert result.exit_code == 2 and "--feeds" in result.output
    result = runner.invoke(cli, [*index, "ingest", "--feeds", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1 and "no such feed list" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, [*index, "ingest", feeds.url("/rss.xml"), "--every", "soon"])
    assert result.exit_code == 1 and "not a duration" in result.output
    result = runner.invoke(cli, [*index, "ingest", feeds.url("/missing.xml"), "file:///etc/passwd"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"failed: {feeds.url('/missing.xml')}: HTTP 404 Not Found" in result.output
    assert "failed: file:///etc/passwd: only http and https feeds are read" in result.output


# ------------------------------------------------------------------------------------------- real CLI


def _xunda(index: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "--index", str(index), *args], capture_output=True, text=True,
                          timeout=600, **kwargs)


@pytest.mark.slow
def test_cli_ingests_feed_urls_and_answers_with_the_item_link_and_date(feeds, tmp_path):
    rss = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    atom = feeds.add_feed("/atom.xml", Feed("atom", "云帆资讯", [cloud_item()]))
    index = tmp_path / "index"
    first = _xunda(index, "ingest", rss, atom)
    assert first.returncode == 0, first.stderr
    assert f"feed: {rss}: 1 items" in first.stdout and "added 2" in first.stdout

    questions = {"星澜电商第三季度GMV是多少": star_item(), "云帆物流在成都新建几座智能仓库": cloud_item()}
    for question, item in questions.items():
        asked = _xunda(index, "ask", "--json", question)
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        top = answer["citations"][0]
        assert answer["answerable"] and top["n"] == 1
        assert top["url"] == item.link and top["date"] == item.published.isoformat()
    shown = _xunda(index, "ask", "星澜电商第三季度GMV是多少")
    assert "2026-11-30" in shown.stdout and star_item().link in shown.stdout

    # Unchanged: a 304, no new version, and the model is never loaded (no model runtime is even imported).
    version = store.current_version(index)
    probe = ("import sys; from bot.cli.commands import cli; "
             "sys.argv = ['xunda', '--index', sys.argv[1], 'ingest', *sys.argv[2:]]; "
             "exec('try:\\n cli()\\nexcept SystemExit as e:\\n code = e.code'); "
             "loaded = {'sentence_transformers', 'onnxruntime'} & set(sys.modules); "
             "print(f'model runtime loaded: {loaded}' if loaded else 'no model'); sys.exit(code)")
    again = subprocess.run([sys.executable, "-c", probe, str(index), rss, atom], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert "not modified (304)" in again.stdout and "index unchanged" in again.stdout and "no model" in again.stdout
    assert store.current_version(index) == version


@pytest.mark.slow
def test_ingest_every_pulls_again_until_stopped(feeds, tmp_path):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"# test feeds\n{url}\n", encoding="utf-8")
    command = [sys.executable, "-m", "bot", "--index", str(tmp_path / "index"), "ingest", "--feeds", str(listing),
               "--every", "1s"]
    # Ctrl-C's default action, as in a terminal: a test run started in the background (`cmd &` in a script) would
    # otherwise hand the child an ignored SIGINT.
    loop = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    index = tmp_path / "index"
    deadline = time.monotonic() + 300

    def wait_until(condition) -> None:
        while not condition() and time.monotonic() < deadline and loop.poll() is None:
            time.sleep(0.1)

    try:
        wait_until(lambda: feeds.answered("/rss.xml")[:2] == [200, 304])
        first = store.current_version(index)
        fresh = Item("xl-new", "星澜电商年货节", "<p>星澜电商年货节首日订单突破1200万单。</p>",
                     "https://news.example.cn/xinglan/nian", datetime(2026, 12, 1, 10, 0, tzinfo=CN))
        feeds.add_item("/rss.xml", fresh)
        wait_until(lambda: store.current_version(index) not in (None, first))
    finally:
        loop.send_signal(signal.SIGINT)  # Ctrl-C: the loop ends cleanly
        out, err = loop.communicate(timeout=60)
    assert loop.returncode == 0, err
    assert feeds.answered("/rss.xml")[:3] == [200, 304, 200], err
    assert "not modified (304)" in out and "added 1," in out


# ------------------------------------------------------------------------------------- background refresh


async def test_refreshing_keeps_an_asyncio_server_current_and_stops_with_it(feeds, fake_engine):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [cloud_item()]))
    async with refreshing(FeedRefresher(fake_engine, [url]), 0.2):
        while feeds.answered("/rss.xml") != [200]:
            await asyncio.sleep(0.05)
        feeds.add_item("/rss.xml", star_item())
        deadline = time.monotonic() + 30
        while f"{url}#xl-2026q3" not in fake_engine.searcher.data.documents and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    assert "88.6亿元" in fake_engine.ask("星澜电商第三季度GMV是多少").text
    pulls = len(feeds.answered("/rss.xml"))
    await asyncio.sleep(0.5)
    assert len(feeds.answered("/rss.xml")) == pulls  # the schedule stopped with the block


def test_a_pull_while_another_process_writes_is_reported_and_the_next_one_succeeds(feeds, engine, settings):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [star_item()]))
    refresher = FeedRefresher(engine, [url])
    with store.writer_lock(settings.index_dir):  # e.g. a cron `xunda ingest` holds the index
        busy = refresher.pull_or_report()
    assert [reason for _, reason in busy.ingest.failed] == [f"another ingest is writing {settings.index_dir}; "
                                                             "try again when it has finished"]
    assert refresher.pull_or_report().ingest.added == [f"{url}#xl-2026q3"]  # validators were not kept: full read


# --------------------------------------------------------------------------------------------- Telegram


@asynccontextmanager
async def feed_bot(telegram, engine, feeds_file: Path, tmp_path, **changes):
    settings = Settings.from_env({}, index_dir=engine.settings.index_dir, telegram_token=TOKEN,
                                 telegram_api_url=telegram.base_url, feedback_path=tmp_path / "feedback.jsonl",
                                 feeds_file=feeds_file, feed_timeout=0.5, **changes)
    app = build_application(settings, engine)
    errors = []

    async def record(update, context):
        errors.append(context.error)

    app.add_error_handler(record)
    async with polling(app, timeout=0.2):
        yield errors


def _replies_to(message: dict):
    return lambda fields: fields.get("reply_parameters", {}).get("message_id") == message["message_id"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_bot_with_refresh_answers_an_item_added_after_it_started(feeds, fake_engine, tmp_path):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [cloud_item()]))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"{url}\n{feeds.url('/missing.xml')}\n", encoding="utf-8")
    with FakeTelegram() as telegram:
        async with feed_bot(telegram, fake_engine, listing, tmp_path, feed_refresh_seconds=0.3) as errors:
            feeds.add_item("/rss.xml", star_item())  # after the bot started
            deadline = time.monotonic() + 60
            while f"{url}#xl-2026q3" not in fake_engine.searcher.data.documents and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            question = telegram.message("星澜电商第三季度GMV是多少")
            [answer] = await telegram.wait_for(where=_replies_to(question))
            latest = telegram.message("/latest")
            [listing_reply] = await telegram.wait_for(where=_replies_to(latest))
    assert not errors
    assert "88.6亿元" in answer["text"] and 'href="https://news.example.cn/xinglan/q3"' in answer["text"]
    assert "2026-11-30" in answer["text"]
    assert listing_reply["text"].index("星澜电商发布第三季度业绩") < listing_reply["text"].index("云帆物流扩建西南仓")
    assert 'href="https://news.example.cn/xinglan/q3"' in listing_reply["text"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_admin_reload_pulls_the_feeds_now(feeds, fake_engine, tmp_path):
    url = feeds.add_feed("/rss.xml", Feed("rss20", "星澜日报", [cloud_item()]))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"# one feed\n{url}\n", encoding="utf-8")
    with FakeTelegram() as telegram:
        async with feed_bot(telegram, fake_engine, listing, tmp_path, admin_ids=frozenset({1})) as errors:
            await telegram.wait_for("setMyCommands")
            deadline = time.monotonic() + 30  # the pull at start
            while feeds.answered("/rss.xml") != [200] and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            feeds.add_item("/rss.xml", star_item())
            reload = telegram.message("/reload", user_id=1)
            [reply] = await telegram.wait_for(where=_replies_to(reload))
            question = telegram.message("星澜电商第三季度GMV是多少", user_id=1)
            [answer] = await telegram.wait_for(where=_replies_to(question))
    assert not errors
    assert "新增 1 篇" in reply["text"] and "已载入新版本" in reply["text"]
    assert "88.6亿元" in answer["text"]
    assert "latest" in [c["command"] for c in telegram.sent("setMyCommands")[0]["commands"]]


def test_telegram_refresh_without_feeds_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "telegram", "--token", "1:x",
                                      "--refresh", "30m"], env={"XUNDA_FEEDS": ""})
    assert result.exit_code == 1 and "--refresh needs a feed list" in result.output
    assert "Traceback" not in result.output
