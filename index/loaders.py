"""Turn news files (or uploaded text) into `Document`s.

The format is recognised from the content, in this order:
  1. YAML front matter + HTML or markdown body (reposted articles, e.g. the finews / 36kr files);
  2. one article per line: "2023-08-16 18:24:57，正文：…" (CRUD news dumps);
  3. a scraped news-list page: title, body, "YYYY-MM-DD HH:MM:SS 查看全文" blocks;
  4. an HTML page (also whenever the file is .html/.htm);
  5. plain text / markdown.
"""

from __future__ import annotations

import email.utils
import logging
import os
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path, PurePath

import frontmatter
import yaml

from index.documents import Document, document_id
from index.encoding import NotTextError, decode_bytes
from index.html_text import clean_line, html_to_text, is_nav_line

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
HTML_SUFFIXES = {".html", ".htm"}
CHINA_TZ = timezone(timedelta(hours=8))  # naive dates in Chinese news are Beijing time


class LoadError(Exception):
    """A file that cannot be ingested; str() is one line meant for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


# ---------------------------------------------------------------------------------------------- public API


def discover(
    paths: list[Path], placed: bool = False, follow_symlinks: bool = False
) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Expand files and folders into (file, doc_id_base) pairs, plus (path, reason) for paths not found or skipped.

    Folders are walked recursively in sorted order, skipping hidden entries and unsupported suffixes; the
    doc_id_base is then the path relative to the folder. A file named directly is always attempted.
    A symlink inside a folder that leads out of it is skipped (and reported) unless follow_symlinks.
    placed: the base also says where the file is (`document_id`), as the documents of an index need.
    """
    found: list[tuple[Path, str]] = []
    missing: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(file: Path, base: str) -> None:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            found.append((file, base))

    for path in map(Path, paths):
        if path.is_file():
            add(path, document_id(path.parent, path.name) if placed else path.name)
        elif path.is_dir():
            for rel in _walk(path, follow_symlinks, missing):
                add(path / rel, document_id(path, rel.as_posix()) if placed else rel.as_posix())
        elif path.exists():
            missing.append((str(path), "not a regular file or folder"))
        else:
            missing.append((str(path), "no such file or directory"))
    return found, missing


