"""Properties of the index side under generated and hostile input: chunk offsets always point back into the
document, and loaders never raise anything but one-line LoadErrors, whatever bytes a file holds."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.chunking import Chunker, ChunkingSettings
from index.documents import Document
from index.ingest import load_paths
from index.loaders import LoadError, load_file

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text that looks like news: Chinese, ASCII, the splitter's own separators, and whitespace of every kind.
_PIECES = st.sampled_from(
    ["。", "！", "？", "；", "，", " ", "\n", "\n\n", "\t", "\u3000", "\xa0",
     "a", "Z", "9", "快手", "电商", "🙂", "&<>"]
)
NEWS_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=120).map("".join)


def _check_spans(text: str, size: int, overlap: int) -> None:
    chunker = Chunker(ChunkingSettings(chunk_size=size, chunk_overlap=overlap))
    spans = chunker.split(Document("d", "t", text))
    covered = bytearray(len(text))
    previous = None
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert end - start <= size, (start, end)
        piece = text[start:end]
        assert piece == piece.strip(), "a span starts or ends on whitespace"
        if previous is not None:
            assert start > previous[0] and end > previous[1], "spans out of order"
        previous = (start, end)
        covered[start:end] = b"\x01" * (end - start)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"non-space characters in no chunk: {[text[i] for i in lost[:10]]}"


@PROPERTY
@given(text=NEWS_TEXT, size=st.integers(8, 300), overlap_share=st.floats(0, 0.5))
@example(text="快手。" * 40, size=20, overlap_share=0.5)  # a repeated sentence maps to its own copy
@example(text="a" * 500, size=8, overlap_share=0.0)  # one long word, no separator at all
# Found by Hypothesis: the splitter's stripped last overlap ("00000000") lay inside the passage before it.
@example(text="\t0000000000000000 ", size=17, overlap_share=0.5)
# Found by Hypothesis: a piece made of a repeated character matched a copy that left the text's last 。 in no
# passage, both where pieces overlap and where they do not.
@example(text="。。。！。。。。。。", size=8, overlap_share=0.5)
@example(text="0000000。。。", size=8, overlap_share=0.5)
def test_chunk_offsets_map_back_to_the_text(text, size, overlap_share):
    _check_spans(text, size, int(size * overlap_share))


def test_chunk_offsets_on_the_shipped_settings_over_a_long_article():
    text = "\n\n".join(f"第{i}段。快手电商在{i}月增长{i * 7}%，深圳排名第二！" * 5 for i in range(200))
    _check_spans(text, 250, 50)


# ----------------------------------------------------------------------------------- loaders on any bytes

FRONT_MATTER = b"---\ntitle: T\ndate: 2022-01-09\n---\n"
LINE_RECORD = b"2023-08-16 18:24:57\xef\xbc\x8c\xe6\xad\xa3\xe6\x96\x87\xef\xbc\x9a"  # "…，正文：" in UTF-8
# (suffix, prefix): each supported format, with arbitrary bytes after what makes it recognisable.
FORMATS = [(".txt", b""), (".md", b""), (".html", b"<html><body><p>"), (".md", FRONT_MATTER), (".txt", LINE_RECORD)]


def _loads_or_one_line(path: Path, data: bytes, max_bytes: int = 10 * 1024 * 1024) -> list[Document]:
    path.write_bytes(data)
    try:
        docs = load_file(path, path.name, max_bytes=max_bytes)
    except LoadError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
        return []
    assert docs and all(d.text.strip() and d.title is not None for d in docs)
    return docs


@PROPERTY
@given(fmt=st.sampled_from(FORMATS), body=st.binary(max_size=600))
@example(fmt=(".md", FRONT_MATTER), body=b"\xff\xfe\x00")  # a UTF-16 BOM after front matter
@example(fmt=(".md", b"---\n"), body=b"a: [\n---\nx")  # front matter that is not YAML
@example(fmt=(".md", b"---\n"), body=b"!!python/object:os.system\n---\nx")  # YAML tags that must not run
@example(fmt=(".txt", LINE_RECORD), body=b"\n\n\xe6\xad\xa3")
def test_loaders_never_raise_on_arbitrary_bytes(tmp_path, fmt, body):
    suffix, prefix = fmt
    _loads_or_one_line(tmp_path / f"f{suffix}", prefix + body)


@PROPERTY
@given(fmt=st.sampled_from(FORMATS), body=st.text(max_size=300), encoding=st.sampled_from(
    ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]
))
def test_loaders_never_raise_on_arbitrary_text_in_any_encoding(tmp_path, fmt, body, encoding):
    suffix, prefix = fmt
    data = prefix.decode("utf-8") + body
    _loads_or_one_line(tmp_path / f"f{suffix}", data.encode(encoding, errors="replace"))


# ------------------------------------------------------------------------------------ deterministic hostility

ARTICLE = "快手电商宣布，2022年扶持100个快品牌，深圳销量排全国城市第二。" * 3


def test_deeply_nested_html_loads_or_is_refused_in_one_line(tmp_path):
    depth = 100_000
    data = ("<html><body>" + "<div>" * depth + f"<p>{ARTICLE}</p>" + "</div>" * depth + "</body></html>").encode()
    docs = _loads_or_one_line(tmp_path / "deep.html", data)
    assert not docs or "快手电商宣布" in docs[0].text


def test_deeply_nested_html_in_front_matter(tmp_path):
    data = FRONT_MATTER + ("<div>" * 100_000 + f"<p>{ARTICLE}</p>" + "</div>" * 100_000).encode()
    docs = _loads_or_one_line(tmp_path / "deep.md", data)
    assert not docs or "快手电商宣布" in docs[0].text


def test_a_50_mb_single_line_is_refused_by_size(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        for _ in range(50):
            handle.write(("快" * (1024 * 1024 // 3 + 1)).encode()[: 1024 * 1024])
    with pytest.raises(LoadError, match=r"file is 50 MB, over the 10 MB limit"):
        load_file(path, path.name)


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_9_mb_single_line_loads_or_is_refused_cleanly(tmp_path, suffix):
    # 9 MB of one sentence repeated without a newline: under the limit, so it must load (or be refused in one
    # line), and within reason: the loader must not go quadratic on a long line.
    line = ("深圳销量排全国城市第二，" * (9 * 1024 * 1024 // 36)).encode()
    started = time.perf_counter()
    docs = _loads_or_one_line(tmp_path / f"long{suffix}", line)
    elapsed = time.perf_counter() - started
    assert docs and "深圳销量" in docs[0].text
    assert elapsed < 120, f"a 9 MB line took {elapsed:.0f} s"  # a guard against quadratic time, not a benchmark


INVALID = {
    "utf-8": b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\xed\xa0\x80\xc0\xaf",  # bad continuations, surrogates
    "utf-8-sig": codecs.BOM_UTF8 + b"\xc3\x28\xe2\x82\xf0\x9f\x98",
    "gbk": b"\x81\x20\xfe\xff\x80\xa1",  # lead bytes without a valid trail
    "gb18030": b"\x81\x30\x81\xff\x84\x31\xa4\x40\xfe",  # broken four-byte sequences
}


@pytest.mark.parametrize("encoding", sorted(INVALID))
@pytest.mark.parametrize("where", ["start", "middle", "end", "only"])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_invalid_byte_sequences_load_or_are_refused_in_one_line(tmp_path, encoding, where, suffix):
    text = ARTICLE.encode(encoding.removesuffix("-sig"))
    bom = codecs.BOM_UTF8 if encoding == "utf-8-sig" else b""
    bad = INVALID[encoding].removeprefix(bom)
    data = {
        "start": bom + bad + text, "middle": bom + text + bad + text, "end": bom + text + bad, "only": bom + bad
    }[where]
    docs = _loads_or_one_line(tmp_path / f"bad{suffix}", data)
    if where != "only":  # the article around a few bad bytes is either read or the file refused, never garbled
        assert not docs or any("快手电商宣布" in d.text for d in docs)


def test_one_hundred_thousand_tiny_files(tmp_path):
    folder = tmp_path / "many"
    count = 100_000
    for i in range(count // 1000):
        sub = folder / f"d{i:03d}"
        sub.mkdir(parents=True)
        for j in range(1000):
            (sub / f"{j:03d}.txt").write_text(f"第{i * 1000 + j}条快讯。", encoding="utf-8")
    (folder / "d000" / "000.txt").write_bytes(b"")  # one bad file among them is reported, not fatal
    documents, failed = load_paths([folder])
    assert len(documents) == count - 1
    assert failed == [(str(folder / "d000" / "000.txt"), "empty file")]


_DATELINE_PIECES = st.sampled_from(
    ["中国经济网", "新华社", "IT之家", "本报", "北京", "8月1日", "8 月 17 日", "17日", "讯", "电", "消息",
     " ", "，", "。", "网", "社", "报", "日"]
)


@PROPERTY
@given(text=st.lists(st.one_of(_DATELINE_PIECES, st.text(max_size=6)), max_size=60).map("".join))
@example(text="中国经济网北京8月1日讯 嘉戎技术今日收报23.82元")
def test_blanking_outlets_keeps_every_offset_and_only_blanks(text):
    # Candidates are cut from the text as written and read from the blanked one at the same offsets.
    from index.datelines import blank_outlets

    read = blank_outlets(text)
    assert len(read) == len(text)
    assert all(r == t or r == " " for r, t in zip(read, text, strict=True))
    assert blank_outlets(read) == read  # what is blanked stays blanked; nothing new turns up
