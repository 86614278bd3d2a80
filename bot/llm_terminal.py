"""The LLM in the terminal: the `--llm…` options of the CLI, and answers printed token by token, then sources.

Imported by bot/cli.py at start-up, so the engine side (numpy, FAISS) is imported only when an answer is printed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

import click

from bot.llm import LLMClient
from bot.settings import PROMPTS_DIR, Settings

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.llm_answer import Turn


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
        click.option("--llm-api-key", help="API key, if the server wants one (env XUNDA_LLM_API_KEY)."),
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
) -> LLMClient | None:
    """The client the options ask for, or None for extractive answers; --llm without a server is a user error."""
    if llm is False:
        return None
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


@cache
def note(key: str, **values) -> str:
    with open(PROMPTS_DIR / "llm_messages.toml", "rb") as handle:
        text = tomllib.load(handle)[key]
    return text.format(**values) if values else text


def print_llm_answer(
    answer: Answer,
    client: LLMClient,
    write: Callable[[str], None],
    previous_turn: Turn | None = None,
    debug: bool = False,
    bold: tuple[str, str] = ("【", "】"),
) -> Answer:
    """Print the model's answer as it arrives, then its sources; after a fallback, the extractive answer."""
    from bot.llm_answer import llm_answer
    from bot.render import to_text

    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        write(piece)

    final = llm_answer(answer, client, previous_turn, on_token)
    if streamed and final.features.get("llm") == "ok":
        write(to_text(replace(final, text=""), debug, bold=bold) + "\n")  # text already shown: the sources
    else:
        if streamed:
            write("\n" + note("fallback_notice") + "\n")
        write(to_text(final, debug, bold=bold) + "\n")
    return final


def answer_turn(
    engine,
    line: str,
    dates,
    client: LLMClient,
    write: Callable[[str], None],
    previous: Turn | None = None,
    debug: bool = False,
    bold: tuple[str, str] = ("【", "】"),
) -> Turn:
    """One REPL turn with the LLM: follow-up made standalone, retrieval, streamed answer; returns the turn to
    remember for the next follow-up. QuestionError from the engine propagates."""
    from bot.llm_answer import Turn
    from bot.llm_followup import rewrite_with_llm

    question = engine.validate(line)
    if previous:
        question = rewrite_with_llm(question, previous.question, previous.answer, client)
        if question != line:
            write(note("rewritten_notice", question=question) + "\n")
    final = print_llm_answer(engine.ask(question, dates), client, write, previous, debug, bold)
    return Turn(final.question, final.text)
