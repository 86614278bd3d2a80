"""A fake Telegram Bot API server on 127.0.0.1 (port 0), speaking real HTTP, for end-to-end bot tests.

Tests push updates (`message`, `callback`, `document`), the bot long-polls them with getUpdates, and every
request it makes is recorded with its form fields decoded, so tests assert on what Telegram would have
received. Failures (429 with retry_after, 500) can be injected per method.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

TOKEN = "123456:TEST-token-never-logged"
BOT_USER = {"id": 777, "is_bot": True, "first_name": "讯答", "username": "xunda_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "link_preview_options", "allowed_updates", "entities"}


@dataclass
class Call:
    method: str
    fields: dict
    status: int  # what the fake answered: 200, or an injected failure
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_path -> content
        self._file_paths: dict[str, str] = {}  # file_id -> file_path
        self.pushed_at: dict[tuple[int, int], float] = {}  # (chat_id, message_id) -> when the update was pushed
        self._updates: list[dict] = []
        self.screen: dict[tuple[int, int], str] = {}  # (chat_id, message_id) -> the text a user sees there now
        self._failures: dict[str, deque[tuple[int, int | None]]] = defaultdict(deque)
        self._chats: dict[int, dict] = {}
        self._ids = iter(range(1, 10**9))
        self._cond = threading.Condition()
        self._stopping = False
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # ---------------------------------------------------------------------------------------- lifecycle
    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/file/bot"

    # ----------------------------------------------------------------------------------------- injecting
    def push(self, update: dict) -> dict:
        with self._cond:
            update["update_id"] = next(self._ids)
            message = update.get("message")
            if message:
                self._chats[message["chat"]["id"]] = message["chat"]
                self.pushed_at[(message["chat"]["id"], message["message_id"])] = time.monotonic()
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def message(self, text: str, user_id: int = 1001, chat_id: int | None = None, chat_type: str = "private",
                mention: bool = False, reply_to: dict | None = None, **extra) -> dict:
        """Push a message from a user; `mention` prefixes @xunda_bot with its entity."""
        chat_id = chat_id if chat_id is not None else user_id
        name = {"first_name": "U"} if chat_type == "private" else {"title": "群"}
        chat = {"id": chat_id, "type": chat_type, **name}
        body = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
                "from": {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}, **extra}
        if text is not None:
            if mention:
                text = f"@{BOT_USER['username']} {text}"
                body["entities"] = [{"type": "mention", "offset": 0, "length": len(BOT_USER["username"]) + 1}]
            elif text.startswith("/"):
                body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            body["text"] = text
        if reply_to is not None:
            body["reply_to_message"] = reply_to
        return self.push({"message": body})["message"]

    def document(self, name: str, content: bytes, user_id: int = 1001) -> dict:
        file_id = f"file{next(self._ids)}"
        self._file_paths[file_id] = f"documents/{file_id}.bin"
        self.files[self._file_paths[file_id]] = content
        doc = {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(content)}
        return self.message(None, user_id=user_id, document=doc)

    def callback(self, data: str, message: dict, user_id: int = 1001) -> dict:
        """Push a button press on `message` (as returned by sendMessage)."""
        query = {"id": str(next(self._ids)), "from": {"id": user_id, "is_bot": False, "first_name": "U"},
                 "chat_instance": "ci", "data": data, "message": message}
        return self.push({"callback_query": query})

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` calls of `method` with an error instead."""
        self._failures[method].extend([(status, retry_after)] * times)

    # --------------------------------------------------------------------------------------- inspecting
    def sent(self, method: str = "sendMessage") -> list[dict]:
        """Fields of the successful calls of `method`, in order."""
        return [c.fields for c in self.calls if c.method == method and c.status == 200]

    async def wait_for(self, method: str = "sendMessage", count: int = 1, timeout: float = 30.0,
                       where=lambda fields: True) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [f for f in self.sent(method) if where(f)]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"wanted {count} {method}, got {[(c.method, c.status) for c in self.calls]}")

    # -------------------------------------------------------------------------------------- the Bot API
    def handle(self, method: str, fields: dict) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, self._get_updates(fields)
        failures = self._failures.get(method)
        if failures:
            status, retry_after = failures.popleft()
            self.calls.append(Call(method, fields, status))
            body = {"ok": False, "error_code": status, "description": {429: "Too Many Requests", 400: "Bad Request: "
                    "message can't be edited"}.get(status, "Internal Server Error")}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return status, body
        problem = telegram_text_problem(fields) if method in ("sendMessage", "editMessageText") else None
        if problem:  # what the real Bot API refuses: too long, malformed HTML, a link it will not open
            self.calls.append(Call(method, fields, 400))
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        self.calls.append(Call(method, fields, 200))
        result = self._result(method, fields)
        if result is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        return 200, {"ok": True, "result": result}

    def _result(self, method: str, f: dict):
        if method == "getMe":
            return BOT_USER
        if method in ("deleteWebhook", "setWebhook", "setMyCommands", "sendChatAction", "answerCallbackQuery"):
            return True
        if method == "deleteMessage":
            self.screen.pop((int(f["chat_id"]), int(f["message_id"])), None)
            return True
        if method == "sendMessage":
            chat_id = int(f["chat_id"])
            message_id = next(self._ids)
            self.screen[(chat_id, message_id)] = f["text"]
            return {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                    "chat": self._chats.get(chat_id, {"id": chat_id, "type": "private"}), "text": f["text"],
                    **({"reply_markup": f["reply_markup"]} if "reply_markup" in f else {})}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat_id = int(f["chat_id"])
            if method == "editMessageText":
                self.screen[(chat_id, int(f["message_id"]))] = f["text"]
            return {"message_id": int(f["message_id"]), "date": int(time.time()), "from": BOT_USER,
                    "chat": self._chats.get(chat_id, {"id": chat_id, "type": "private"}), "text": f.get("text", "")}
        if method == "getFile":
            path = self._file_paths[f["file_id"]]
            return {"file_id": f["file_id"], "file_unique_id": f["file_id"], "file_size": len(self.files[path]),
                    "file_path": path}
        return None

    def _get_updates(self, f: dict) -> dict:
        offset, timeout = int(f.get("offset") or 0), float(f.get("timeout") or 0)
        with self._cond:
            self.calls.append(Call("getUpdates", f, 200))
            self._cond.wait_for(lambda: self._stopping or any(u["update_id"] >= offset for u in self._updates),
                                timeout=timeout)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones are gone
            return {"ok": True, "result": list(self._updates[:100])}


