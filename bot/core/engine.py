"""The answer engine: the model and the live index in memory, questions in, answers out.

Picks up a new index version by itself between questions (a cheap read of the CURRENT pointer), so a
running REPL or bot follows ingests without a restart.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import replace
from pathlib import Path

from bot.core.answer import Answer, Thresholds, compose
from bot.settings import Settings
from bot.texts import message
from index.backends import IndexUnavailable, open_backend
from index.chunking import Chunker, ChunkingSettings
from index.dates import (
    ANY_DATE,
    DateRange,
    mentioned_month,
    newest_date,
    newest_first,
    recent_window,
    without_recent_words,
)
from index.documents import Document
from index.embedding import Embedder, make_embedder
from index.ingest import IngestReport, load_paths
from index.search import Hit, Searcher
from index.store import StoreError
from index.tokenize import warm_up

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long); the message is for the user."""


def validate_question(question: str, max_chars: int) -> str:
    """The question with whitespace tidied; QuestionError (a message for the user) if it cannot be asked."""
    question = " ".join((question or "").split())
    if not question:
        raise QuestionError(message("empty_question"))
    if len(question) > max_chars:
        raise QuestionError(message("question_too_long", length=len(question), limit=max_chars))
    return question


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.chunker = Chunker(ChunkingSettings(settings.chunk_size, settings.chunk_overlap))
        self._searcher: Searcher | None = None
        self._version: str | None = None
        self._unloadable: str | None = None  # a live version that failed to load while an older one answers
        self._newest: str | None = None  # date of the newest document in the live version
        self._reload_lock = threading.Lock()
        self.backend = open_backend(settings.index_dir, settings.milvus_uri, settings.milvus_token)
        self._ingest_lock = threading.Lock()  # uploads, feed pulls: one writer in this process

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, show_progress: bool = False) -> Engine:
        """Load the model and the live index, building one from the bundled corpus if there is none."""
        engine = cls(settings, embedder or make_embedder(
            settings.model_path, settings.embedding_backend, settings.cache_dir, lazy=False
        ))
        warm_up()
        if engine.backend.current_version() is None:
            if show_progress:
                print(message("building_index"), file=sys.stderr, flush=True)
            engine.ingest([settings.corpus_dir], replace_all=True, show_progress=show_progress)
        engine.refresh()
        return engine

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self.refresh()
        assert self._searcher is not None
        return self._searcher

    def refresh(self) -> bool:
        """Load the live index version if it changed since the last look; True when it did."""
        version = self.backend.current_version()
        if version is not None and version == self._version or self._searcher and version == self._unloadable:
            return False
        with self._reload_lock:
            version = self.backend.current_version()
            if version is not None and version == self._version or self._searcher and version == self._unloadable:
                return False
            try:
                self._searcher = self.backend.searcher(self.embedder)
            except StoreError as exc:
                # A version deleted or damaged under a running bot: keep answering from the one in memory, and
                # do not try that version again at every question (each try would read and hash it again).
                if self._searcher is None or isinstance(exc, IndexUnavailable):
                    raise
                self._unloadable = version
                log.warning("%s; still answering from version %s", exc, self._version)
                return False
            data = self._searcher.data
            self._newest = newest_date(data.documents.values())
            if self._version is not None:
                log.info("index reloaded: version %s", data.version)
            self._version = data.version
            return True

    def validate(self, question: str) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def ask(self, question: str, dates: DateRange = ANY_DATE) -> Answer:
        return self.ask_with_hits(question, dates)[0]

    def ask_with_hits(
        self, question: str, dates: DateRange = ANY_DATE, thresholds: Thresholds | None = None
    ) -> tuple[Answer, list[Hit]]:
        """The answer and the passages it was chosen from (for evaluation and debugging).

        A question naming a month (2022年6月) looks first at the news of that month; if they do not
        answer it, at everything (the month may be the period a figure covers, not the publication date).
        A question asking for recent news (最近/最新/今天/本周) looks first at the corpus's last days, the same way.
        `thresholds` replaces the shipped decision (the fitting script passes one that answers everything).
        """
        decide = thresholds or Thresholds()
        question = self.validate(question)
        try:
            return self._ask_with_hits(question, dates, decide)
        except IndexUnavailable as exc:  # the Milvus server is gone: a polite reply; the next question retries
            log.warning("%s", exc)
            return Answer(question, message("index_unavailable"), False, ()), []

    def _ask_with_hits(self, question: str, dates: DateRange, decide: Thresholds) -> tuple[Answer, list[Hit]]:
        self.refresh()
        searcher = self.searcher  # one version for the whole question, whatever happens meanwhile
        # 最近/最新/今天/本周 say when, not what: they pick a date window and are not terms for articles to match.
        asked = without_recent_words(question)
        month = None if dates else mentioned_month(question)
        recent = None if dates or month else recent_window(question, self._newest)
        for window in (month, recent):
            if window is not None:
                hits = searcher.search(asked, k=self.settings.top_k, dates=window)
                answer = compose(asked, hits, searcher, message("not_found"), decide)
                if answer.answerable:
                    return replace(answer, question=question), hits
        hits = searcher.search(asked, k=self.settings.top_k, dates=dates)
        return replace(compose(asked, hits, searcher, message("not_found"), decide), question=question), hits

    def dense_baseline(self, question: str, k: int = 20) -> list[Hit]:
        """Dense-only retrieval with nothing else: the naive baseline `xunda eval` scores beside xunda."""
        return self.searcher.dense_only(question, k=k)

    def document(self, doc_id: str) -> Document:
        return self.searcher.data.documents[doc_id]

    def ingest(
        self, paths: list[Path], *, replace_all: bool = False, prune: bool = False, show_progress: bool = False
    ) -> IngestReport:
        documents, failed = load_paths(
            paths, self.settings.max_file_bytes, show_progress, follow_symlinks=self.settings.follow_symlinks
        )
        return self.ingest_documents(
            documents, failed=failed, replace_all=replace_all, prune=prune, show_progress=show_progress
        )

    def ingest_documents(self, documents: dict[str, Document], **options) -> IngestReport:
        with self._ingest_lock:
            report = self.backend.ingest(documents, self.embedder, self.chunker, **options)
        self.refresh()
        return report

    def stats(self) -> dict:
        return self.backend.summary(self.searcher)

    def latest(self, limit: int = 10, since: str | None = None) -> list[Document]:
        """The most recently published documents of the live version, newest first (`latest`, /latest)."""
        self.refresh()
        return newest_first(self.searcher.data.documents.values(), limit, since)
