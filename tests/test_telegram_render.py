"""Telegram HTML rendering and splitting: split the plain text first, escape each part after."""

from __future__ import annotations

import re

from bot.core.answer import Answer, Citation
from bot.telegram.render import Styled, more_sources, render_answer, split, telegram_length
from index.documents import Chunk, Document
from index.search import Hit


def visible(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
        .replace("&#x27;", "'").replace("&amp;", "&")


def test_styled_escapes_text_and_keeps_its_own_tags():
    styled = Styled().add("A&B <i>", "<b>", "</b>").add(" tail > x")
    assert styled.html() == "<b>A&amp;B &lt;i&gt;</b> tail &gt; x"


def test_short_text_is_one_part():
    assert [p.plain for p in split(Styled().add("一句话。"))] == ["一句话。"]


def test_long_text_splits_on_paragraphs_and_every_part_fits():
    paragraphs = [f"第{i}段：" + "这是一句话。" * 150 for i in range(8)]
    parts = split(Styled().add("\n\n".join(paragraphs)))
    assert len(parts) > 1 and all(telegram_length(p.plain) <= 4096 for p in parts)
    assert all(p.plain.endswith("。") for p in parts)
    assert all(p.plain.startswith("第") for p in parts)  # whole paragraphs: each starts one
    assert "\n\n".join(p.plain for p in parts) == "\n\n".join(paragraphs)


def test_a_single_long_paragraph_splits_at_sentence_ends():
    text = "很长的句子没有换行，" * 30 + "。" + ("另一句。" * 1200)
    parts = split(Styled().add(text), limit=1000)
    assert all(len(p.plain) <= 1000 for p in parts) and all(p.plain.endswith("。") for p in parts)
    assert "".join(p.plain for p in parts) == text


def test_text_without_boundaries_is_cut_hard_and_nothing_is_lost():
    text = "字" * 9000
    parts = split(Styled().add(text))
    assert [len(p.plain) for p in parts] == [4096, 4096, 808]


def test_characters_outside_the_bmp_count_twice():
    parts = split(Styled().add("😀" * 3000))
    assert all(telegram_length(p.plain) <= 4096 for p in parts)
    assert sum(len(p.plain) for p in parts) == 3000


def test_escaping_after_splitting_never_breaks_entities_or_tags():
    styled = Styled().add("&" * 3000, '<a href="http://x/?a=1&amp;b=2">', "</a>").add("<" * 3000)
    parts = split(styled)
    assert len(parts) == 2 and all(telegram_length(p.plain) <= 4096 for p in parts)
    for part in parts:
        html_text = part.html()
        assert len(html_text) > 4096  # escaping grows the text; the limit is on what is visible
        assert html_text.count("<a ") == html_text.count("</a>")
        assert visible(html_text) == part.plain


def _answer(answerable: bool = True) -> Answer:
    def citation(n: int) -> Citation:
        doc = Document(f"d{n}", f"标题<{n}>", "正文", outlet="中国经营网", date="2022-05-20T18:19:53+08:00",
                       url=f"http://example.com/news?id={n}&x=1" if n != 2 else None)
        hit = Hit(Chunk(0, doc.doc_id, 0, 2, "正文"), doc, 0.1, 0.8, 3.0)
        return Citation(n, hit, "前文。答案有500个。后文", ((3, 10),), 0.9)

    text = "答案有500个。 [1]" if answerable else "语料中没有找到这个问题的答案。"
    return Answer("问题", text, answerable, tuple(citation(n) for n in (1, 2, 3)))


def test_answer_shows_text_then_first_source_linked_with_bold_snippet():
    html_text = render_answer(_answer()).html()
    assert html_text.startswith("答案有500个。 [1]\n\n<b>来源：</b>\n[1] ")
    assert '<a href="http://example.com/news?id=1&amp;x=1">标题&lt;1&gt;</a>' in html_text
    assert "中国经营网 · 2022-05-20" in html_text
    assert "前文。<b>答案有500个</b>。后文" in html_text
    assert "[2]" not in html_text


def test_more_sources_continue_the_numbering_and_a_source_without_url_is_not_linked():
    html_text = more_sources(_answer(), shown=1).html()
    assert html_text.startswith("[2] <b>标题&lt;2&gt;</b>") and "[3] <a href" in html_text
    assert "来源" not in html_text


def test_not_found_is_plain_and_nearest_sources_are_labelled_as_such():
    answer = _answer(answerable=False)
    assert render_answer(answer, sources=0).html() == "语料中没有找到这个问题的答案。"
    assert more_sources(answer, shown=0).html().startswith("<b>最接近的资料（不含答案）：</b>\n[1]")


def test_a_rewritten_follow_up_says_how_it_was_read():
    html_text = render_answer(_answer(), interpreted="抖音2022扶持多少快品牌").html()
    assert html_text.startswith("<i>按上文理解为：抖音2022扶持多少快品牌</i>\n\n答案")
