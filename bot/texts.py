"""All user-facing text and LLM prompt templates, loaded from prompts/ so wording changes need no code change.

- messages.toml: wording shared by every front end (answers, sources, follow-up notices, the REPL);
- telegram.toml: the Telegram bot's own wording and its command menu;
- llm_*.md: the prompt templates of the optional LLM path.
"""

from __future__ import annotations

import tomllib
from functools import cache

from bot.settings import PROMPTS_DIR


@cache
def _toml(name: str) -> dict:
    with open(PROMPTS_DIR / name, "rb") as handle:
        return tomllib.load(handle)


def _format(text: str, values: dict) -> str:
    return text.format(**values) if values else text


def message(key: str, **values) -> str:
    """Wording shared by the CLI, the REPL, the Telegram bot and the HTTP server."""
    return _format(_toml("messages.toml")[key], values)


def telegram_text(key: str, **values) -> str:
    """The Telegram bot's own wording."""
    return _format(_toml("telegram.toml")[key], values)


def telegram_commands() -> list[tuple[str, str]]:
    """(command, description) pairs for the Telegram client's menu, in order."""
    return list(_toml("telegram.toml")["commands"].items())


@cache
def template(name: str) -> str:
    """An LLM prompt template (prompts/llm_*.md)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")
