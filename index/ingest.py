"""Incremental ingest: files in, a new index version out, with a report of what changed.

Documents are keyed by a stable id and a content hash: new and changed ones are chunked and embedded,
unchanged ones are carried over untouched, and nothing is written at all when nothing changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from index import store
from index.build import BuildStats, build_index
from index.chunking import Chunker
from index.documents import Document
from index.embedding import Embedder
from index.loaders import DEFAULT_MAX_BYTES, LoadError, discover, load_file


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    version: str | None = None  # the new live version, None when nothing was written
    stats: BuildStats | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def load_paths(
    paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES, show_progress: bool = False, follow_symlinks: bool = False
) -> tuple[dict[str, Document], list[tuple[str, str]]]:
    """Read every file under `paths`; bad files (and symlinks out of a folder) are reported, never fatal."""
    files, failed = discover(paths, placed=True, follow_symlinks=follow_symlinks)
    documents: dict[str, Document] = {}
    started = time.perf_counter()
    with tqdm(files, desc="reading", unit="file", disable=not show_progress) as bar:
        for path, base in bar:
            try:
                for doc in load_file(path, base, max_bytes=max_bytes):
                    documents[doc.doc_id] = doc
            except LoadError as exc:
                failed.append((str(path), str(exc)))
            except (OSError, UnicodeError, ValueError) as exc:  # unreadable file: report, keep going
                failed.append((str(path), f"cannot read: {exc}"))
            rate = len(documents) / max(1e-6, time.perf_counter() - started)
            bar.set_postfix(documents=len(documents), docs_per_s=f"{rate:.0f}")
    return documents, failed


def ingest(
    index_dir: Path,
    incoming: dict[str, Document],
    embedder: Embedder,
    chunker: Chunker,
    *,
    replace_all: bool = False,
    prune: bool = False,
    show_progress: bool = False,
    failed: list[tuple[str, str]] | None = None,
    sources_read: Collection[str] = (),
) -> IngestReport:
    """Merge `incoming` into the live index and publish the result as a new version.

    replace_all: the result holds exactly `incoming` (rebuild). prune: also drop documents whose source
    file no longer exists, and those of a feed in `sources_read` (feeds read in full this time) that it no
    longer lists.
    """
    report = IngestReport(failed=list(failed or []))
    with store.writer_lock(index_dir):
        live = _live(index_dir)
        # The embedding cache only holds for the same model and chunking; documents carry over regardless.
        previous = live if live is not None and same_build(live.manifest, embedder, chunker) else None
        # A live version that does not load still has its documents read back where they survive: an ingest
        # over a damaged index re-embeds them rather than publishing a version without them.
        old = live.documents if live else store.salvage_documents(index_dir)
        merged, moved = merge_documents(
            old, incoming, report, replace_all=replace_all, prune=prune, sources_read=sources_read
        )
        if previous is not None and not report.changed and not moved:
            return report

        tokens = store.read_tokens(index_dir, previous.version) if previous else {}
        with embedding_progress(show_progress) as progress:
            data, new_tokens, stats = build_index(merged, embedder, chunker, previous, tokens, progress)
        report.stats = stats
        report.version = store.write_version(index_dir, data, new_tokens)
    return report


def same_build(manifest: dict, embedder: Embedder, chunker: Chunker) -> bool:
    """Whether a version with this manifest embedded with this model and chunking: its vectors can be reused."""
    return manifest.get("model") == embedder.name and manifest.get("chunking") == chunker.settings.as_dict()


def merge_documents(
    old: Mapping[str, Document],
    incoming: dict[str, Document],
    report: IngestReport,
    *,
    replace_all: bool,
    prune: bool,
    sources_read: Collection[str] = (),
) -> tuple[dict[str, Document], bool]:
    """The documents of the next version, with what changed recorded in `report`, and whether an unchanged
    document was read from a new place. Shared by both backends (index.milvus_store too)."""
    merged = {} if replace_all else dict(old)
    moved = False  # same document, same content, read from a new place (a moved checkout): --prune needs it
    for doc_id, doc in incoming.items():
        if doc_id not in old:
            report.added.append(doc_id)
        elif old[doc_id].content_hash != doc.content_hash:
            report.updated.append(doc_id)
        else:
            report.unchanged.append(doc_id)
            moved = moved or old[doc_id].source_path != doc.source_path
        merged[doc_id] = doc
    if replace_all:
        report.removed = sorted(set(old) - set(incoming))
    elif prune:
        gone = [d for d in old if d not in incoming and _source_gone(old[d].source_path, sources_read)]
        for doc_id in gone:
            merged.pop(doc_id)
        report.removed = sorted(gone)
    return merged, moved


@contextmanager
def embedding_progress(show_progress: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over the chunks being embedded, and the callback that moves it."""
    with tqdm(desc="embedding", unit="chunk", disable=not show_progress) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done)

        yield progress


def _source_gone(source: str, sources_read: Collection[str]) -> bool:
    """For --prune: a feed read in full no longer lists the document, or its file no longer exists."""
    if source in sources_read:
        return True
    return bool(source) and "://" not in source and not Path(source).exists()  # a feed not read now: kept


def _live(index_dir: Path) -> store.IndexData | None:
    """The live version to build on, if there is a readable one."""
    if store.current_version(index_dir) is None:
        return None
    try:
        return store.load(index_dir, full_verify=True)  # every file hashed: a damaged base is never carried on
    except store.StoreError:
        return None  # damaged: built again from the documents store.salvage_documents reads back
