"""The `xunda` command: ingest, rebuild, stats, ask, repl, eval, telegram, serve.

User errors become one clean line and a non-zero exit (click.ClickException), never a traceback.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from bot.cli.options import feed_options, llm_client, llm_options, with_feeds
from bot.settings import Settings


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause or fix into one line each."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, _user_error_types()):
            raise click.ClickException(str(exc)) from None
        raise


# The errors a user can cause or fix, by defining module. Looked up only once an error is raised, among the modules
# already imported (one that was not cannot have raised it), so entering user_errors imports nothing: the command
# group's setup would otherwise import the whole engine before every command, ahead of the command's own choices.
_USER_ERRORS = {"bot.core.engine": "QuestionError", "index.embedding": "ModelError", "index.loaders": "LoadError",
                "index.store": "StoreError"}


def _user_error_types() -> tuple[type[BaseException], ...]:
    found = (getattr(sys.modules[module], name) for module, name in _USER_ERRORS.items() if module in sys.modules)
    return (ValueError, *found)


# Third-party modules whose warnings (deprecations in their own dependencies, mostly) mean nothing to a user.
# Our own warnings, and anything else, still show.
_NOISY_MODULES = r"(jieba|pkg_resources|transformers|sentence_transformers|torch|bm25s|faiss|onnxruntime|tqdm)(\.|$)"


def _quiet_libraries() -> None:
    warnings.filterwarnings("ignore", module=_NOISY_MODULES)
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*pkg_resources.*")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "transformers", "sentence_transformers", "jieba", "bm25s"):
        logging.getLogger(name).setLevel(logging.WARNING)


@click.group()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    help="Index directory (default: env XUNDA_INDEX, else ~/.local/share/xunda/index).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    help="sentence-transformers model directory (env XUNDA_MODEL; default: packaged m3e-small).",
)
@click.option(
    "--milvus-uri",
    help="Keep the index in Milvus: a local *.db file (Milvus Lite) or http://host:19530 (env XUNDA_MILVUS_URI).",
)
@click.pass_context
def cli(ctx: click.Context, index_dir: Path | None, model_path: Path | None, milvus_uri: str | None) -> None:
    """讯答 xunda: cited answers from a corpus of Chinese news."""
    _quiet_libraries()
    with user_errors():
        ctx.obj = Settings.from_env(index_dir=index_dir, model_path=model_path, milvus_uri=milvus_uri)


def open_engine(settings: Settings, show_progress: bool = True):
    from bot.core.engine import Engine

    with user_errors():
        return Engine.open(settings, show_progress=show_progress)


def print_report(report) -> None:
    for path, reason in report.failed:
        click.echo(f"failed: {path}: {reason}", err=True)
    line = (
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}"
    )
    if report.stats and report.stats.chunks_embedded:
        s = report.stats
        rate = s.chunks_embedded / s.embed_seconds if s.embed_seconds else 0
        line += f"; embedded {s.chunks_embedded} chunks ({rate:.0f}/s), reused {s.chunks_reused}"
    click.echo(line + (f"; version {report.version}" if report.version else "; index unchanged"))


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--feeds", "feeds_file", type=click.Path(path_type=Path),
              help="A file of RSS/Atom feed URLs, one per line (# comments).")
@click.option("--every", help="Pull again at this interval (e.g. 30m) until stopped, instead of once.")
@click.option("--prune", is_flag=True,
              help="Also drop documents whose files are gone, and items a feed read now no longer lists.")
@click.option("--fetch-full-text", is_flag=True, default=None,
              help="Fetch the article page of feed items that carry only a summary (needs trafilatura).")
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Embed on a Ray cluster (ray://host:10001, auto) or `local` (a Ray instance on this machine).")
@click.option("--follow-symlinks", is_flag=True,
              help="Read symlinks that lead out of a folder (by default they are skipped and listed).")
@click.pass_obj
def ingest(settings: Settings, sources: tuple[str, ...], feeds_file: Path | None, every: str | None,
           prune: bool, ray_address: str | None, fetch_full_text: bool | None, follow_symlinks: bool) -> None:
    """Add or update the articles in SOURCES: files, folders and http(s) URLs of RSS/Atom feeds."""
    if follow_symlinks:
        from dataclasses import replace

        settings = replace(settings, follow_symlinks=True)
    from bot.core.engine import Engine
    from bot.core.refresh import FeedRefresher
    from bot.settings import parse_duration
    from index.embedding import make_embedder
    from index.feeds import is_feed_url

    urls = [s for s in sources if is_feed_url(s)]
    paths = [Path(s) for s in sources if not is_feed_url(s)]
    if not sources and feeds_file is None:
        raise click.UsageError("give files, folders or feed URLs to ingest, or --feeds FILE")
    if feeds_file is not None and not feeds_file.is_file():
        raise click.ClickException(f"no such feed list: {feeds_file}")
    with user_errors():
        interval = parse_duration(every)
    missing = [str(p) for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"failed: {path}: no such file or directory", err=True)
    existing = [p for p in paths if p.exists()]
    if not existing and not urls and feeds_file is None:
        raise click.ClickException("nothing to ingest: " + ", ".join(missing))
    with user_errors():
        embedder = make_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir)
        if ray_address:
            from functools import partial

            from index.ray_embed import RayEmbedder

            embedder = RayEmbedder(
                embedder, partial(make_embedder, settings.model_path, settings.embedding_backend, settings.cache_dir),
                ray_address,
            )
        engine = Engine(settings, embedder)
        refresher = FeedRefresher(engine, urls, feeds_file, prune=prune, full_text=fetch_full_text)
        if interval is None:
            report = refresher.pull(existing, show_progress=True)
            _print_pull(report)
            if report.ingest.failed or missing:
                sys.exit(1)
            return
    import threading

    try:  # a loop that a cron job or a systemd timer could replace; a failed pull is reported and retried
        refresher.run_every(interval, threading.Event(), _print_pull, paths=existing)
    except KeyboardInterrupt:
        click.echo("")


def _print_pull(report) -> None:
    """One line per feed read or not modified, then the usual report (whose failures include the feeds')."""
    for result in report.feeds:
        if not result.failed:
            click.echo(result.summary())
    print_report(report.ingest)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def rebuild(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Rebuild the index from PATHS (default: the corpus and the Telegram uploads); others are dropped."""
    from bot.core.engine import Engine
    from index.embedding import make_embedder

    targets = list(paths) or [settings.corpus_dir] + ([settings.uploads_dir] if settings.uploads_dir.is_dir() else [])
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise click.ClickException("no such file or directory: " + ", ".join(missing))
    with user_errors():
        engine = Engine(settings, make_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir))
        report = engine.ingest(targets, replace_all=True, show_progress=True)
    print_report(report)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.pass_obj
def verify(settings: Settings) -> None:
    """Hash every file of the live index against its manifest (a load checks only sizes and times)."""
    from index import store

    with user_errors():
        result = store.verify(settings.index_dir)
    click.echo(
        f"ok: version {result['version']}, {result['files']} files, {result['bytes'] / 2**20:.1f} MiB "
        f"match their sha256 ({result['seconds']:.1f} s)"
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def stats(settings: Settings, as_json: bool) -> None:
    """Documents, chunks, model and build time of the live index."""
    from index.backends import open_backend

    with user_errors():
        info = open_backend(settings.index_dir, settings.milvus_uri, settings.milvus_token).describe()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
    else:
        for key, value in info.items():
            click.echo(f"{key:>12}: {value}")


@cli.command()
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def latest(settings: Settings, since: str | None, limit: int, as_json: bool) -> None:
    """The most recently published articles in the index, newest first."""
    from index import store
    from index.dates import newest_first

    with user_errors():
        since = _iso_date(since)
        documents = newest_first(store.load(settings.index_dir).documents.values(), limit, since)
    for doc in documents:
        if as_json:
            row = {k: getattr(doc, k) for k in ("date", "title", "outlet", "url", "doc_id")}
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            meta = " · ".join(part for part in ((doc.date or "")[:16].replace("T", " "), doc.outlet) if part)
            click.echo(f"{meta}  {doc.title}" + (f"\n    {doc.url}" if doc.url else ""))
    if not documents and not as_json:
        click.echo("no dated articles" + (f" since {since}" if since else ""), err=True)


def date_options(func):
    func = click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")(func)
    return click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")(func)


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--jsonl", is_flag=True, help="Answer each line of stdin; one JSON object per line.")
@click.option("--debug", is_flag=True, help="Show scores.")
@date_options
@llm_options
@click.pass_obj
def ask(
    settings: Settings,
    question: str | None,
    as_json: bool,
    jsonl: bool,
    debug: bool,
    since: str | None,
    until: str | None,
    **llm_flags,
) -> None:
    """Answer QUESTION from the corpus."""
    if not jsonl and _WHOLE_PROCESS:
        # One question, then _exit_now: no collection of reference cycles is worth its cost here, and the cyclic
        # collector walking every object the imports create takes ~0.15 s CPU of a ~1 s cold answer.
        gc.disable()
    from bot.core.conversation import Conversation
    from bot.core.engine import QuestionError, validate_question
    from bot.core.render import to_json
    from index.dates import DateRange

    with user_errors():
        dates = DateRange(_iso_date(since), _iso_date(until))
    llm = llm_client(settings, **llm_flags)
    if jsonl:
        engine = open_engine(settings, show_progress=False)
        failures = 0
        for line in sys.stdin:
            try:  # each line is a question of its own: a fresh conversation, no follow-ups
                row = to_json(Conversation(engine, llm, dates).ask(line).answer, debug)
            except QuestionError as exc:
                failures += 1
                row = {"question": line.strip(), "error": str(exc)}
            click.echo(json.dumps(row, ensure_ascii=False))
        sys.exit(1 if failures else 0)
    if question is None:
        raise click.UsageError('give a question, e.g. xunda ask "快手2022扶持多少快品牌", or use --jsonl')
    with user_errors():  # a question that cannot be asked fails before the model loads
        validate_question(question, settings.max_question_chars)
    engine = open_engine(settings, show_progress=not as_json)
    conversation = Conversation(engine, llm, dates)
    with user_errors():
        if as_json:
            click.echo(json.dumps(to_json(conversation.ask(question).answer, debug), ensure_ascii=False))
        else:
            from bot.cli.terminal import print_turn

            print_turn(conversation, question, lambda text: click.echo(text, nl=False), debug=debug, bold=_bold())
    _exit_now()


def _exit_now() -> None:
    """End a one-shot command without interpreter teardown: freeing jieba's dictionaries, the index and the model
    object by object costs ~0.2 s CPU after the answer is out, and nothing is left to save (the command writes
    nothing but stdout/stderr, flushed here). Only when `xunda` is the whole process (main()): a caller that runs
    the command in its own process (click's CliRunner, a test) keeps its interpreter."""
    if not _WHOLE_PROCESS:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


def _bold() -> tuple[str, str]:
    return ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("【", "】")


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


@cli.command()
@click.option("--debug", is_flag=True, help="Start with scores shown.")
@date_options
@llm_options
@click.pass_obj
def repl(settings: Settings, debug: bool, since: str | None, until: str | None, **llm_flags) -> None:
    """Ask questions interactively (line editing, history, /debug)."""
    from bot.cli.repl import run_repl

    llm = llm_client(settings, **llm_flags)
    engine = open_engine(settings)
    with user_errors():
        try:
            run_repl(engine, debug=debug, since=_iso_date(since), until=_iso_date(until), llm=llm)
        except KeyboardInterrupt:  # Ctrl-C while an answer is being computed: leave as cleanly as at the prompt
            from bot.texts import message

            click.echo("\n" + message("repl_bye"))


@cli.command(name="eval")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--details", type=click.Path(path_type=Path), help="Write per-question results (JSONL) here.")
@click.option(
    "--corpus",
    "corpus_paths",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Answer from an index of these files and folders (built once, cached), not the main index. Repeatable.",
)
@click.option("--split", type=click.Choice(["fit", "check"]), help="Only the rows of this part of the set.")
@click.pass_obj
def evaluate(
    settings: Settings,
    file: Path,
    limit: int | None,
    as_json: bool,
    details: Path | None,
    corpus_paths: tuple[Path, ...],
    split: str | None,
) -> None:
    """Score answers on FILE (xunda JSONL, SQuAD JSON, or feedback JSONL), beside a naive baseline."""
    from bot.core.evaluate import run_eval

    with user_errors():
        report = run_eval(settings, file, limit=limit, details=details, corpus_paths=corpus_paths, split=split)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else report["table"])


@cli.command()
@click.option("--token", help="Bot token; shows in `ps` and history: prefer env TELEGRAM_BOT_TOKEN or --token-file.")
@click.option("--token-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Read the bot token from this file (e.g. a systemd credential), not the command line.")
@click.option("--api-url", help="Bot API base URL (default: env XUNDA_TELEGRAM_API_URL, else api.telegram.org).")
@click.option("--webhook-url", help="Serve by webhook at this public HTTPS URL instead of long polling.")
@click.option("--listen", default="127.0.0.1", show_default=True,
              help="Webhook listen address; keep loopback behind a TLS reverse proxy, 0.0.0.0 only on purpose.")
@click.option("--port", default=8443, show_default=True, help="Webhook listen port.")
@click.option("--secret-token", help="Webhook secret token Telegram must send back (default: a random one per run).")
@click.option("--allowed-ids", help="Only these user/chat ids, comma-separated (default: env XUNDA_ALLOWED_IDS).")
@click.option("--admin-ids", help="Admin user ids: /reload and file uploads (default: env XUNDA_ADMIN_IDS).")
@click.option("--feedback", type=click.Path(path_type=Path), help="Feedback JSONL file (default: env XUNDA_FEEDBACK).")
@feed_options
@click.pass_obj
def telegram(settings: Settings, token, token_file, api_url, webhook_url, listen, port, secret_token, allowed_ids,
             admin_ids, feedback, feeds_file, refresh, fetch_full_text) -> None:
    """Run the Telegram bot (long polling; --webhook-url for webhook mode)."""
    from bot.settings import parse_ids, read_secret
    from bot.telegram.app import Webhook, run

    with user_errors():
        if token and token_file:
            raise ValueError("give the bot token once: --token or --token-file")
        if token:
            logging.getLogger("xunda").warning("--token is visible to other users in `ps`; prefer "
                                               "TELEGRAM_BOT_TOKEN or --token-file")
        token = read_secret(token_file, "--token-file") if token_file else token
        settings = settings.with_(telegram_token=token, telegram_api_url=api_url, feedback_path=feedback,
                                  allowed_ids=parse_ids(allowed_ids), admin_ids=parse_ids(admin_ids))
        settings = with_feeds(settings, feeds_file, refresh, fetch_full_text)
        run(settings, Webhook(webhook_url, listen, port, secret_token) if webhook_url else None)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Listen port.")
@llm_options
@feed_options
@click.pass_obj
def serve(
    settings: Settings,
    host: str,
    port: int,
    feeds_file: Path | None,
    refresh: str | None,
    fetch_full_text: bool | None,
    **llm_flags,
) -> None:
    """Serve the HTTP API, the OpenAI-compatible /v1/chat/completions and the web chat at /."""
    from bot.http.server import run

    with user_errors():
        settings = with_feeds(settings, feeds_file, refresh, fetch_full_text)
    llm = llm_client(settings, **llm_flags)
    engine = open_engine(settings)
    with user_errors():
        run(settings, engine, llm, host, port)


# True when the process is `xunda` itself (the console script or `python -m bot`), so a one-shot command may skip
# interpreter teardown; False when the commands run inside another program.
_WHOLE_PROCESS = False


def main() -> None:
    global _WHOLE_PROCESS
    _WHOLE_PROCESS = True
    cli(prog_name="xunda")