TELEGRAM_LIMIT = 4096
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "blockquote"}
_BAD_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[a-zA-Z-]+=\"[^\"]*\")*)\s*>|<")


def telegram_text_problem(fields: dict) -> str | None:
    """Why the Bot API would refuse this message text (None when it would accept it): what sendMessage and
    editMessageText check. HTML must use Telegram's tags, balanced, with only &lt; &gt; &amp; &quot; and numeric
    entities, and links must be http(s); the visible text must fit 4096 UTF-16 code units."""
    text = fields.get("text", "")
    if fields.get("parse_mode") == "HTML":
        if _BAD_AMP.search(text):
            return "can't parse entities: unsupported entity"
        stack, visible, cursor = [], [], 0
        for m in _TAG.finditer(text):
            visible.append(html.unescape(text[cursor : m.start()]))
            cursor = m.end()
            closing, name, attrs = m.group(1), (m.group(2) or "").lower(), m.group(3) or ""
            if not name or name not in _TAGS:
                return "can't parse entities: unsupported start tag"
            if closing:
                if not stack or stack.pop() != name:
                    return f"can't parse entities: unmatched end tag {name}"
                continue
            if name == "a":
                href = re.search(r'href="([^"]*)"', attrs)
                if not href or not re.match(r"https?://[^\s]+$", html.unescape(href.group(1)), re.I):
                    return "can't parse entities: unsupported URL protocol"
            stack.append(name)
        if stack:
            return f"can't parse entities: can't find end tag corresponding to start tag {stack[-1]}"
        visible.append(html.unescape(text[cursor:]))
        text = "".join(visible)
    if not text.strip():
        return "message text is empty"
    if len(text.encode("utf-16-le")) // 2 > TELEGRAM_LIMIT:
        return "message is too long"
    return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """Clients dropping idle keep-alive connections at shutdown are normal here, not errors."""


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # file downloads
            prefix = f"/file/bot{fake.token}/"
            path = unquote(urlparse(self.path).path)
            content = fake.files.get(path[len(prefix):]) if path.startswith(prefix) else None
            if content is None:
                self._reply(404, b"not found", "text/plain")
            else:
                fake.calls.append(Call("download", {"path": path[len(prefix):]}, 200))
                self._reply(200, content, "application/octet-stream")

        def do_POST(self) -> None:
            parts = unquote(urlparse(self.path).path).strip("/").split("/")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if len(parts) != 2 or parts[0] != f"bot{fake.token}":
                self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            fields = {}
            if body and "json" in (self.headers.get("Content-Type") or ""):
                fields = json.loads(body)
            elif body:
                fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            fields = {k: json.loads(v) if k in JSON_FIELDS and isinstance(v, str) else v for k, v in fields.items()}
            self._json(*fake.handle(parts[1], fields))

        def _json(self, status: int, body: dict) -> None:
            self._reply(status, json.dumps(body, ensure_ascii=False).encode(), "application/json")

        def _reply(self, status: int, data: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the bot gave up on a long poll at shutdown
                pass

        def log_message(self, *args) -> None:  # quiet
            pass

    return Handler
