"""End to end on a real `milvus-lite server` process on loopback: an ingest in another process switches the alias
and the running bot (fake Bot API) answers the new article; a SIGKILL before the switch leaves the live alias
answering and the next ingest cleans up; the server going away gets a polite reply, and answers resume."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from bot.core.engine import Engine  # noqa: E402
from bot.settings import BUNDLED_CORPUS, Settings  # noqa: E402
from bot.texts import message  # noqa: E402
from index import milvus_store  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402
from tests.test_telegram_bot import replies_to, running_bot  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
FACT = "星河优选宣布，2023年将投入88亿元，扶持9527家县域小微商家开展直播带货。"
INGEST = """
import sys, time
from pathlib import Path
from bot.core.engine import Engine
from bot.settings import Settings
from index.milvus_store import MilvusBackend
from tests.fakes import FakeEmbedder
if sys.argv[3] == "stall":  # stop between writing the new version and switching the alias, to be killed there
    publish = MilvusBackend._publish
    def stalled(self, version, live):
        print("written", version, flush=True)
        time.sleep(120)
        publish(self, version, live)
    MilvusBackend._publish = stalled
settings = Settings.from_env({}, index_dir=Path(sys.argv[1]), milvus_uri=sys.argv[2])
report = Engine(settings, FakeEmbedder()).ingest([Path(p) for p in sys.argv[4:]])
print("done", report.version, flush=True)
"""


class MilvusLiteServer:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("milvus-lite server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def server(tmp_path):
    server = MilvusLiteServer(tmp_path / "milvus-data")
    server.start()
    yield server
    server.kill()


def ingest_process(index_dir: Path, uri: str, *paths: Path, mode: str = "plain") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", INGEST, str(index_dir), uri, mode, *map(str, paths)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)


async def ask(fake, text: str) -> str:
    question = fake.message(text)
    [reply] = await fake.wait_for(where=replies_to(question), timeout=60)
    fake.asked = getattr(fake, "asked", 0) + 1
    return reply["text"]


async def test_ingest_elsewhere_kill_and_outage_with_a_running_bot(server, tmp_path):
    settings = Settings.from_env({}, index_dir=tmp_path / "index", corpus_dir=BUNDLED_CORPUS, milvus_uri=server.uri)
    engine = Engine.open(settings, FakeEmbedder())  # the bot's process: builds from the bundled corpus
    backend = engine.backend
    article = tmp_path / "new" / "xinghe.txt"
    article.parent.mkdir()
    article.write_text(f"星河优选发布县域扶持计划\n\n{FACT}\n\n该计划覆盖全国二十个省份。", encoding="utf-8")
    with FakeTelegram() as fake:
        async with running_bot(fake, engine, tmp_path, rate_limit_per_minute=1000) as errors:
            assert "500" in await ask(fake, "快手2022扶持多少快品牌")
            assert "9527" not in await ask(fake, "星河优选2023年扶持多少县域小微商家")

            # An ingest in another process switches the alias; the bot answers from it at the next question.
            run = ingest_process(settings.index_dir, server.uri, article)
            assert run.communicate(timeout=120)[0].startswith("done xunda_index__")
            assert "9527" in await ask(fake, "星河优选2023年扶持多少县域小微商家")
            live = backend.current_version()

            # SIGKILL after the new version is written, before the switch: the live alias keeps answering.
            article.write_text(f"星河优选发布县域扶持计划\n\n{FACT.replace('9527', '8888')}", encoding="utf-8")
            run = ingest_process(settings.index_dir, server.uri, article, mode="stall")
            leftover = run.stdout.readline().split()[1]
            run.kill()
            run.wait()
            assert backend.current_version() == live and backend.client.has_collection(leftover)
            assert "9527" in await ask(fake, "星河优选2023年扶持多少县域小微商家")

            # The server goes away: a polite reply, not silence; it comes back: answers resume by themselves.
            server.kill()
            assert message("index_unavailable") in await ask(fake, "快手2022扶持多少快品牌")
            server.start()
            for _ in range(30):  # gRPC's reconnect backs off for a few seconds; no restart of the bot is needed
                reply = await ask(fake, "快手2022扶持多少快品牌")
                if "500" in reply:
                    break
                assert message("index_unavailable") in reply
                await asyncio.sleep(1)
            assert "500" in reply

            # The next ingest (the bot's own engine this time) drops what the killed one left, and is answered.
            assert (await asyncio.to_thread(engine.ingest, [article])).version.startswith("xunda_index__")
            assert "8888" in await ask(fake, "星河优选2023年扶持多少县域小微商家")
        names = backend.client.list_collections()
        assert leftover not in names and leftover + "__docs" not in names
        assert len([n for n in names if milvus_store._is_version(n, backend.alias)]) <= milvus_store.KEEP_VERSIONS
        assert not errors
        assert len(fake.sent()) == fake.asked  # one reply per question: none lost, none doubled
