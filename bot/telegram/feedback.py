"""👍/👎 votes as JSON lines, in the shape `xunda eval` reads (rows with "vote")."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from bot.core.answer import Answer


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, vote: str, chat_id: int, user_id: int) -> dict:
        """Append one vote ("up" or "down") on `answer`; returns the row written."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', got {vote!r}")
        row = {
            "ts": datetime.now(UTC).isoformat(timespec="seconds"),
            "chat_id": chat_id,
            "user_id": user_id,
            "question": answer.question,
            "answer": answer.text,
            "answerable": answer.answerable,
            "doc_ids": [c.hit.doc.doc_id for c in answer.citations],
            "vote": vote,
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:  # one short append; lines from concurrent votes never interleave
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        return row
