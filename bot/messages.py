"""User-facing text, loaded from prompts/messages.toml so wording changes need no code change."""

from __future__ import annotations

import tomllib
from functools import cache

from bot.settings import PROMPTS_DIR


@cache
def _messages() -> dict[str, str]:
    with open(PROMPTS_DIR / "messages.toml", "rb") as handle:
        return tomllib.load(handle)


def message(key: str, **values) -> str:
    text = _messages()[key]
    return text.format(**values) if values else text
