"""Loading news files into Documents: the seed corpus, odd encodings, bad files and the bulk formats."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from index.loaders import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    LoadError,
    discover,
    load_file,
    load_text,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data" / "loaders"
CRUD_SAMPLE = Path("/work/shared/datasets/crud_news_sample.txt")
NOISE = ("<img", "<p", "EM_StockImg", "K图", "返回首页", "文章来源", "查看全文", "出品 |", "微信ID", "首页>")


def corpus_file(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*.txt"))


def load_one(path: Path) -> object:
    docs = load_file(path, path.name)
    assert len(docs) == 1
    return docs[0]


def load_error(path: Path, **kwargs) -> str:
    with pytest.raises(LoadError) as info:
        load_file(path, path.name, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# --------------------------------------------------------------------------------------------- seed corpus


@pytest.mark.parametrize(
    ("prefix", "title", "date", "outlet", "url"),
    [
        (
            "000",
            "【原创】抖音电商：国货销量同比增长667%，深圳销量排全国城市第二",
            "2022-01-09T17:00:55+08:00",
            "读创",
            "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201092241095069",
        ),
        (
            "001",
            "多重举措上线，抖音电商如何帮商家做好长线生意？",
            "2022-06-06T03:24:21+00:00",
            "36kr",
            "http://mp.weixin.qq.com/s?__biz=MzIzNDYwMzM5Nw==&mid=2247525001&idx=1"
            "&sn=7c63e8aa8efc95548a988f3abc498104&chksm=e8f1f463df867d752222fc372804330d9ac5987831ee9a92f78a"
            "78caa7008806006582ee51f5#rd",
        ),
        (
            "002",
            "“第四届双品网购节”带动山东实现网络零售额超294亿元",
            "2022-05-15T20:59:18+08:00",
            "大众网",
            "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205152379572893",
        ),
        (
            "003",
            "定位“新市井电商”平台 快手如何突围？",
            "2022-05-20T18:19:53+08:00",
            "中国经营网",
            "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268",
        ),
    ],
)
def test_seed_article_metadata(prefix, title, date, outlet, url):
    path = corpus_file(prefix)
    doc = load_one(path)
    assert doc.doc_id == path.name
    assert doc.title == title
    assert doc.date == date
    assert doc.outlet == outlet
    assert doc.url == url
    assert doc.source_path == str(path.resolve())


def test_seed_texts_are_clean_paragraphs():
    files, missing = discover([CORPUS])
    assert not missing and len(files) == 5
    docs = [doc for path, base in files for doc in load_file(path, base)]
    assert len(docs) == 4 + 9
    for doc in docs:
        assert doc.text.strip() == doc.text and doc.title
        assert "\n\n\n" not in doc.text and "\xa0" not in doc.text and "\u3000" not in doc.text
        for noise in NOISE:
            assert noise not in doc.text, (doc.doc_id, noise)
    assert len({doc.doc_id for doc in docs}) == len(docs)


def test_stock_widget_and_hidden_paragraph_dropped():
    doc = load_one(corpus_file("003"))
    assert doc.text.startswith("近日，快手电商在北京举办2022“引力大会”")
    assert doc.text.endswith("以及由此来实现买卖双方的双向信任机制。")
    assert "快手推出快品牌" in doc.text.split("\n\n")  # a <strong> heading is its own paragraph


def test_36kr_header_lines_dropped_and_credit_kept():
    doc = load_one(corpus_file("001"))
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == "从“兴趣电商”全面升级为“全域兴趣电商”阶段，抖音电商对电商业态的探索已驶出加速度。"
    assert paragraphs[-1].startswith("本文来自微信公众号 “未来消费APP”")
    assert "商品通过抖音电商走入千家万户" in doc.text  # inline link text stays in its sentence


def test_news_list_page_splits_into_articles():
    path = corpus_file("004")
    docs = load_file(path, path.name)
    assert [d.doc_id for d in docs] == [f"{path.name}#{k}" for k in range(1, 10)]
    assert len({d.title for d in docs}) == 9
    assert len({d.date for d in docs}) == 9
    first = docs[0]
    assert first.title == "电商品牌聚合商Rainforest获得4500万美元融资"
    assert first.date == "2022-06-24T17:50:54+08:00"
    assert first.outlet == "品玩"
    assert first.text.startswith("据TechinAsia报道") and "来源" not in first.text
    assert first.url is None
    shandong = next(d for d in docs if "山东预制菜" in d.title)
    assert "500万元" in shandong.text
    assert shandong.outlet is None  # "来源:" names nobody
    assert docs[4].outlet == "北青网—北京青年报"
    assert docs[-1].title == "信任是直播电商2.0时代的核心竞争力"
    assert all(not d.text.endswith("来源:") for d in docs)


def test_news_list_detected_by_content(tmp_path):
    page = (
        "网站导航>资讯>\n\n第一条新闻标题\n\n第一条的正文内容，很长很长。来源:新华网\n\n"
        "2023-01-02 08:00:00 查看全文\n\n第二条新闻标题\n\n第二条正文。\n第二条的第二段。\n\n"
        "2023-01-01 09:30 查看全文\n"
    )
    docs = load_text(page, "list.txt")
    assert [(d.title, d.outlet, d.date) for d in docs] == [
        ("第一条新闻标题", "新华网", "2023-01-02T08:00:00+08:00"),
        ("第二条新闻标题", None, "2023-01-01T09:30:00+08:00"),
    ]
    assert docs[1].text == "第二条正文。\n\n第二条的第二段。"


# ------------------------------------------------------------------------------------------- encodings


ZH_BODY = "报告显示，2021年，抖音电商国货品牌销量同比增长667%。平台持续加强国货品牌扶持力度。"
ZH_ARTICLE = f"抖音电商国货报告\n\n{ZH_BODY}\n"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_chinese_text_in_other_encodings(tmp_path, encoding):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(ZH_ARTICLE.encode(encoding))
    doc = load_one(path)
    assert doc.title == "抖音电商国货报告"
    assert doc.text == ZH_BODY


def test_short_gbk_snippet_reads_as_chinese(tmp_path):
    # charset detection alone takes such short snippets for Korean
    path = tmp_path / "short.txt"
    path.write_bytes("定位新市井电商，快手如何突围？".encode("gbk"))
    assert load_one(path).text == "定位新市井电商，快手如何突围？"


def test_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes(codecs.BOM_UTF8 + "---\ntitle: 带BOM的文章\n---\n正文第一段。\n".encode())
    doc = load_one(path)
    assert doc.title == "带BOM的文章" and doc.text == "正文第一段。"
    assert load_text("\ufeff# 标题\n\n正文。", "x.md")[0].title == "标题"


# ------------------------------------------------------------------------------------------- bad input


def test_binary_file_refused(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4)
    assert load_error(path) == "binary file, not text"


def test_undecodable_bytes_refused(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 256)) * 20)
    assert load_error(path) == "binary file, not text"


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n", "\u3000\n".encode()])
def test_empty_file_refused(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert load_error(path) == "empty file"


def test_oversize_file_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes("新闻正文。".encode() * 110_000)  # 1.6 MB
    assert load_error(path, max_bytes=1024 * 1024) == "file is 1.6 MB, over the 1 MB limit"
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert load_file(path, "big.txt")  # fine under the default limit


def test_malformed_front_matter_refused(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [未闭合\ndate: 2022-01-01\n---\n正文。\n", encoding="utf-8")
    message = load_error(path)
    assert message.startswith("malformed front matter: ")
    assert "line" in message


def test_missing_file_and_folder_refused(tmp_path):
    assert load_error(tmp_path / "gone.txt") == "no such file or directory"
    assert "folder" in load_error(tmp_path)


def test_load_text_refuses_empty_and_nul():
    with pytest.raises(LoadError, match="empty file"):
        load_text(" \n ", "x.txt")
    with pytest.raises(LoadError, match="binary"):
        load_text("abc\x00def", "x.txt")


# -------------------------------------------------------------------------------------------------- HTML


def test_html_page_without_front_matter():
    doc = load_one(DATA / "page.html")
    assert doc.title == "京东发布618战报"
    assert doc.text.split("\n\n") == [
        "京东618累计下单金额达3793亿元， 创下新纪录。",
        "其中，中小商家成交额同比增长超过50%。",
        "新品数量同比翻倍。",
        "本文转载自京东黑板报。",
    ]
    assert doc.url == "https://example.com/original/618"


def test_broken_html_still_gives_text():
    doc = load_one(DATA / "broken.html")
    assert doc.title == "快手电商发布信任购机制"
    assert "退款不退货政策上线用户满意度提升" in doc.text
    assert "增长38%" in doc.text
    assert "alert" not in doc.text


def test_html_title_from_first_h1():
    html = "<body><h1>标题在这里</h1><p>第一段。</p><p>第二段。</p></body>"
    doc = load_text(html, "a.html", suffix=".html")[0]
    assert doc.title == "标题在这里"
    assert doc.text == "第一段。\n\n第二段。"


# --------------------------------------------------------------------------------------- text / markdown


def test_markdown_with_front_matter():
    doc = load_one(DATA / "article.md")
    assert doc.title == "直播电商进入精细化运营阶段"
    assert doc.date == "2022-06-01T00:00:00+08:00"
    assert doc.outlet == "电商报"
    assert doc.url == "https://example.com/news/123"
    assert doc.text.split("\n\n") == [
        "业内人士表示，直播电商正在从流量驱动转向精细化运营。",
        "平台纷纷推出商家扶持政策。",
        "商家的应对",
        "中小商家更加重视自播和复购。",
    ]


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("2022-01-09 17:00:55 +0800", "2022-01-09T17:00:55+08:00"),
        ("2022-01-09 17:00:55+08:00", "2022-01-09T17:00:55+08:00"),  # YAML gives a datetime
        ("2022-01-09 17:00:55", "2022-01-09T17:00:55+08:00"),  # naive: Beijing time
        ("'Mon, 06 Jun 2022 03:24:21 GMT'", "2022-06-06T03:24:21+00:00"),
        ("2022/01/09 17:00", "2022-01-09T17:00:00+08:00"),
        ("not a date", None),
    ],
)
def test_front_matter_dates(date_line, expected):
    doc = load_text(f"---\ntitle: T\ndate: {date_line}\n---\n正文。\n", "a.md")[0]
    assert doc.date == expected


def test_outlet_from_tags():
    doc = load_text("---\ntitle: T\ntags: 读创新闻\n---\n<p>正文。</p>\n", "a.txt")[0]
    assert doc.outlet == "读创"


def test_plain_text_title_rules():
    assert load_text("短标题\n\n正文第一句。", "a.txt")[0].title == "短标题"
    sentence = load_text("这是一句完整的话。\n\n第二段。", "notes/b.txt")[0]
    assert sentence.title == "b"  # first line reads like a sentence: fall back to the file stem
    assert sentence.text == "这是一句完整的话。\n\n第二段。"
    single = load_text("只有一行的笔记", "c.txt")[0]
    assert (single.title, single.text) == ("c", "只有一行的笔记")


def test_plain_text_footer_links_become_url():
    text = "标题\n\n正文。\n\n<https://example.com/a>\n\n[返回新闻](//x.com/n.html)｜[返回首页](//x.com/)\n"
    doc = load_text(text, "a.txt")[0]
    assert doc.url == "https://example.com/a"
    assert doc.text == "正文。"


def test_wrapped_english_lines_are_joined():
    doc = load_text("# Title\n\nThis paragraph was\nhard wrapped.\n\n- one\n- two\n", "a.md")[0]
    assert doc.text.split("\n\n") == ["This paragraph was hard wrapped.", "- one", "- two"]


# ------------------------------------------------------------------------------------------------ discover


def test_discover_folder_files_and_missing(tmp_path):
    root = tmp_path / "news"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    names = ["b.txt", "a.md", "sub/c.html", "sub/deeper/d.htm", "sub/e.markdown", "skip.pdf", ".secret.txt"]
    for rel in names:
        (root / rel).write_text("x", encoding="utf-8")
    (root / ".hidden" / "f.txt").write_text("x", encoding="utf-8")
    odd = tmp_path / "notes.log"
    odd.write_text("x", encoding="utf-8")

    files, missing = discover([root, odd, tmp_path / "nope", root / "a.md"])
    assert [base for _, base in files] == [
        "a.md",
        "b.txt",
        "sub/c.html",
        "sub/deeper/d.htm",
        "sub/e.markdown",
        "notes.log",  # named explicitly, so tried despite its suffix
    ]
    assert files[2][0] == root / "sub" / "c.html"
    assert missing == [(str(tmp_path / "nope"), "no such file or directory")]
    assert {".txt", ".md", ".markdown", ".html", ".htm"} == SUPPORTED_SUFFIXES


def test_discover_single_file_uses_its_name():
    path = corpus_file("003")
    assert discover([path]) == ([(path, path.name)], [])


# ----------------------------------------------------------------------------------- one article per line


def test_line_per_article_format(tmp_path):
    path = tmp_path / "crud.txt"
    lines = [
        "2023-08-16 18:24:57，正文：IT之家 8 月 16 日消息，京东集团今日发布 Q2 财报。营收同比增长 7.6%。",
        "",
        "2023-08-14 12:36，正文：原标题：快讯\t第二段内容。",
        "a broken line without the marker",
        "07-20 15:29，正文：财经网金融讯 今日，监管总局发布消息！后续内容。",
        "2023-08-15,正文:" + "很长的句子" * 20,
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = load_file(path, "crud.txt")
    assert [d.doc_id for d in docs] == ["crud.txt#1", "crud.txt#3", "crud.txt#5", "crud.txt#6"]
    first = docs[0]
    assert first.title == "IT之家 8 月 16 日消息，京东集团今日发布 Q2 财报"
    assert first.date == "2023-08-16T18:24:57+08:00"
    assert first.text.startswith("IT之家 8 月 16 日消息") and "正文" not in first.text
    assert docs[1].text == "原标题：快讯\n\n第二段内容。"
    assert docs[1].date == "2023-08-14T12:36:00+08:00"
    assert docs[2].date is None  # no year given
    assert docs[2].title == "财经网金融讯 今日，监管总局发布消息"
    assert len(docs[3].title) == 60 and docs[3].date == "2023-08-15T00:00:00+08:00"


def test_line_per_article_all_malformed(tmp_path):
    path = tmp_path / "crud.txt"
    path.write_text("2023-08-16 18:24:57，正文：\n2023-08-16 18:20:00，正文：  \n", encoding="utf-8")
    assert "malformed" in load_error(path)


@pytest.mark.skipif(not CRUD_SAMPLE.exists(), reason="shared CRUD dataset not present")
def test_full_crud_sample():
    docs = load_file(CRUD_SAMPLE, CRUD_SAMPLE.name)
    assert len(docs) == 1930
    assert len({d.doc_id for d in docs}) == 1930
    assert all(d.title and d.text for d in docs)
    dated = [d.date for d in docs if d.date]
    assert len(dated) > 1700 and all(d.endswith("+08:00") for d in dated)
