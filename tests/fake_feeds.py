"""A fake feed server on 127.0.0.1 (port 0), speaking real HTTP, for feed ingest tests. Nothing reaches the internet.

Feeds are built from `Item`s that a test can add to or edit while the server runs, and rendered as RSS 2.0,
Atom 1.0 or RSS 1.0 (RDF), in UTF-8 or GBK. Each feed answers 304 to a matching If-None-Match or
If-Modified-Since. Bad cases are their own paths: a 404, a 500, a server slower than the client's timeout, a
truncated (malformed) document, an HTML page, a redirect loop and an oversized feed. Every request is
recorded with its headers, so tests see what was sent and what was answered.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


@dataclass
class Item:
    guid: str
    title: str
    body_html: str
    link: str
    published: datetime  # timezone-aware
    author: str | None = None


@dataclass
class Feed:
    kind: str  # "rss20", "atom" or "rss10"
    title: str
    items: list[Item] = field(default_factory=list)
    encoding: str = "utf-8"
    validators: bool = True  # send ETag / Last-Modified and honour them
    summary_only: bool = False  # RSS 2.0 without content:encoded: the description is the first paragraph only
    changed_at: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 8, 0).astimezone())

    def render(self) -> bytes:
        text = {"rss20": _rss20, "atom": _atom, "rss10": _rss10}[self.kind](self)
        return text.encode(self.encoding)


@dataclass
class Request:
    path: str
    headers: dict
    status: int


class FakeFeeds:
    def __init__(self, slow_seconds: float = 3.0):
        self.feeds: dict[str, Feed] = {}
        self.pages: dict[str, str] = {}  # path -> HTML of an article page (for --fetch-full-text)
        self.requests: list[Request] = []
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> FakeFeeds:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def add_feed(self, path: str, feed: Feed) -> str:
        self.feeds[path] = feed
        return self.url(path)

    def add_item(self, path: str, item: Item) -> None:
        with self._lock:
            feed = self.feeds[path]
            feed.items.insert(0, item)
            feed.changed_at = item.published

    def drop_oldest(self, path: str) -> None:
        """The oldest item scrolls out of the feed."""
        with self._lock:
            self.feeds[path].items.pop()

    def answered(self, path: str) -> list[int]:
        """Status codes the server gave for `path`, in order."""
        return [r.status for r in self.requests if r.path == path]

    # ---------------------------------------------------------------------------------------- responses
    def respond(self, path: str, headers: dict) -> tuple[int, dict, bytes]:
        if path in self.feeds:
            with self._lock:
                feed = self.feeds[path]
                body = feed.render()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                modified = format_datetime(feed.changed_at.astimezone().replace(microsecond=0), usegmt=False)
            out = {"Content-Type": f"application/{'atom' if feed.kind == 'atom' else 'rss'}+xml"
                   + ("; charset=utf-8" if feed.encoding == "utf-8" else "")}
            if feed.validators:
                out.update({"ETag": etag, "Last-Modified": modified})
                if headers.get("if-none-match") == etag or (
                    "if-none-match" not in headers and headers.get("if-modified-since") == modified
                ):
                    return 304, out, b""
            return 200, out, body
        if path in self.pages:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.pages[path].encode()
        if path == "/500":
            return 500, {"Content-Type": "text/plain"}, b"internal error"
        if path == "/slow":
            time.sleep(self.slow_seconds)
            return 200, {"Content-Type": "application/rss+xml"}, _rss20(Feed("rss20", "慢")).encode()
        if path == "/truncated":
            whole = _rss20(Feed("rss20", "断了", [_sample_item("t1")])).encode()
            return 200, {"Content-Type": "application/rss+xml"}, whole[: len(whole) * 2 // 3]
        if path == "/page.html":
            page = "<html><body><p>这是一个网页，不是订阅源。</p></body></html>"
            return 200, {"Content-Type": "text/html"}, page.encode()
        if path == "/loop":
            return 302, {"Location": "/loop"}, b""
        if path == "/to-file":
            return 302, {"Location": "file:///etc/passwd"}, b""
        if path == "/huge":
            return 200, {"Content-Type": "application/rss+xml"}, b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>"
        return 404, {"Content-Type": "text/plain"}, b"not found"


def article_page(title: str, body_html: str) -> str:
    """A news page as sites serve it: navigation, the article, related links and a footer around it."""
    nav = "".join(f'<li><a href="/c{n}">频道{n}</a></li>' for n in range(8))
    related = "".join(f'<li><a href="/r{n}">相关阅读：另一篇报道第{n}篇</a></li>' for n in range(5))
    return (f"<html><head><title>{escape(title)} - 示例新闻网</title></head><body><nav><ul>{nav}</ul></nav>"
            f"<article><h1>{escape(title)}</h1>{body_html}</article><aside><ul>{related}</ul></aside>"
            "<footer>版权所有 © 示例新闻网 京ICP备00000000号</footer></body></html>")


def _sample_item(guid: str) -> Item:
    return Item(guid, "样例", "<p>样例正文。</p>", f"http://example.invalid/{guid}", datetime(2026, 1, 1).astimezone())


def _rss20(feed: Feed) -> str:
    items = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<guid isPermaLink=\"false\">{escape(i.guid)}</guid>"
        f"<pubDate>{format_datetime(i.published)}</pubDate>"
        + (f"<author>{escape(i.author)}</author>" if i.author else "")
        + f"<description>{escape(_first_paragraph(i.body_html))}</description>"
        + ("" if feed.summary_only else f"<content:encoded><![CDATA[{i.body_html}]]></content:encoded>")
        + "</item>"
        for i in feed.items
    )
    return (
        f'<?xml version="1.0" encoding="{feed.encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(feed.title)}</title><link>http://example.invalid/</link>"
        f"<description>{escape(feed.title)}</description>{items}</channel></rss>"
    )


def _atom(feed: Feed) -> str:
    entries = "".join(
        f"<entry><title>{escape(i.title)}</title><id>{escape(i.guid)}</id>"
        f'<link rel="alternate" href="{escape(i.link)}"/>'
        f"<published>{i.published.isoformat()}</published><updated>{i.published.isoformat()}</updated>"
        + (f"<author><name>{escape(i.author)}</name></author>" if i.author else "")
        + f'<content type="html">{escape(i.body_html)}</content></entry>'
        for i in feed.items
    )
    return (
        f'<?xml version="1.0" encoding="{feed.encoding}"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(feed.title)}</title><id>urn:fake:{escape(feed.title)}</id>"
        f"<updated>{feed.changed_at.isoformat()}</updated>{entries}</feed>"
    )


def _rss10(feed: Feed) -> str:
    items = "".join(
        f'<item rdf:about="{escape(i.link)}"><title>{escape(i.title)}</title><link>{escape(i.link)}</link>'
        f"<dc:date>{i.published.isoformat()}</dc:date>"
        + (f"<dc:creator>{escape(i.author)}</dc:creator>" if i.author else "")
        + f"<description>{escape(i.body_html)}</description></item>"
        for i in feed.items
    )
    return (
        f'<?xml version="1.0" encoding="{feed.encoding}"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="http://example.invalid/"><title>{escape(feed.title)}</title>'
        f"<link>http://example.invalid/</link><description>{escape(feed.title)}</description></channel>"
        f"{items}</rdf:RDF>"
    )


def _first_paragraph(body_html: str) -> str:
    return body_html.split("</p>", 1)[0].removeprefix("<p>")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that gave up (the timeout case) closes its socket mid-reply: normal here."""


def _handler(fake: FakeFeeds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urlparse(self.path).path
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, body = fake.respond(path, headers)
            fake.requests.append(Request(path, headers, status))
            self.send_response(status)
            for key, value in out.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
