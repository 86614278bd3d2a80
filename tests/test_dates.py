"""Date-aware answering: explicit ranges filter the sources, a month named in the question narrows first."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from index.dates import DateRange, completed_date, mentioned_month
from index.loaders import load_text
from tests.fakes import FakeEmbedder


def test_month_with_year_becomes_a_range():
    assert mentioned_month("2022年2月抖音电商有什么新政策") == DateRange("2022-02-01", "2022-02-28")
    assert mentioned_month("2021年销量增长多少") is None  # a bare year is the period of a figure
    assert mentioned_month("2022年6月21日的活动") is None  # a day, not a month of news


def test_since_filter_keeps_only_newer_sources(fake_engine):
    dates = DateRange(since="2022-06-01")
    hits = fake_engine.searcher.search("抖音电商国货品牌销量", k=20, dates=dates)
    assert hits and all(h.doc.date >= "2022-06-01" for h in hits)
    answer = fake_engine.ask("抖音电商国货品牌销量同比增长多少", dates)
    assert all(c.hit.doc.date >= "2022-06-01" for c in answer.citations)


def test_range_with_no_articles_declines(fake_engine):
    answer = fake_engine.ask("快手2022扶持多少快品牌", DateRange("2019-01-01", "2019-12-31"))
    assert not answer.answerable and not answer.citations


def test_question_naming_a_month_without_news_still_answers_from_everything(fake_engine):
    # No article appeared in March 2022, so the month cannot narrow; the answer comes from the whole corpus.
    answer = fake_engine.ask("2022年3月快手2022扶持多少快品牌")
    assert answer.answerable and "500" in answer.text


@pytest.mark.parametrize(
    ("text", "published", "completed"),
    [
        ("8日下午，首笔赔付已完成。", "2023-08-10T09:00:00+08:00", ("8日", "2023年8月8日")),
        ("中新网合肥8月16日电 记者16日获悉", "2023-08-16", ("8月16日", "2023年8月16日")),
        ("28日，嫌疑人被抓获。", "2023-08-03", ("28日", "2023年7月28日")),  # later than the 3rd: July
        ("昨天上午发布通知。", "2023-03-01", ("昨天", "2023年2月28日")),
        ("今年3月开始运营。", "2023-05-01", ("今年", "2023年")),
        ("2023年7月30日，台风逼近。", "2023-07-31", None),  # already whole
        ("门票100日元。", "2023-01-01", None),  # a currency, not a day
        ("31日开幕。", "2023-03-05", None),  # February has no 31st
        ("8日开幕。", None, None),  # no publication date to go by
        ("“月球-24号”于1976年发射。", "2023-08-24", None),  # a probe's number, not a day
    ],
)
def test_a_date_named_without_its_year_is_completed_from_the_publication_date(text, published, completed):
    assert completed_date(text, published) == completed


@pytest.mark.parametrize(
    ("before", "published", "completed"),
    [
        ("7月13日，海淀某企业接到电话。企业负责人感觉蹊跷。", None, ("17日", "7月17日")),
        ("7月13日，海淀某企业接到电话。", "2023-08-20", ("17日", "2023年7月17日")),  # the article's month, not August
        ("7月19日，海淀某企业接到电话。", None, None),  # 17日 cannot follow 19日 in one month
    ],
)
def test_a_bare_day_is_of_the_month_the_article_last_named(before, published, completed):
    assert completed_date("17日，张某某来到企业准备授课时被抓获。", published, before) == completed


def test_a_date_inside_a_longer_date_field_is_read():
    """A news dump's date field may hold more than the date (its outlet, a place): the date in it is kept. (The
    dump is read one article a line when most lines open with a plain date.)"""
    lines = [
        "2023-08-15 10:00，正文：第一条新闻的正文。",
        "2023-08-15 11:00，正文：第二条新闻的正文。",
        "2023-08-15 12:00，正文：又一条新闻的正文。",
        "2023-08-15 13:00，正文：再一条新闻的正文。",
        "来源：中国新闻网  |  2023年08月16日 21:47:11，正文：引江济淮工程航道江淮沟通段开始试运行。",
        "2023年08月17日 08:30:00 来自北京市，正文：第三条新闻的正文。",
        "08-18 09:00，正文：这一条的日期没有年份。",
    ]
    docs = load_text("\n".join(lines), "crud.txt")
    assert [d.date for d in docs] == [
        "2023-08-15T10:00:00+08:00", "2023-08-15T11:00:00+08:00", "2023-08-15T12:00:00+08:00",
        "2023-08-15T13:00:00+08:00", "2023-08-16T21:47:11+08:00", "2023-08-17T08:30:00+08:00", None
    ]


def test_a_when_answer_spells_out_the_day_it_names(fake_settings, tmp_path):
    """Asked 哪天, the answer sentence says only 16日; the reader gets the whole date, from the article's date."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: 引江济淮工程江淮沟通段试运行\ndate: 2023-08-17\n---\n"
        "安徽省引江济淮集团有限公司介绍了工程进展。16日，引江济淮工程航道江淮沟通段开始试运行。\n",
        encoding="utf-8",
    )
    engine = Engine(fake_settings, FakeEmbedder())
    engine.ingest([folder], replace_all=True)
    answer = engine.ask("引江济淮工程航道江淮沟通段是哪天开始试运行的？")
    assert answer.answerable and "（16日即2023年8月16日）" in answer.text
    assert "即" not in engine.ask("引江济淮工程航道江淮沟通段由哪家公司建设？").text  # not a when-question
