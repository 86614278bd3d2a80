"""Date-aware answering: explicit ranges filter the sources, a month named in the question narrows first."""

from __future__ import annotations

from index.dates import DateRange, mentioned_month


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
