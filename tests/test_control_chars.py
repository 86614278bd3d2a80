"""Control characters in a document never reach the user's terminal: they are removed when the file is loaded."""

from __future__ import annotations

import re

import pytest

from bot.core.engine import Engine
from bot.core.render import to_json, to_text
from index.loaders import LoadError, load_file, load_text
from tests.fakes import FakeEmbedder

# C0 but tab and newline, DEL, C1, bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
RETITLE = "\x1b]0;PWNED\x07"  # OSC 0: sets the terminal window's title


def test_title_that_retitles_the_terminal_is_defused_in_the_answer(fake_settings, tmp_path):
    article = tmp_path / "attack.txt"
    article.write_text(
        f"{RETITLE}星河电商发布会\x1b[2J\n\n"
        "星河电商宣布今年将投入888亿元扶持新商家\u202e。\x85该计划\u2066覆盖\u2069全国\x9b31m。\n\n"
        + "发布会上还介绍了物流、客服和培训方面的配套措施，商家可以在线申请。"
        * 20,  # long enough not to look binary
        encoding="utf-8",
    )
    doc = load_file(article, article.name)[0]
    assert doc.title == "]0;PWNED星河电商发布会[2J"  # the visible characters stay, the escapes are gone
    assert not CONTROL.search(doc.text) and "888亿元" in doc.text

    engine = Engine(fake_settings, FakeEmbedder())
    engine.ingest([article])
    answer = engine.ask("星河电商今年投入多少亿元扶持新商家")
    assert answer.answerable and "888亿元" in answer.text
    printed = to_text(answer) + str(to_json(answer))
    assert "PWNED" in printed and not CONTROL.search(printed)


def test_escapes_decoded_from_yaml_and_html_are_removed_too():
    # A YAML double-quoted "\e" and HTML entities only become control characters after parsing.
    front = load_text(
        '---\ntitle: "\\e]0;PWNED\\a标题"\nsource: "\\u202e外媒"\nurl: "https://example.com/a\\x1b"\n---\n正文第一句。\n',
        "a.md",
    )[0]
    assert (front.title, front.outlet, front.url) == ("]0;PWNED标题", "外媒", "https://example.com/a")
    page = load_text(
        "<title>&#27;]0;PWNED&#7;网页</title><p>正文&#x202E;第一句&#x2066;。</p><p>第二句。</p>",
        "p.html",
        suffix=".html",
    )[0]
    assert page.title == "]0;PWNED网页"
    assert page.text == "正文第一句。\n\n第二句。"


def test_tabs_and_newlines_are_kept():
    doc = load_text("标题\n\n第一段，\t有制表符。\n\n第二段。", "t.txt")[0]
    assert doc.text == "第一段， 有制表符。\n\n第二段。"  # tab collapsed like any space, paragraphs intact


def test_a_file_of_only_control_characters_is_refused():
    with pytest.raises(LoadError, match="empty file"):
        load_text("\x1b\x07\u202e\n\x85", "x.txt")
