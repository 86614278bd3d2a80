"""Command-line options shared by several commands, and the settings they resolve to.

Imported when the CLI starts, so it stays light: nothing here loads numpy, FAISS or the model.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.llm.client import LLMClient
from bot.settings import Settings, read_secret


def llm_options(func):
    """--llm/--no-llm and the server options; the command receives them as keyword arguments for llm_client."""
    options = [
        click.option(
            "--llm/--no-llm",
            "llm",
            default=None,
            help="Write the answer with an LLM (default: when a server and model are configured).",
        ),
        click.option(
            "--llm-base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (env XUNDA_LLM_BASE_URL)."
        ),
        click.option("--llm-model", help="Model name on that server (env XUNDA_LLM_MODEL)."),
        click.option(
            "--llm-api-key", help="API key, if the server wants one; shows in `ps`: prefer env XUNDA_LLM_API_KEY."
        ),
        click.option(
            "--llm-api-key-file",
            type=click.Path(path_type=Path, exists=True, dir_okay=False),
            help="Read the API key from this file instead.",
        ),
        click.option(
            "--llm-timeout",
            type=click.FloatRange(min=0.1),
            help="Seconds to wait for the whole reply before answering extractively (env XUNDA_LLM_TIMEOUT).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def llm_client(
    settings: Settings,
    llm: bool | None = None,
    llm_base_url: str | None = None,
    llm_model: str | None = None,
    llm_api_key: str | None = None,
    llm_timeout: float | None = None,
    llm_api_key_file: Path | None = None,
) -> LLMClient | None:
    """The client the options ask for, or None for extractive answers; --llm without a server is a user error."""
    if llm is False:
        return None
    if llm_api_key and llm_api_key_file:
        raise click.ClickException("give the API key once: --llm-api-key or --llm-api-key-file")
    if llm_api_key_file:
        try:
            llm_api_key = read_secret(llm_api_key_file, "--llm-api-key-file")
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    settings = settings.with_(
        llm_base_url=llm_base_url, llm_model=llm_model, llm_api_key=llm_api_key, llm_timeout=llm_timeout
    )
    client = LLMClient.from_settings(settings)
    if client is None and llm:
        raise click.ClickException(
            "--llm needs a server and a model: --llm-base-url and --llm-model "
            "(or XUNDA_LLM_BASE_URL and XUNDA_LLM_MODEL)"
        )
    return client


def feed_options(func):
    """--feeds/--refresh/--fetch-full-text for the long-running front ends (`telegram`, `serve`)."""
    options = [
        click.option(
            "--feeds",
            "feeds_file",
            type=click.Path(path_type=Path, exists=True, dir_okay=False),
            help="RSS/Atom feed list to pull at start and every --refresh (default: env XUNDA_FEEDS).",
        ),
        click.option("--refresh", help="Pull the feeds at this interval, e.g. 30m (default: env XUNDA_FEED_REFRESH)."),
        click.option(
            "--fetch-full-text",
            is_flag=True,
            default=None,
            help="Fetch the article page of feed items that carry only a summary (needs trafilatura).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def with_feeds(
    settings: Settings, feeds_file: Path | None, refresh: str | None, fetch_full_text: bool | None
) -> Settings:
    """The settings with the feed options applied; --refresh without a feed list is a user error (ValueError)."""
    from bot.settings import parse_duration

    settings = settings.with_(
        feeds_file=feeds_file, feed_refresh_seconds=parse_duration(refresh), feed_full_text=fetch_full_text
    )
    if settings.feed_refresh_seconds and not settings.feeds_file:
        raise ValueError("--refresh needs a feed list: --feeds FILE (or env XUNDA_FEEDS)")
    return settings
