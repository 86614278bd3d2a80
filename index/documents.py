"""The records that flow through the knowledge side: documents, and the chunks cut from them."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Document:
    """One news article, cleaned to plain text.

    `doc_id` is stable across ingests: the file's path relative to the ingested folder (or its name when a
    single file is given), with `#k` appended when one file holds several articles.
    `text` holds paragraphs separated by a blank line; offsets of chunks and sentences point into it.
    """

    doc_id: str
    title: str
    text: str
    outlet: str | None = None
    date: str | None = None  # ISO 8601 with timezone, e.g. 2022-05-20T18:19:53+08:00
    url: str | None = None
    source_path: str = ""  # absolute path of the file it came from, for pruning vanished files

    @property
    def content_hash(self) -> str:
        """Hash of everything that shapes the indexed record; a change means re-chunking."""
        key = "\x1f".join([self.title, self.text, self.outlet or "", self.date or "", self.url or ""])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, the unit that is embedded and searched; `chunk_id` is its row in the index."""

    chunk_id: int
    doc_id: str
    start: int  # offsets into Document.text
    end: int
    text: str
