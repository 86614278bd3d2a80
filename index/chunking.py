"""Cut documents into overlapping passages on Chinese sentence boundaries, keeping offsets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from index.documents import Chunk, Document

# Paragraphs first, then sentences, then clauses; "end" keeps 。 with the sentence it closes.
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", " ", ""]
OFFSETS_VERSION = 2  # 2: a repeated piece maps to its own copy, not to an earlier one


@dataclass(frozen=True)
class ChunkingSettings:
    chunk_size: int = 250
    chunk_overlap: int = 50

    def as_dict(self) -> dict:
        # "offsets" numbers the way pieces are mapped back to the text: a change re-chunks old indexes on ingest.
        return {
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "separators": SEPARATORS,
            "offsets": OFFSETS_VERSION,
        }


class Chunker:
    def __init__(self, settings: ChunkingSettings = ChunkingSettings()):
        self.settings = settings

    @cached_property
    def _splitter(self):
        # langchain takes ~0.3 s to import: only ingest needs it, not a one-shot question
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        return RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            keep_separator="end",
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            strip_whitespace=True,
        )

    def split(self, doc: Document) -> list[tuple[int, int]]:
        """[start, end) offsets into doc.text of each passage."""
        spans: list[tuple[int, int]] = []
        for piece in self._splitter.split_text(doc.text):
            # Pieces come back in order. The next one starts after the previous start, and at most
            # chunk_overlap characters before the previous end; searching from there finds its own copy
            # of a repeated piece rather than an earlier one.
            earliest = max(spans[-1][0] + 1, spans[-1][1] - self.settings.chunk_overlap) if spans else 0
            start = doc.text.find(piece, earliest)
            if start < 0:
                start = doc.text.find(piece)
            if start < 0:  # cannot happen with strip_whitespace on unmodified text; skip defensively
                continue
            if spans and start + len(piece) <= spans[-1][1]:
                continue  # the splitter's last overlap, stripped, can lie inside the passage before: not a passage
            spans.append((start, start + len(piece)))
        return spans


def embedding_text(doc: Document, chunk: Chunk) -> str:
    """What is embedded and lexically indexed for a chunk: the title travels with every passage."""
    return f"{doc.title}\n{chunk.text}"
