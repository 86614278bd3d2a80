"""RSS and Atom feeds as a source of documents: fetch politely, parse with feedparser, one Document per item.

Fetching (httpx): http/https only, a timeout, a size cap, a cap on redirects, an identifying User-Agent, and
ETag / Last-Modified remembered in a small state file inside the index folder, so an unchanged feed answers
304 and costs one request. Parsing (feedparser) reads RSS 0.9x/1.0/2.0 and Atom in any declared encoding.

An item's document id is the feed URL plus the item's guid (or its link), so it stays the same from one pull
to the next and an edited item replaces its old version. Its text goes through the same HTML cleaning and
control-character stripping as files. A feed that cannot be read is one FeedResult with a reason; it never
stops the other feeds.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers import expat

import feedparser
import httpx

from index.documents import Document
from index.html_text import clean_line, html_to_text
from index.loaders import parse_date, strip_controls

USER_AGENT = "xunda/0.1.0 (RSS/Atom reader of a news question-answering bot)"
STATE_FILE = "feeds.json"  # inside the index folder, beside CURRENT and versions/
# Expat's message for a document that ends before its root element closes: a truncated download.
_TRUNCATED = expat.errors.XML_ERROR_NO_ELEMENTS


class FeedError(ValueError):
    """A feed that cannot be read; str() is one line for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 15.0  # seconds: for connecting, for each read, and for the whole download
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT


# --------------------------------------------------------------------------------------------- feed lists


def is_feed_url(text: str) -> bool:
    """True for anything that looks like a URL (scheme://...), so a CLI argument is not taken for a path."""
    return "://" in text


def check_url(url: str) -> str:
    """The URL stripped, or FeedError: only http and https, with a host. No file:, ftp: or anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedError(f"only http and https feeds are read, not {parts.scheme or 'a bare path'}:")
    if not parts.hostname:
        raise FeedError("a feed URL needs a host name")
    return url


def read_feed_list(path: Path) -> list[str]:
    """One URL per line; blank lines and `#` comments (whole lines or after the URL) are skipped."""
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FeedError(f"no such feed list: {path}") from None
    except (OSError, UnicodeError) as exc:
        raise FeedError(f"cannot read the feed list {path}: {exc}") from None
    urls = []
    for line in raw.splitlines():
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if line and not line.startswith("#") and line not in urls:
            urls.append(line)
    return urls


# ------------------------------------------------------------------------------------------------- state


@dataclass
class FeedState:
    """ETag / Last-Modified per feed, and the ids of the items last read, in one small JSON file.

    Validators are only sent while the index still holds every item of the last full read: after a
    rebuild (or a lost version) the feed is fetched whole again instead of answering 304 over a gap.
    """

    path: Path
    feeds: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, index_dir: Path) -> FeedState:
        path = Path(index_dir) / STATE_FILE
        try:
            feeds = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            feeds = {}  # missing or damaged: every feed is simply fetched in full
        return cls(path, feeds if isinstance(feeds, dict) else {})

    def validators(self, url: str, live_ids: Collection[str]) -> dict[str, str]:
        entry = self.feeds.get(url) or {}
        if not all(doc_id in live_ids for doc_id in entry.get("items", [])):
            return {}
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def remember(self, result: FeedResult) -> None:
        if result.status == "read":
            self.feeds[result.url] = {
                "etag": result.etag,
                "last_modified": result.last_modified,
                "items": sorted(result.documents),
                "read_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")  # processes never share one
        partial.write_text(json.dumps(self.feeds, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, self.path)


# ---------------------------------------------------------------------------------------------- fetching


@dataclass
class Fetched:
    status: int  # 200, or 304 when the validators still hold
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


def make_client(limits: FetchLimits) -> httpx.Client:
    return httpx.Client(
        timeout=limits.timeout,
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        headers={"User-Agent": limits.user_agent, "Accept": "application/rss+xml, application/atom+xml, "
                 "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"},
    )


def fetch(client: httpx.Client, url: str, limits: FetchLimits, headers: dict[str, str] | None = None) -> Fetched:
    """GET one feed within the limits; FeedError with one line for the user otherwise."""
    deadline = time.monotonic() + limits.timeout
    try:
        with client.stream("GET", url, headers=headers or {}) as response:
            if response.status_code == 304:
                return Fetched(304)
            if response.status_code >= 400:
                raise FeedError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            check_url(str(response.url))  # httpx follows only http(s) redirects, but say so explicitly
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FeedError(f"feed is {_size(int(declared))}, over the {_size(limits.max_bytes)} limit")
            body = bytearray()
            for piece in response.iter_bytes():
                body += piece
                if len(body) > limits.max_bytes:
                    raise FeedError(f"feed is over the {_size(limits.max_bytes)} limit")
                if time.monotonic() > deadline:
                    raise FeedError(f"timed out after {limits.timeout:g} s")
            return Fetched(
                response.status_code,
                bytes(body),
                response.headers.get("content-type", ""),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise FeedError(f"timed out after {limits.timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise FeedError(f"more than {limits.max_redirects} redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise FeedError(f"redirected to an address that is not http(s) ({exc})") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"cannot fetch: {exc or type(exc).__name__}") from None


# ----------------------------------------------------------------------------------------------- parsing


@dataclass
class ParsedFeed:
    title: str | None
    documents: dict[str, Document]
    skipped: int = 0  # items with no id, no link, or no text
    note: str | None = None  # markup problems the lenient parser read through
    summary_only: set[str] = field(default_factory=set)  # ids of items without content:encoded / Atom content


def parse_feed(feed_url: str, body: bytes, content_type: str = "") -> ParsedFeed:
    """Items of an RSS or Atom document as Documents; FeedError when it is not a (complete) feed."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    markup = getattr(problem, "getMessage", None)
    if markup and markup() == _TRUNCATED:
        raise FeedError("malformed XML: the feed ends before its last element closes (truncated?)")
    if not parsed.get("version") and not parsed.entries:
        why = f" ({_line(problem)})" if markup else ""
        raise FeedError(f"not an RSS or Atom feed{why}")
    feed_title = _text(parsed.feed.get("title"))
    documents: dict[str, Document] = {}
    summary_only: set[str] = set()
    skipped = 0
    for entry in parsed.entries:
        doc = entry_document(feed_url, feed_title, entry)
        if doc is None:
            skipped += 1
            continue
        documents[doc.doc_id] = doc
        if not any((content.get("value") or "").strip() for content in entry.get("content") or []):
            summary_only.add(doc.doc_id)
    if markup and not documents:
        raise FeedError(f"malformed XML ({_line(problem)})")
    note = f"malformed XML read leniently: {_line(problem)}" if markup else None
    return ParsedFeed(feed_title, documents, skipped, note, summary_only)


