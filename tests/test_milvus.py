"""The Milvus backend (Milvus Lite in this process) against today's FAISS folder: the same passages, the same
answers, date filters inside the engine, blue/green versions behind an alias, and clear failures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from click.testing import CliRunner  # noqa: E402

from bot.cli.commands import cli  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.settings import BUNDLED_CORPUS, Settings  # noqa: E402
from index import milvus_store  # noqa: E402
from index.dates import DateRange  # noqa: E402
from index.documents import Document  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "快手2022扶持多少快品牌"
EXAMPLE_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268"
QUESTIONS = [
    json.loads(line)["question"]
    for name in ("seed_qa_dev.jsonl", "seed_qa_more.jsonl")
    for line in (ROOT / "eval" / name).open(encoding="utf-8")
]


def settings_for(backend: str, folder: Path) -> Settings:
    uri = str(folder / "milvus.db") if backend == "milvus" else None
    return Settings.from_env({}, index_dir=folder / "index", corpus_dir=BUNDLED_CORPUS, milvus_uri=uri)


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict[str, Engine]:
    """The bundled corpus in each backend, with the fake embedder. Treat as read-only."""
    folder = tmp_path_factory.mktemp("both")
    return {b: Engine.open(settings_for(b, folder), FakeEmbedder()) for b in ("faiss", "milvus")}


def article(doc_id: str, title: str, body: str, date: str = "2023-03-01T10:00:00+08:00") -> Document:
    return Document(doc_id, title, body, outlet="测试日报", date=date, url=f"http://example.test/{doc_id}")


def test_both_backends_retrieve_the_same_passages_and_give_the_same_answers(both):
    """Dense search is exact at this size in both; BM25 is Milvus' own (jieba, same stop words, k1 and b) against
    bm25s, so a near tie may swap two neighbours in the ranking, and nothing more."""
    same_top8, overlap = 0, 0.0
    for question in QUESTIONS:
        faiss_hits = both["faiss"].searcher.search(question, k=20)
        milvus_hits = both["milvus"].searcher.search(question, k=20)
        f_ids, m_ids = [h.chunk.chunk_id for h in faiss_hits], [h.chunk.chunk_id for h in milvus_hits]
        same_top8 += f_ids[:8] == m_ids[:8]
        overlap += len(set(f_ids) & set(m_ids)) / len(f_ids)
        by_id = {h.chunk.chunk_id: h for h in faiss_hits}
        for m in milvus_hits:
            if m.chunk.chunk_id in by_id:
                assert m.chunk.text == by_id[m.chunk.chunk_id].chunk.text
                assert m.dense == pytest.approx(by_id[m.chunk.chunk_id].dense, abs=1e-4)
        assert both["milvus"].ask(question).text == both["faiss"].ask(question).text, question
    assert same_top8 >= 0.9 * len(QUESTIONS) and overlap / len(QUESTIONS) >= 0.98


@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_the_readme_example_is_answered_with_its_source(both, backend):
    answer = both[backend].ask(EXAMPLE)
    assert answer.answerable and "500" in answer.text
    assert answer.citations[0].hit.doc.url == EXAMPLE_URL


@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_since_and_until_filter_inside_the_engine(both, backend):
    searcher = both[backend].searcher
    may = DateRange("2022-05-01", "2022-05-31")
    hits = searcher.search(EXAMPLE, k=20, dates=may)
    assert hits and all("2022-05-01" <= h.doc.date[:10] <= "2022-05-31" for h in hits)
    assert not searcher.search(EXAMPLE, k=20, dates=DateRange("1999-01-01", "1999-12-31"))
    ids = {h.chunk.chunk_id for h in hits}
    assert ids == {h.chunk.chunk_id for h in both["faiss"].searcher.search(EXAMPLE, k=20, dates=may)}


def test_stats_name_the_backend_and_the_live_version(both):
    stats = both["milvus"].stats()
    assert stats["backend"].startswith("milvus") and stats["version"].startswith("xunda_index__")
    faiss_stats = both["faiss"].stats()
    assert (stats["documents"], stats["chunks"]) == (faiss_stats["documents"], faiss_stats["chunks"])
    assert faiss_stats["backend"] == "faiss"


def test_versions_switch_by_alias_keep_the_last_three_and_reuse_vectors(tmp_path):
    embedder = FakeEmbedder()
    engine = Engine.open(settings_for("milvus", tmp_path), embedder)
    client, alias = engine.backend.client, engine.backend.alias
    first = engine.backend.current_version()
    corpus_calls = embedder.calls

    # Nothing new: nothing written, nothing embedded.
    assert engine.ingest([BUNDLED_CORPUS]).version is None and embedder.calls == corpus_calls

    published = [first]
    for n in range(3):
        fact = f"星河优选宣布，2023年将投入{80 + n}亿元，扶持{9500 + n}家县域小微商家。"
        report = engine.ingest_documents({"xinghe": article("xinghe", "星河优选县域扶持计划", fact)})
        published.append(report.version)
        assert client.describe_alias(alias)["collection_name"] == report.version
        answer = engine.ask("星河优选2023年扶持多少县域小微商家")  # the new version, at the next question
        assert answer.answerable and str(9500 + n) in answer.text
    # Only the changed article was embedded again each time; the corpus' vectors came from the live version.
    assert embedder.calls - corpus_calls <= 3 * 2
    versions = sorted(n for n in client.list_collections() if milvus_store._is_version(n, alias))
    assert versions == published[-milvus_store.KEEP_VERSIONS :]
    assert all(client.has_collection(v + "__docs") for v in versions)


def test_a_failed_ingest_leaves_the_alias_and_the_next_one_cleans_up(tmp_path, monkeypatch):
    engine = Engine.open(settings_for("milvus", tmp_path), FakeEmbedder())
    client, alias = engine.backend.client, engine.backend.alias
    live = engine.backend.current_version()

    def crash(*args):
        raise KeyboardInterrupt  # as if the process died after writing, before switching the alias

    monkeypatch.setattr(engine.backend, "_publish", crash)
    with pytest.raises(KeyboardInterrupt):
        engine.ingest_documents({"x": article("x", "星河优选县域扶持计划", "星河优选扶持9527家县域小微商家。")})
    leftovers = [n for n in client.list_collections() if milvus_store._is_version(n, alias) and n != live]
    assert len(leftovers) == 1 and client.describe_alias(alias)["collection_name"] == live
    assert "500" in engine.ask(EXAMPLE).text

    monkeypatch.undo()
    report = engine.ingest_documents({"x": article("x", "星河优选县域扶持计划", "星河优选扶持9527家县域小微商家。")})
    names = client.list_collections()
    assert leftovers[0] not in names and leftovers[0] + "__docs" not in names
    assert report.version in names and "9527" in engine.ask("星河优选扶持多少家县域小微商家").text


def test_a_long_document_round_trips(tmp_path):
    body = "\n\n".join(f"第{i}段：星河优选在第{i}个县开设直播基地，带动{i * 7}家商家上线。" for i in range(1500))
    engine = Engine.open(settings_for("milvus", tmp_path), FakeEmbedder())
    engine.ingest_documents({"long": article("long", "星河优选长篇报道", body)})
    assert len(body.encode()) > 2 * milvus_store.MAX_TEXT_BYTES
    assert engine.document("long").text == body
    assert "7693" in engine.ask("星河优选在第1099个县带动多少家商家上线").text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_server_is_one_line_and_exit_1(tmp_path):
    uri = f"http://127.0.0.1:{_closed_port()}"
    run = subprocess.run(
        [sys.executable, "-m", "bot", "--index", str(tmp_path / "index"), "--milvus-uri", uri, "stats"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"Error: cannot reach Milvus at {uri}: Fail connecting to server on "
                                               f"127.0.0.1:{uri.rsplit(':', 1)[1]}, illegal connection params or "
                                               "server unavailable"]


@pytest.mark.parametrize("uri", ["nonsense://milvus", "/no/such/dir/x.db"])
def test_a_bad_uri_is_one_line_and_exit_1(tmp_path, uri):
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "--milvus-uri", uri, "stats"])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: cannot reach Milvus at {uri}: ")
