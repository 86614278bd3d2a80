"""Where the index lives: the versioned folder beside the process (the default), or a Milvus server.

Both backends answer the same four calls, so the engine neither knows nor cares which one it has:
  current_version()  the live version's name, cheap enough to ask before every question;
  searcher(embedder) the live version, ready to search (a Searcher or a MilvusSearcher);
  ingest(...)        merge documents into a new version and make it live atomically;
  summary(searcher)  what `xunda stats` shows.
The Milvus backend is imported only when it is asked for, so the default path never loads pymilvus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from index import store
from index.chunking import Chunker
from index.documents import Document
from index.embedding import Embedder
from index.ingest import IngestReport


class IndexUnavailable(store.StoreError):
    """The index server does not answer right now: users get a polite reply, and the next question tries again."""


class IndexBackend(Protocol):
    name: str

    def current_version(self) -> str | None: ...

    def searcher(self, embedder: Embedder): ...

    def ingest(
        self,
        incoming: dict[str, Document],
        embedder: Embedder,
        chunker: Chunker,
        *,
        replace_all: bool = False,
        prune: bool = False,
        show_progress: bool = False,
        failed: list[tuple[str, str]] | None = None,
        sources_read: Any = None,
    ) -> Any:
        """An IngestReport (see index.ingest.ingest for the options)."""
        ...

    def summary(self, searcher) -> dict: ...

    def describe(self) -> dict: ...


class FolderBackend:
    """Today's index: FAISS and bm25s files in a versioned folder, loaded whole into this process."""

    name = "faiss"

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir

    def current_version(self) -> str | None:
        return store.current_version(self.index_dir)

    def searcher(self, embedder: Embedder):
        from index.search import Searcher

        return Searcher(store.load(self.index_dir, expected_model=embedder.name), embedder)

    def ingest(self, incoming: dict[str, Document], embedder: Embedder, chunker: Chunker, **options) -> IngestReport:
        from index.ingest import ingest

        return ingest(self.index_dir, incoming, embedder, chunker, **options)

    def summary(self, searcher) -> dict:
        return {"backend": self.name, **store.summary(self.index_dir, searcher.data)}

    def describe(self) -> dict:
        """The summary without the model: for `xunda stats`."""
        return {"backend": self.name, **store.summary(self.index_dir, store.load(self.index_dir))}


def open_backend(index_dir: Path, milvus_uri: str | None = None, milvus_token: str | None = None) -> IndexBackend:
    """The folder backend, or with a Milvus URI (a local `*.db` path or http://host:19530) the Milvus one.

    A Milvus URI that is malformed or a server that does not answer raises StoreError (one line) here, at start.
    """
    if not milvus_uri:
        return FolderBackend(index_dir)
    from index.milvus_store import MilvusBackend

    return MilvusBackend.connect(index_dir, milvus_uri, milvus_token)
