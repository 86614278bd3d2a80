"""The interactive REPL: line editing and history (prompt_toolkit), answers with sources, a debug toggle."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import click

from bot.cli.terminal import print_turn
from bot.core.conversation import Conversation
from bot.core.engine import Engine, QuestionError
from bot.llm.client import LLMClient
from bot.texts import message
from index.dates import DateRange


def _lines_from_terminal(engine: Engine) -> Iterator[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history = engine.settings.index_dir.parent / "repl_history"
    history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
    while True:
        yield session.prompt("问> ")


def _lines_from_pipe() -> Iterator[str]:
    for line in sys.stdin:
        yield line.rstrip("\n")


def run_repl(
    engine: Engine,
    debug: bool = False,
    since: str | None = None,
    until: str | None = None,
    lines: Iterator[str] | None = None,
    echo: Callable[[str], None] = click.echo,
    llm: LLMClient | None = None,
    write: Callable[[str], None] | None = None,
) -> None:
    """Answer lines until Ctrl-D, Ctrl-C or /quit. Slash-commands change settings for the session.

    With an LLM client, answers stream through `write` (text without an added newline) as they arrive.
    """
    write = write or (lambda text: click.echo(text, nl=False))
    interactive = lines is None and sys.stdin.isatty()
    lines = lines or (_lines_from_terminal(engine) if interactive else _lines_from_pipe())
    bold = ("\033[1m", "\033[0m") if interactive else ("【", "】")
    conversation = Conversation(engine, llm, DateRange(since, until))
    echo(message("repl_welcome"))
    while True:
        try:
            line = next(lines).strip()
        except (StopIteration, EOFError, KeyboardInterrupt):
            echo(message("repl_bye"))
            return
        if not line:
            continue
        if line.startswith("/"):
            command, _, arg = line.partition(" ")
            if command in ("/quit", "/exit", "/q"):
                echo(message("repl_bye"))
                return
            if command == "/debug":
                debug = not debug
                echo(f"debug {'on' if debug else 'off'}")
            elif command in ("/since", "/until"):
                ok, value = _parse_date(arg, echo)
                if ok:
                    dates = conversation.dates
                    dates = DateRange(value, dates.until) if command == "/since" else DateRange(dates.since, value)
                    conversation.dates = dates
                    echo(f"日期范围：{dates.since or '…'} 至 {dates.until or '…'}")
            elif command == "/stats":
                for key, value in engine.stats().items():
                    echo(f"{key:>12}: {value}")
            else:
                echo(message("repl_help"))
            continue
        try:
            print_turn(conversation, line, write, debug, bold)
        except QuestionError as exc:
            echo(str(exc))
            continue
        echo("")


def _parse_date(arg: str, echo: Callable[[str], None]) -> tuple[bool, str | None]:
    """(True, ISO date) for a date, (True, None) for nothing (clears the bound), (False, None) after saying why."""
    from datetime import date

    arg = arg.strip()
    if not arg:
        return True, None
    try:
        return True, date.fromisoformat(arg).isoformat()
    except ValueError:
        echo(f"不是日期：{arg}（格式 YYYY-MM-DD）")
        return False, None
