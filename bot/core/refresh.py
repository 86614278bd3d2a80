"""Keeping the corpus current: pull the feeds (and any files) into the engine's index, once or on a schedule.

`FeedRefresher` is what every front end uses: `xunda ingest URL… / --feeds / --every`, the Telegram bot's
`--refresh` job and its admins' /reload, and `xunda serve`. A pull fetches every feed, merges the items into
one ingest and publishes a new index version only when something changed; the engine, and any other
process's engine, then swaps it in between questions (the existing hot reload).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.engine import Engine
from bot.settings import Settings
from index.documents import Document
from index.feeds import FeedError, FeedResult, FeedState, FetchLimits, pull_feeds, read_feed_list, require_full_text
from index.ingest import IngestReport, load_paths
from index.store import StoreError

log = logging.getLogger(__name__)


@dataclass
class PullReport:
    feeds: list[FeedResult] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)

    def lines(self) -> list[str]:
        """One line per feed (failed ones included), as the CLI prints them and the bot logs them."""
        return [result.summary() for result in self.feeds]


class FeedRefresher:
    """Pulls `urls` plus the URLs in `feeds_file` (re-read at every pull, so the list can be edited while a
    bot runs) into `engine`'s index. Thread-safe: pulls never overlap. `full_text` (default: the settings'
    feed_full_text) fetches the article page of items that carry only a summary."""

    def __init__(
        self,
        engine: Engine,
        urls: Sequence[str] = (),
        feeds_file: Path | None = None,
        *,
        prune: bool = False,
        limits: FetchLimits | None = None,
        full_text: bool | None = None,
    ):
        self.engine = engine
        self.urls = list(urls)
        self.feeds_file = feeds_file
        self.prune = prune
        self.limits = limits or limits_from(engine.settings)
        self.full_text = engine.settings.feed_full_text if full_text is None else full_text
        if self.full_text:
            require_full_text()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings | None = None) -> FeedRefresher | None:
        """The refresher a bot or server runs for `--feeds` (settings.feeds_file); None when there is none."""
        settings = settings or engine.settings
        return cls(engine, feeds_file=settings.feeds_file) if settings.feeds_file else None

    def feed_urls(self) -> tuple[list[str], list[tuple[str, str]]]:
        urls, failed = list(self.urls), []
        if self.feeds_file is not None:
            try:
                urls += [url for url in read_feed_list(self.feeds_file) if url not in urls]
            except FeedError as exc:
                failed.append((str(self.feeds_file), str(exc)))
        return urls, failed

    def pull(self, paths: Sequence[Path] = (), show_progress: bool = False) -> PullReport:
        """Fetch every feed (and read `paths`), ingest what is new or changed, remember the validators."""
        with self._lock:
            urls, failed = self.feed_urls()
            state = FeedState.load(self.engine.settings.index_dir)
            results = pull_feeds(urls, state, self._live(), self.limits, full_text=self.full_text)
            documents, file_failures = (
                load_paths(
                    list(paths), self.engine.settings.max_file_bytes, show_progress,
                    follow_symlinks=self.engine.settings.follow_symlinks,
                ) if paths else ({}, [])
            )
            read = [r for r in results if r.status == "read"]
            for result in read:
                documents.update(result.documents)
            # An empty feed is more likely a glitch than a wish to drop all its items: it never prunes.
            complete = frozenset(r.url for r in read if r.documents)
            failed += file_failures + [(r.url, r.reason) for r in results if r.failed]
            if not documents and not (self.prune and paths):
                report = IngestReport(failed=failed)  # only 304s and failures: not even the index is opened
            else:
                report = self.engine.ingest_documents(
                    documents, failed=failed, prune=self.prune, show_progress=show_progress,
                    sources_read=complete,
                )
            for result in read:
                state.remember(result)
            if read:
                state.save()
            return PullReport(results, report)

    def _live(self) -> dict[str, Document]:
        try:
            return self.engine.searcher.data.documents
        except StoreError:
            return {}  # no index yet, or a damaged one: fetch every feed in full

    # ------------------------------------------------------------------------------------------ schedules
    def run_every(self, seconds: float, stop: threading.Event, on_report: Callable[[PullReport], None],
                  paths: Sequence[Path] = ()) -> None:
        """Pull now, then every `seconds`, until `stop` is set (the CLI's --every; a thread for other servers)."""
        while not stop.is_set():
            on_report(self.pull_or_report(paths))
            stop.wait(seconds)

    def start_thread(self, seconds: float, on_report: Callable[[PullReport], None] | None = None) -> threading.Event:
        """Run `run_every` in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run_every, args=(seconds, stop, on_report or log_report),
                                  name="xunda-feeds", daemon=True)
        thread.start()
        return stop

    async def run_periodically(self, seconds: float | None) -> None:
        """For asyncio front ends: pull now (off the event loop), then every `seconds` (None: only now)."""
        while True:
            log_report(await asyncio.to_thread(self.pull_or_report))
            if not seconds:
                return
            await asyncio.sleep(seconds)

    def pull_or_report(self, paths: Sequence[Path] = ()) -> PullReport:
        """A pull that never raises (for schedules and chat commands): a failure is logged and reported."""
        try:
            return self.pull(paths)
        except Exception as exc:  # noqa: BLE001 (a refresh job must outlive any one bad pull)
            log.error("feed refresh failed: %s", exc, exc_info=not isinstance(exc, StoreError | OSError))
            return PullReport(ingest=IngestReport(failed=[("feeds", str(exc))]))


def start_task(refresher: FeedRefresher, seconds: float | None) -> asyncio.Task:
    """The refresher's schedule (pull now, then every `seconds`) as a task on the running event loop."""
    log.warning("pulling feeds %s", f"every {seconds:g} s" if seconds else "once, then on demand")
    return asyncio.get_running_loop().create_task(refresher.run_periodically(seconds), name="xunda-feeds")


async def stop_task(task: asyncio.Task | None) -> None:
    """Cancel a task from start_task and wait for it; a pull already running in its thread finishes alone."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):  # noqa: BLE001 (stopping: nothing left to report)
        pass


@asynccontextmanager
async def refreshing(refresher: FeedRefresher | None, seconds: float | None) -> AsyncIterator[None]:
    """The schedule running for the lifetime of the block, e.g. an ASGI server's lifespan; None: nothing."""
    task = start_task(refresher, seconds) if refresher is not None else None
    try:
        yield
    finally:
        await stop_task(task)


def limits_from(settings: Settings) -> FetchLimits:
    return FetchLimits(timeout=settings.feed_timeout, max_bytes=settings.feed_max_bytes,
                       max_redirects=settings.feed_max_redirects)


def log_report(report: PullReport) -> None:
    for line in report.lines():
        (log.warning if line.startswith("failed") else log.info)("%s", line)
    r = report.ingest
    if r.changed:
        log.warning("feeds: added %d, updated %d, removed %d; version %s", len(r.added), len(r.updated),
                    len(r.removed), r.version)
