"""HTML → clean paragraphs of text, tuned for reposted Chinese news pages.

Besides the text, the cleaning picks up what the page says about itself: its <title>/<h1>, the outlet
named in a "（文章来源：X）" line, and the link to the original article in a "本文来自…" credit line.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, PageElement

# bs4 itself is imported where a page is parsed (~0.05 s): a question never parses HTML, but its process imports
# this module through index.loaders.

# Elements that start a new paragraph.
BLOCK_TAGS = [
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "section", "article",
    "header", "footer", "aside", "main", "center", "table", "tr", "td", "th", "dt", "dd", "figure",
    "figcaption", "pre", "hr", "address",
]  # fmt: skip
_BLOCKS = frozenset(BLOCK_TAGS)
# Elements whose content is never article text.
NOISE_TAGS = [
    "head", "title", "img", "picture", "script", "style", "noscript", "iframe", "svg", "canvas", "video",
    "audio", "object", "embed", "template", "nav", "button", "input", "select", "textarea",
]  # fmt: skip

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# "（文章来源：X）"; X is stripped in code, since `\s*(.*?)\s*` around it would backtrack cubically.
_MEDIA_LINE = re.compile(r"^[（(]\s*(?:文章)?来源\s*[：:](.*)[）)]$")
# 36kr-style header lines: "出品 | 36氪-未来消费", "微信ID | lslb168".
_HEADER_LINE = re.compile(r"^(?:出品|微信ID|微信号|公众号ID)\s*[|｜]")
# Site navigation: "[返回读创新闻](//…)｜[返回首页](//…)", or the same as plain text ("返回首页 返回顶部").
# Every step below has one way to go on (plain text stops before the next "返回", "[" or "("; separators are
# either "|"/"｜" or whitespace), so a line that is not navigation fails in linear time instead of trying
# every way to split it into items.
_NAV_TEXT = r"(?:[^\[\]()|｜\s返]|返(?!回))"
_NAV_URL = r"(?:\([^()\s]*\))?"
_NAV_ITEM = rf"(?:\[返回[^\[\]|｜]{{0,20}}\]{_NAV_URL}|返回(?:{_NAV_TEXT}|\s+(?={_NAV_TEXT})){{0,20}}{_NAV_URL})"
_NAV_LINE = re.compile(rf"^{_NAV_ITEM}(?:(?:\s*[|｜]\s*|\s+)?{_NAV_ITEM})*(?:\s*[|｜])?$")
_SPACE_RUN = re.compile(r"\s+")
_CREDIT_HINTS = ("本文来自", "原文", "转载", "来源")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass
class HtmlText:
    paragraphs: list[str] = field(default_factory=list)
    title: str | None = None  # <title>, else the first <h1>
    outlet: str | None = None  # from "（文章来源：X）"
    source_url: str | None = None  # the original article, linked from a credit line


def html_to_text(html: str) -> HtmlText:
    """Clean an HTML page or fragment; broken markup still yields its text."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    result = HtmlText(title=_page_title(soup))
    _drop_noise(soup)
    result.source_url = _credit_link(soup)
    for para in _paragraphs(soup):
        media = _MEDIA_LINE.match(para)
        if media:
            result.outlet = result.outlet or media.group(1).strip() or None
        elif not (_HEADER_LINE.match(para) or is_nav_line(para)):
            result.paragraphs.append(para)
    return result


def is_nav_line(line: str) -> bool:
    """A "返回首页"-style navigation line (markdown links or plain text)."""
    return bool(_NAV_LINE.match(line.strip()))


def clean_line(line: str) -> str:
    """Collapse whitespace (nbsp and full-width spaces too) and drop zero-width characters."""
    return " ".join(line.translate(_INVISIBLE).split())


def _page_title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if tag is not None and (text := clean_line(tag.get_text(" "))):
            return text
    return None


def _drop_noise(soup: BeautifulSoup) -> None:
    from bs4 import Comment

    _drop_stock_widgets(soup)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(NOISE_TAGS):
        tag.decompose()
    hidden = soup.find_all(style=_HIDDEN_STYLE) + soup.find_all(hidden=True)
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.select("a.EmImageRemark"):
        tag.decompose()


def _drop_stock_widgets(soup: BeautifulSoup) -> None:
    """Remove eastmoney's stock-chart blocks: everything between <!-- EM_StockImg_Start/End --> comments."""
    from bs4 import Comment

    starts = soup.find_all(string=lambda s: isinstance(s, Comment) and "EM_StockImg_Start" in s)
    for start in starts:
        for sibling in list(start.next_siblings):
            if isinstance(sibling, Comment) and "EM_StockImg_End" in sibling:
                break
            sibling.extract()


def _credit_link(soup: BeautifulSoup) -> str | None:
    """The href of a link inside a credit paragraph such as "本文来自微信公众号 <a …>"."""
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        block = anchor.find_parent(["p", "li", "blockquote", "div"])
        if href.startswith(("http://", "https://")) and block is not None:
            if any(hint in block.get_text() for hint in _CREDIT_HINTS):
                return href
    return None


def _paragraphs(soup: BeautifulSoup) -> list[str]:
    """The page's text, a line break at each block boundary and <br>. One pass over an explicit stack: inserting
    "\n" nodes into the tree, or looking up each text's <pre> parent, costs the depth per node, and a file of
    100,000 nested <div> would take minutes."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    stack: list[tuple[PageElement | None, bool]] = [(soup, False)]  # (node, inside <pre>); None: a block ends
    while stack:
        node, in_pre = stack.pop()
        if node is None:
            parts.append("\n")
        elif isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
                continue
            if node.name in _BLOCKS:
                parts.append("\n")
                stack.append((None, in_pre))
            inside = in_pre or node.name == "pre"
            stack.extend((child, inside) for child in reversed(node.contents))
        elif type(node) in (NavigableString, CData):  # exactly these: Doctype etc. stay out, as in get_text()
            # HTML whitespace (including source newlines) is just a space, except inside <pre>.
            text = str(node)
            parts.append(text if in_pre or type(node) is CData else _SPACE_RUN.sub(" ", text))
    lines = (clean_line(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]