def load_file(path: Path, doc_id_base: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    """Read, decode and parse one file. Raises LoadError for anything that is not a readable news file."""
    path = Path(path)
    if path.is_dir():
        raise LoadError("is a folder, not a file")
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            # Read at most one byte past the limit: enough to refuse a file whose size stat() misreports.
            data = fh.read(max_bytes + 1) if size <= max_bytes else b""
    except FileNotFoundError:
        raise LoadError("no such file or directory") from None
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    size = max(size, len(data))
    if size > max_bytes:
        raise LoadError(f"file is {_human_size(size)}, over the {_human_size(max_bytes)} limit")
    if not data.strip():
        raise LoadError("empty file")
    try:
        text = decode_bytes(data)
    except NotTextError:
        raise LoadError("binary file, not text") from None
    return load_text(text, doc_id_base, str(path.resolve()), path.suffix.lower())


def load_text(raw: str, doc_id_base: str, source_path: str = "", suffix: str = ".txt") -> list[Document]:
    """Parse already-decoded text into one or more Documents."""
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise LoadError("binary file, not text")
    text = strip_controls(text)
    if not text.strip():
        raise LoadError("empty file")
    suffix = suffix.lower()
    return [_without_controls(doc) for doc in _parse(text, doc_id_base, source_path, suffix)]


def _parse(text: str, doc_id_base: str, source_path: str, suffix: str) -> list[Document]:
    if text.lstrip().startswith("---"):
        post = _front_matter(text)
        if post.metadata:
            return [_front_matter_article(post, doc_id_base, source_path, suffix)]
    lines = text.split("\n")
    if suffix not in HTML_SUFFIXES:  # the line-based formats are plain text dumps
        if _is_line_per_article(lines):
            return _line_articles(lines, doc_id_base, source_path)
        if any(_LIST_DATE_LINE.match(line.strip()) for line in lines):
            return _news_list(lines, doc_id_base, source_path)
    return [_single_article(text, doc_id_base, source_path, suffix)]


# C0 controls except tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates: in a title they
# would reach the user's terminal raw (an escape sequence can retitle the window) or reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and newline stay)."""
    return _CONTROLS.sub("", text)


def _without_controls(doc: Document) -> Document:
    """The raw text was cleaned before parsing; this catches what YAML escapes and HTML entities decode to."""
    fields = (doc.title, doc.text, doc.outlet or "", doc.url or "")
    if not any(_CONTROLS.search(value) for value in fields):
        return doc
    paragraphs = [p for p in (clean_line(strip_controls(p)) for p in doc.text.split("\n\n")) if p]
    if not paragraphs:
        raise LoadError("no article text found")
    return replace(
        doc,
        title=clean_line(strip_controls(doc.title)) or _stem(doc.doc_id.split("#", 1)[0]),
        text="\n\n".join(paragraphs),
        outlet=clean_line(strip_controls(doc.outlet or "")) or None,
        url=strip_controls(doc.url or "").strip() or None,
    )


# ------------------------------------------------------------------------------------------ single article


def _front_matter(text: str) -> frontmatter.Post:
    try:
        return frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise LoadError(f"malformed front matter: {_yaml_problem(exc)}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        return f"{exc.problem}{where}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _front_matter_article(post: frontmatter.Post, base: str, source_path: str, suffix: str) -> Document:
    meta = post.metadata
    body, footer_url = _split_footer(post.content)
    title = _meta_text(meta, "title")
    outlet = url = None
    if suffix in HTML_SUFFIXES or _looks_like_html(body):
        page = html_to_text(body)
        paragraphs, outlet, url = page.paragraphs, page.outlet, page.source_url
        title = title or page.title
    elif title:
        paragraphs = _text_paragraphs(body)
    else:
        title, paragraphs = _text_title_and_paragraphs(body)
    return _document(
        base,
        source_path,
        title=title or _stem(base),
        paragraphs=paragraphs,
        outlet=outlet or _meta_text(meta, "source", "author") or _tag_outlet(meta.get("tags")),
        date=parse_date(meta.get("date")),
        url=footer_url or _meta_url(meta) or url,
    )


def _single_article(text: str, base: str, source_path: str, suffix: str) -> Document:
    body, url = _split_footer(text)
    outlet = None
    if suffix in HTML_SUFFIXES or _looks_like_html(body):
        page = html_to_text(body)
        paragraphs, outlet, url = page.paragraphs, page.outlet, url or page.source_url
        title = page.title
        if title is None:
            title, paragraphs = _guess_title(paragraphs)
    else:
        title, paragraphs = _text_title_and_paragraphs(body)
    return _document(
        base, source_path, title=title or _stem(base), paragraphs=paragraphs, outlet=outlet, url=url
    )


def _document(base: str, source_path: str, *, title: str, paragraphs: list[str], **fields) -> Document:
    title = clean_line(title)
    if len(paragraphs) > 1 and _strip_heading(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]  # the page repeats its title as the first heading
    if not paragraphs:
        raise LoadError("no article text found")
    return Document(doc_id=base, title=title, text="\n\n".join(paragraphs), source_path=source_path, **fields)


_TAG = re.compile(
    r"<(?:p|div|br|h[1-6]|span|a|img|center|table|ul|ol|li|strong|b|section|article)\b[^<>]*>", re.I
)


def _looks_like_html(text: str) -> bool:
    start = text.lstrip()[:20].lower()
    return start.startswith(("<!doctype", "<html")) or len(_TAG.findall(text[:50_000])) >= 3


# "<http://…>" on its own line: the repost's canonical URL.
_AUTOLINK_LINE = re.compile(r"^<(https?://[^>\s]+)>$")


def _split_footer(body: str) -> tuple[str, str | None]:
    """Drop the trailing "<http…>" and "[返回…](…)" lines after an article; return (body, url)."""
    lines = body.rstrip().split("\n")
    url = None
    while lines:
        last = lines[-1].strip()
        link = _AUTOLINK_LINE.match(last)
        if link:
            url = url or link.group(1)
        elif last and not is_nav_line(last):
            break
        lines.pop()
    return "\n".join(lines), url


# ---------------------------------------------------------------------------------- plain text / markdown

_HEADING = re.compile(r"^#{1,6}\s+")
_BLOCK_START = re.compile(r"^(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>)")
_BLANK_LINE = re.compile(r"\n\s*\n")


def _text_title_and_paragraphs(body: str) -> tuple[str | None, list[str]]:
    return _guess_title(_text_paragraphs(body), raw_first=_first_line(body))


def _text_paragraphs(body: str) -> list[str]:
    """Blank lines separate paragraphs. Inside a block, Chinese text keeps one paragraph per line, while
    hard-wrapped Western prose is joined back into one paragraph."""
    paragraphs: list[str] = []
    for block in _BLANK_LINE.split(body):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        wrapped = all(line.isascii() for line in lines) and not any(_BLOCK_START.match(x) for x in lines[1:])
        for line in [" ".join(lines)] if wrapped and lines else lines:
            text = clean_line(_strip_heading(line))
            if text and not is_nav_line(text):
                paragraphs.append(text)
    return paragraphs


def _guess_title(paragraphs: list[str], raw_first: str | None = None) -> tuple[str | None, list[str]]:
    """Title = a leading markdown heading, or a short first line that does not read like a sentence."""
    if len(paragraphs) < 2:  # a lone line is the text, not a title
        return None, paragraphs
    first = paragraphs[0]
    is_heading = raw_first is not None and _HEADING.match(raw_first) is not None
    if is_heading or (
        len(first) <= 80 and "。" not in first and not first.endswith((".", "；", ";", "，", ","))
    ):
        return first, paragraphs[1:]
    return None, paragraphs


def _first_line(text: str) -> str | None:
    return next((line.strip() for line in text.split("\n") if line.strip()), None)


def _strip_heading(line: str) -> str:
    return _HEADING.sub("", line.strip()).strip()


# ------------------------------------------------------------------------------------- one article per line

_LINE_RECORD_STRICT = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?[，,]\s*正文[：:]")
# Lenient per-line parse: the date field may be missing, lack the year ("07-20 15:29") or be bracketed.
_LINE_RECORD = re.compile(r"^(?P<when>[^，,\n]{0,60}?)[，,]\s*正文[：:](?P<body>.*)$")


def _is_line_per_article(lines: list[str]) -> bool:
    nonempty = [line for line in lines if line.strip()]
    matches = sum(1 for line in nonempty if _LINE_RECORD_STRICT.match(line.strip()))
    return matches * 2 > len(nonempty)


def _line_articles(lines: list[str], base: str, source_path: str) -> list[Document]:
    docs, skipped = [], 0
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _LINE_RECORD.match(line.strip())
        # Tabs separate paragraphs in some scraped bodies (clean_line strips the spaces around them).
        paragraphs = [p for p in map(clean_line, record["body"].split("\t")) if p] if record else []
        if not paragraphs:
            skipped += 1
            continue
        docs.append(
            Document(
                doc_id=f"{base}#{lineno}",
                title=_first_sentence(paragraphs[0]),
                text="\n\n".join(paragraphs),
                date=parse_date(record["when"]),  # type: ignore[index]  # paragraphs imply a record
                source_path=source_path,
            )
        )
    if not docs:
        raise LoadError(f"no readable articles: all {skipped} lines are malformed")
    if skipped:
        log.warning("%s: skipped %d malformed line(s)", base, skipped)
    return docs


_SENTENCE_STOP = re.compile(r"[。！？]")


def _first_sentence(text: str, limit: int = 60) -> str:
    end = _SENTENCE_STOP.search(text)
    return text[: min(end.start(), limit) if end else limit].strip()


# --------------------------------------------------------------------------------------- news-list pages

_LIST_DATE_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s*查看全文$")
# "…来源:品玩" at the end of a body. No `\s*` before 来源 and no optional name between two `\s*`: either would
# make a long run of spaces cost quadratic time; the body is rstripped where the tail is cut off.
_SOURCE_TAIL = re.compile(r"来源\s*[:：]\s*(?:(\S{1,40})\s*)?$")


def _news_list(lines: list[str], base: str, source_path: str) -> list[Document]:
    """Blocks of title, body line(s), then "YYYY-MM-DD HH:MM:SS 查看全文"; one Document per block."""
    docs: list[Document] = []
    block: list[str] = []
    for line in map(clean_line, lines):
        stamp = _LIST_DATE_LINE.match(line)
        if stamp is None:
            if line:
                block.append(line)
            continue
        title, paragraphs = _list_entry(block)
        block = []
        if not paragraphs:
            continue
        outlet = None
        tail = _SOURCE_TAIL.search(paragraphs[-1])
        if tail:  # "…来源:品玩" ends the body; "来源:" alone names nobody
            outlet = tail.group(1) or None
            paragraphs[-1] = paragraphs[-1][: tail.start()].rstrip()
            paragraphs = [p for p in paragraphs if p]
        if paragraphs:
            doc = Document(
                doc_id=f"{base}#{len(docs) + 1}",
                title=title or _first_sentence(paragraphs[0]),
                text="\n\n".join(paragraphs),
                outlet=outlet,
                date=parse_date(stamp.group(1)),
                source_path=source_path,
            )
            docs.append(doc)
    if not docs:
        raise LoadError("news list holds no articles")
    return docs


def _list_entry(block: list[str]) -> tuple[str | None, list[str]]:
    """Split a block into (title, body). The title is the line right before the first body-like line, so
    page chrome above the first entry ("首页>新闻动态>", "行业资讯") falls away."""
    first_body = next((i for i, line in enumerate(block) if _is_body_line(line)), min(1, len(block)))
    if first_body == 0:
        return None, block
    return block[first_body - 1], block[first_body:]


def _is_body_line(line: str) -> bool:
    return len(line) > 60 or "。" in line or _SOURCE_TAIL.search(line) is not None


# ------------------------------------------------------------------------------------------------- fields

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


def parse_date(value: object) -> str | None:
    """ISO 8601 with timezone from a YAML value or a date string; naive times are taken as Beijing time."""
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):  # YAML turns "2022-01-09" into a date
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_date_text(value)
    else:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.isoformat(timespec="seconds")


def _parse_date_text(text: str) -> datetime | None:
    text = " ".join(text.strip().strip("[]").split()).replace("/", "-")
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:  # RFC 2822, e.g. "Mon, 06 Jun 2022 03:24:21 GMT"
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    return _embedded_date(text)


# A whole date (with its year) inside a longer field: "来源：中国新闻网 | 2023年08月16日 21:47:11", "… 来自北京市".
_EMBEDDED_DATE = re.compile(
    r"(?<!\d)(\d{4})\s*[-年]\s*(\d{1,2})\s*[-月]\s*(\d{1,2})(?!\d)\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


def _embedded_date(text: str) -> datetime | None:
    match = _EMBEDDED_DATE.search(text)
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _meta_text(meta: dict, *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None and (text := clean_line(str(value))):
            return text
    return None


def _meta_url(meta: dict) -> str | None:
    for key in ("url", "link", "source_url", "original_url"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip().startswith(("http://", "https://")):
            return value.strip()
    return None


def _tag_outlet(tags: object) -> str | None:
    """finews tags name the outlet's section: "读创新闻" → "读创"."""
    tag = _meta_text({"tags": tags}, "tags")
    return (tag.removesuffix("新闻").strip() or None) if tag else None


def _stem(doc_id_base: str) -> str:
    return PurePath(doc_id_base).stem or doc_id_base


def _human_size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _walk(folder: Path, follow_symlinks: bool = False, skipped: list[tuple[str, str]] | None = None) -> list[PurePath]:
    """Supported, non-hidden files under folder, as sorted relative paths.

    A symlink whose target leaves the folder (a file, or a folder to descend into) is read only with
    follow_symlinks; otherwise it goes to `skipped` as (path, reason). A link back up the tree is not descended.
    """
    root_real = os.path.realpath(folder)
    visited = set()

    def allowed(path: Path) -> bool:
        if not path.is_symlink():
            return True
        real = os.path.realpath(path)
        if not follow_symlinks and os.path.commonpath([root_real, real]) != root_real:
            if skipped is not None:
                skipped.append((str(path), "symlink leads out of the folder, skipped (--follow-symlinks reads it)"))
            return False
        return True

    found = []
    for root, dirs, files in os.walk(folder, followlinks=follow_symlinks):
        here = os.path.realpath(root)
        visited.add(here)
        # Without follow_symlinks os.walk never descends a linked folder (one inside is walked where it is).
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and allowed(Path(root, d))
            and (not follow_symlinks or os.path.realpath(Path(root, d)) not in visited)
            and os.path.commonpath([here, os.path.realpath(Path(root, d))]) != os.path.realpath(Path(root, d))
        )
        for name in files:
            supported = not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
            if supported and allowed(Path(root, name)):
                found.append(Path(root, name).relative_to(folder))
    return sorted(found, key=lambda p: p.as_posix())
