"""Ingest and the on-disk index, with the fake embedder: incremental updates, bad files, damage, locking."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from index import store
from tests.fakes import FakeEmbedder


def test_first_open_builds_the_bundled_corpus(fake_engine):
    stats = fake_engine.stats()
    assert stats["documents"] == 13  # four articles plus the nine of the news-list page
    assert stats["chunks"] > 13


def test_unchanged_reingest_embeds_nothing_and_writes_no_version(fake_settings, corpus_copy):
    embedder = FakeEmbedder()
    engine = Engine(fake_settings, embedder)
    first = engine.ingest([corpus_copy])
    calls = embedder.calls
    again = engine.ingest([corpus_copy])
    assert len(first.added) == 13 and first.version
    assert len(again.unchanged) == 13 and not again.changed
    assert again.version is None and embedder.calls == calls
    assert store.current_version(fake_settings.index_dir) == first.version


def test_changed_file_is_reembedded_alone(fake_settings, corpus_copy):
    embedder = FakeEmbedder()
    engine = Engine(fake_settings, embedder)
    engine.ingest([corpus_copy])
    calls = embedder.calls
    path = corpus_copy / "002_c5bc4747eaa19464.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("294.1亿元", "999.9亿元"), encoding="utf-8")
    report = engine.ingest([corpus_copy])
    assert report.updated == [str(path.resolve())]  # a document is named by its folder and file name
    assert 0 < embedder.calls - calls < 10  # only the passages whose text changed
    assert "999.9亿元" in engine.searcher.data.documents[str(path.resolve())].text


def test_prune_drops_documents_whose_files_are_gone(fake_settings, corpus_copy):
    engine = Engine(fake_settings, FakeEmbedder())
    engine.ingest([corpus_copy])
    (corpus_copy / "000_f9d0055f0990c349.txt").unlink()
    kept = engine.ingest([corpus_copy])
    assert not kept.removed and engine.stats()["documents"] == 13
    pruned = engine.ingest([corpus_copy], prune=True)
    assert pruned.removed == [str((corpus_copy / "000_f9d0055f0990c349.txt").resolve())]
    assert engine.stats()["documents"] == 12


def test_bad_files_are_reported_and_the_rest_ingest(fake_settings, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("好消息\n\n某平台今年扶持了321个新品牌。", encoding="utf-8")
    (folder / "gbk.txt").write_bytes("国标编码\n\n这篇文章用GBK编码保存，共有45家企业参加。".encode("gbk"))
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02binary\xff" * 20)
    (folder / "empty.md").write_text("")
    (folder / "bad.md").write_text("---\ntitle: [unclosed\n---\n正文", encoding="utf-8")
    report = Engine(fake_settings, FakeEmbedder()).ingest([folder])
    assert sorted(report.added) == [str((folder / name).resolve()) for name in ("gbk.txt", "good.txt")]
    failed = {path.rsplit("/", 1)[-1]: reason for path, reason in report.failed}
    assert set(failed) == {"bin.txt", "empty.md", "bad.md"}
    assert all("\n" not in reason for reason in failed.values())


def test_damaged_index_fails_with_a_hint(fake_engine):
    vdir = fake_engine.settings.index_dir / "versions" / store.current_version(fake_engine.settings.index_dir)
    vectors = vdir / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(store.StoreError, match="xunda rebuild"):
        store.load(fake_engine.settings.index_dir)


def test_index_built_by_another_model_is_refused(fake_engine):
    with pytest.raises(store.StoreError, match="built with model fake-bigram-64"):
        store.load(fake_engine.settings.index_dir, expected_model="m3e-small:other")


def test_second_writer_is_refused_while_one_holds_the_lock(fake_settings):
    with store.writer_lock(fake_settings.index_dir):
        with pytest.raises(store.StoreError, match="another ingest"):
            with store.writer_lock(fake_settings.index_dir):
                pass


def test_running_engine_picks_up_a_new_version(fake_settings, corpus_copy, tmp_path):
    reader = Engine.open(fake_settings, FakeEmbedder())
    writer = Engine(fake_settings, FakeEmbedder())
    extra = tmp_path / "new.txt"
    extra.write_text("星河电商发布会\n\n星河电商宣布今年将投入888亿元扶持新商家。", encoding="utf-8")
    writer.ingest([extra])
    answer = reader.ask("星河电商今年投入多少亿元扶持新商家")
    assert answer.answerable and "888亿元" in answer.text
    assert answer.citations[0].hit.doc.doc_id == str(extra.resolve())
