"""Cut documents into overlapping passages on Chinese sentence boundaries, keeping offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from index.documents import Chunk, Document

# Paragraphs first, then sentences, then clauses; "end" keeps 。 with the sentence it closes.
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", " ", ""]
OFFSETS_VERSION = 2  # 2: a repeated piece maps to its own copy, not to an earlier one
# (Still 2 after Chunker._past: it changes only text whose piece has several copies at one passage's end, such
# as runs of 。, where it covers characters 2 lost; ordinary text maps as before, so indexes need no re-chunk.)


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


_WHITESPACE = re.compile(r"\s*")


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
            if spans:
                start = self._past(doc.text, piece, start, spans[-1][1])
                if start < 0:
                    continue  # the splitter's last overlap, stripped, can lie inside the passage before: not one
            spans.append((start, start + len(piece)))
        return spans

    @staticmethod
    def _past(text: str, piece: str, start: int, previous_end: int) -> int:
        """Where `piece` follows on from the passage that ends at previous_end: the last copy from `start` on
        that reaches past that end and starts inside it or after whitespace only; -1 if none. Repeated text
        ('0000000。。。') has several such copies, and only the last loses none of the text after the passage.
        The search stops where such a copy could start, so it costs the piece's length, not the text's."""
        latest = _WHITESPACE.match(text, previous_end).end()  # type: ignore[union-attr]
        best = -1
        while 0 <= start <= latest:
            if start + len(piece) > previous_end:
                best = start
            start = text.find(piece, start + 1, latest + len(piece))
        return best


def embedding_text(doc: Document, chunk: Chunk) -> str:
    """What is embedded and lexically indexed for a chunk: the title travels with every passage."""
    return f"{doc.title}\n{chunk.text}"