# ----------------------------------------------------------------------------------------- full text


def require_full_text() -> None:
    """FeedError with the install hint when trafilatura (the optional `fulltext` extra) is missing."""
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        raise FeedError("--fetch-full-text needs trafilatura: pip install 'xunda[fulltext]'") from None


def fetch_full_text(client: httpx.Client, url: str, limits: FetchLimits) -> list[str]:
    """The article body of an item's page, read by trafilatura, fetched within the same limits as feeds."""
    import trafilatura

    page = fetch(client, check_url(url), limits)
    text = trafilatura.extract(page.body, include_comments=False, include_tables=False, favor_precision=True) or ""
    return [p for p in (clean_line(strip_controls(line)) for line in text.split("\n")) if p]


def with_full_text(
    client: httpx.Client, feed: ParsedFeed, live: Mapping[str, Document], limits: FetchLimits
) -> tuple[dict[str, Document], int, int]:
    """The feed's documents, summary-only items replaced by their page's article text when that is longer.

    A page is fetched once: an item the index already holds with a longer text than its summary keeps that
    text, so a feed that changed does not re-fetch every page it lists. A page that fails keeps the summary
    (and is tried again at the next pull). Returns (documents, pages fetched, pages failed).
    """
    documents, fetched, failed = {}, 0, 0
    for doc_id, doc in feed.documents.items():
        known = live.get(doc_id)
        if doc_id not in feed.summary_only or not doc.url:
            documents[doc_id] = doc
        elif known is not None and known.title == doc.title and known.url == doc.url and len(known.text) > len(
            doc.text
        ):
            documents[doc_id] = replace(doc, text=known.text)
        else:
            try:
                paragraphs = fetch_full_text(client, doc.url, limits)
            except FeedError:
                failed += 1
                paragraphs = []
            else:
                fetched += 1
            body = "\n\n".join(paragraphs)
            documents[doc_id] = replace(doc, text=body) if len(body) > len(doc.text) else doc
    return documents, fetched, failed


def entry_document(feed_url: str, feed_title: str | None, entry: dict) -> Document | None:
    """One item as a Document, or None when it has neither an id nor a link, or no text at all."""
    link = _http_url(entry.get("link"))
    key = _text(entry.get("id")) or link
    if not key:
        return None
    title = _title(entry)
    paragraphs = _paragraphs(_body(entry))
    if not paragraphs:
        if not title:
            return None
        paragraphs = [title]  # a headline-only item (newsflashes): the headline is the news
    return Document(
        doc_id=f"{feed_url}#{key}",
        title=title or paragraphs[0][:60],
        text="\n\n".join(paragraphs),
        outlet=_outlet(entry) or feed_title,
        date=_date(entry),
        url=link,
        source_path=feed_url,
    )


