"""The bot's own wording, from prompts/telegram.toml (the shared answer wording stays in messages.toml)."""

from __future__ import annotations

import tomllib
from functools import cache

from bot.settings import PROMPTS_DIR


@cache
def _texts() -> dict:
    with open(PROMPTS_DIR / "telegram.toml", "rb") as handle:
        return tomllib.load(handle)


def text(key: str, **values) -> str:
    value = _texts()[key]
    return value.format(**values) if values else value


def commands() -> list[tuple[str, str]]:
    """(command, description) pairs for the client's menu, in order."""
    return list(_texts()["commands"].items())
