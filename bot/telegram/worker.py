"""The engine behind async handlers: CPU-bound calls leave the event loop, one question at a time.

Questions share one worker thread (the model already uses every core, and the engine is not meant for
concurrent questions). Ingests run in their own thread, one at a time, so questions keep being answered
from the live index while an upload is embedded; the engine switches to the new version when it is ready.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.core.conversation import Conversation, Turn
from bot.core.engine import Engine
from bot.llm.client import OnToken
from index.documents import Document
from index.ingest import IngestReport


class EngineWorker:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._questions = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xunda-ask")
        self._ingest_lock = asyncio.Lock()

    async def _run(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._questions, func, *args)

    async def ask(self, conversation: Conversation, message: str, on_token: OnToken | None = None) -> Turn:
        """One turn of `conversation`, its engine work on the question thread."""
        return await conversation.aask(message, on_token=on_token, executor=self._questions)

    async def refresh(self) -> bool:
        return await self._run(self.engine.refresh)

    async def stats(self) -> dict:
        return await self._run(self.engine.stats)

    async def latest(self, limit: int = 10) -> list[Document]:
        return await self._run(self.engine.latest, limit)

    async def ingest(self, paths: list[Path]) -> IngestReport:
        async with self._ingest_lock:
            return await asyncio.to_thread(self.engine.ingest, paths)

    def close(self) -> None:
        self._questions.shutdown(wait=False, cancel_futures=True)
