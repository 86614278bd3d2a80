"""The web chat: one static HTML file (static/index.html) with its script and style inline, no build step, no CDN.

It is served with a Content-Security-Policy that admits only its own inline script and style (by hash) and
requests to this server, so even text that slipped past the page's escaping could not run or load anything.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from fastapi.responses import HTMLResponse

_BLOCK = {tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.S) for tag in ("script", "style")}


@cache
def _page() -> tuple[str, str]:
    html = (resources.files("bot.http") / "static" / "index.html").read_text(encoding="utf-8")
    hashes = {tag: " ".join(f"'sha256-{_digest(block)}'" for block in rx.findall(html)) for tag, rx in _BLOCK.items()}
    policy = (
        "default-src 'none'; "
        f"script-src {hashes['script']}; style-src {hashes['style']}; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return html, policy


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def page_response() -> HTMLResponse:
    html, policy = _page()
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
    return HTMLResponse(html, headers=headers)