def _title(entry: dict) -> str | None:
    title = entry.get("title") or ""
    if (entry.get("title_detail") or {}).get("type") == "text/html":
        title = " ".join(html_to_text(title).paragraphs)
    return _text(title)


def _body(entry: dict) -> tuple[str, str]:
    """(value, MIME type) of content:encoded / Atom content, else of description / summary."""
    for content in entry.get("content") or []:
        if (content.get("value") or "").strip():
            return content["value"], content.get("type") or "text/html"
    detail = entry.get("summary_detail") or {}
    return entry.get("summary") or "", detail.get("type") or "text/html"


def _paragraphs(body: tuple[str, str]) -> list[str]:
    value, mime = body
    if not value.strip():
        return []
    if mime == "text/plain":  # plain text: its newlines are its paragraphs, and "<" is just a character
        value = "".join(f"<p>{html.escape(line)}</p>" for line in value.splitlines())
    cleaned = (clean_line(strip_controls(p)) for p in html_to_text(strip_controls(value)).paragraphs)
    return [p for p in cleaned if p]


def _outlet(entry: dict) -> str | None:
    source = entry.get("source") or {}
    return _text(source.get("title") if isinstance(source, dict) else None) or _text(entry.get("author"))


def _date(entry: dict) -> str | None:
    """ISO 8601 from published, else updated, with the feed's own timezone; feedparser's UTC tuple last."""
    for key in ("published", "updated", "created"):
        if entry.get(key) and (date := parse_date(str(entry[key]))):
            return date
    for key in ("published_parsed", "updated_parsed"):
        if entry.get(key):
            year, month, day, hour, minute, second = entry[key][:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat(timespec="seconds")
    return None


def _text(value: object) -> str | None:
    return (clean_line(strip_controls(str(value))) or None) if value else None


def _http_url(value: object) -> str | None:
    """Only http(s) links become citations: a javascript: or data: link must never be rendered."""
    if not isinstance(value, str):
        return None
    url = strip_controls(value).strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def _line(problem: object) -> str:
    return " ".join(str(problem).split()) or type(problem).__name__


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


# --------------------------------------------------------------------------------------------- one pull


@dataclass
class FeedResult:
    url: str
    status: str  # "read", "not_modified" or "failed"
    documents: dict[str, Document] = field(default_factory=dict)
    reason: str = ""  # why it failed
    note: str | None = None
    skipped: int = 0
    etag: str | None = None
    last_modified: str | None = None
    full_texts: int = 0  # article pages fetched for --fetch-full-text
    full_text_failures: int = 0

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def summary(self) -> str:
        """One line for the user."""
        if self.failed:
            return f"failed: {self.url}: {self.reason}"
        if self.status == "not_modified":
            return f"feed: {self.url}: not modified (304)"
        line = f"feed: {self.url}: {len(self.documents)} items"
        if self.skipped:
            line += f", {self.skipped} skipped (no id, link or text)"
        if self.full_texts or self.full_text_failures:
            line += f", {self.full_texts} full texts fetched"
            line += f" ({self.full_text_failures} pages failed: summaries kept)" if self.full_text_failures else ""
        return line + (f"; {self.note}" if self.note else "")


def pull_feeds(
    urls: Iterable[str],
    state: FeedState,
    live: Mapping[str, Document] | None = None,
    limits: FetchLimits = FetchLimits(),
    client: httpx.Client | None = None,
    full_text: bool = False,
) -> list[FeedResult]:
    """Fetch and parse every feed; each result is read, not modified, or failed with a reason.

    `live`: the documents of the live index (validators are only sent while it holds a feed's items).
    `full_text`: fetch the page of each summary-only item not read before (see `with_full_text`).
    """
    live = live or {}
    results = []
    own_client = client is None
    client = client or make_client(limits)
    try:
        for raw in urls:
            url = raw.strip()
            try:
                check_url(url)
                fetched = fetch(client, url, limits, state.validators(url, live))
                if fetched.status == 304:
                    results.append(FeedResult(url, "not_modified"))
                    continue
                feed = parse_feed(url, fetched.body, fetched.content_type)
            except FeedError as exc:
                results.append(FeedResult(url, "failed", reason=str(exc)))
                continue
            result = FeedResult(url, "read", feed.documents, note=feed.note, skipped=feed.skipped,
                                etag=fetched.etag, last_modified=fetched.last_modified)
            if full_text:
                result.documents, result.full_texts, result.full_text_failures = with_full_text(
                    client, feed, live, limits)
            results.append(result)
    finally:
        if own_client:
            client.close()
    return results
