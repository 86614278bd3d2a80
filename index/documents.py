"""The records that flow through the knowledge side: documents, and the chunks cut from them."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

# Where this checkout of xunda lives: folders inside it (the bundled corpus) are named relative to it in ids.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Document:
    """One news article, cleaned to plain text.

    `doc_id` is stable across ingests and says where the document came from: see `document_id` (a feed item's is
    its feed URL plus the item key). `#k` is appended when one file holds several articles.
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


def document_id(folder: Path, relative: str) -> str:
    """The id of the file at `relative` (a POSIX path) under `folder`: the folder's resolved path, then the name.

    Same-named files in different folders (an ingested folder, the Telegram upload store) are different documents,
    and a file is the same document whether its folder or the file itself was named. The file name stays the last
    component. A folder inside this checkout (the bundled corpus) is written relative to it ("corpus/…"), so
    those ids, and the feedback and eval rows that quote them, stay the same in another clone.
    """
    root = Path(folder).resolve()
    try:
        prefix = root.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        prefix = root.as_posix().rstrip("/")
    return relative if prefix == "." else f"{prefix}/{relative}"
