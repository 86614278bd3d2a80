"""A document is named by where it came from (its folder) and its file name: same-named files in different places
never replace each other, while the same file ingested again updates itself. Older indexes are converted."""

from __future__ import annotations

import json

import pytest

from bot.core.engine import Engine
from bot.core.evaluate import Case, matches_source
from bot.settings import BUNDLED_CORPUS
from index import store
from index.documents import PROJECT_ROOT
from tests.fakes import FakeEmbedder


def _article(folder, name: str, company: str, amount: int):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{company}发布会\n\n{company}宣布今年将投入{amount}亿元扶持新商家。", encoding="utf-8")
    return path


def _ids(engine: Engine) -> set[str]:
    return set(engine.searcher.data.documents)


def test_same_file_name_in_two_folders_keeps_both(fake_settings, tmp_path):
    engine = Engine(fake_settings, FakeEmbedder())
    first = _article(tmp_path / "one", "a.txt", "星河电商", 888)
    second = _article(tmp_path / "two", "a.txt", "云帆物流", 777)
    engine.ingest([tmp_path / "one"])
    report = engine.ingest([tmp_path / "two"])
    assert report.added == [str(second.resolve())] and not report.updated  # before: "updated a.txt", one/ lost
    assert _ids(engine) == {str(first.resolve()), str(second.resolve())}
    assert "888亿元" in engine.ask("星河电商今年投入多少亿元扶持新商家").text
    assert "777亿元" in engine.ask("云帆物流今年投入多少亿元扶持新商家").text


def test_ingesting_the_same_folder_again_updates_its_documents(fake_settings, tmp_path):
    engine = Engine(fake_settings, FakeEmbedder())
    path = _article(tmp_path / "one", "a.txt", "星河电商", 888)
    _article(tmp_path / "two", "a.txt", "云帆物流", 777)
    engine.ingest([tmp_path / "one", tmp_path / "two"])
    _article(tmp_path / "one", "a.txt", "星河电商", 999)
    report = engine.ingest([tmp_path / "one"])
    assert report.updated == [str(path.resolve())] and not report.added
    assert "999亿元" in engine.ask("星河电商今年投入多少亿元扶持新商家").text
    assert len(_ids(engine)) == 2
    # Naming the file itself, or the folder by another spelling, is the same document.
    again = engine.ingest([tmp_path / "one" / "." / "a.txt", tmp_path / "two" / ".." / "one"])
    assert again.unchanged == [str(path.resolve())] and not again.changed


def test_an_upload_named_like_a_corpus_file_keeps_both(fake_engine):
    corpus_name = sorted(p.name for p in BUNDLED_CORPUS.iterdir())[1]
    uploads = fake_engine.settings.uploads_dir
    upload = _article(uploads, corpus_name, "星河电商", 888)
    report = fake_engine.ingest([upload])
    assert report.added == [str(upload.resolve())]
    assert f"corpus/{corpus_name}" in _ids(fake_engine) and len(_ids(fake_engine)) == 14


def test_rebuild_over_corpus_and_uploads_keeps_same_named_files(fake_engine):
    corpus_name = sorted(p.name for p in BUNDLED_CORPUS.iterdir())[1]
    uploads = fake_engine.settings.uploads_dir
    _article(uploads, corpus_name, "星河电商", 888)
    # What `xunda rebuild` does with no paths: the bundled corpus plus the uploads, nothing else.
    report = fake_engine.ingest([fake_engine.settings.corpus_dir, uploads], replace_all=True)
    assert not report.removed
    names = [doc_id.rsplit("/", 1)[-1].split("#")[0] for doc_id in _ids(fake_engine)]
    assert names.count(corpus_name) == 2 and len(names) == 14


def test_bundled_corpus_ids_do_not_depend_on_where_the_checkout_is(fake_engine):
    ids = _ids(fake_engine)
    assert all(doc_id.startswith("corpus/") for doc_id in ids)
    assert not any(str(PROJECT_ROOT) in doc_id for doc_id in ids)


def test_eval_cases_still_find_their_source_by_file_name(fake_engine):
    doc = next(d for d in fake_engine.searcher.data.documents.values() if "#" in d.doc_id)
    name = doc.doc_id.rsplit("/", 1)[-1]
    for source in (name.split("#")[0], name, doc.doc_id):
        assert matches_source(Case("c", "q", (), source, None, True), doc)
    assert not matches_source(Case("c", "q", (), "other.txt", None, True), doc)


# ------------------------------------------------------------------------------------- older index formats


def _as_format_1(index_dir) -> dict[str, str]:
    """Rewrite the live version as format 1 wrote it: ids are the path inside the folder only."""
    vdir = index_dir / "versions" / store.current_version(index_dir)
    old_ids = {}
    docs = [json.loads(line) for line in (vdir / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    for d in docs:
        old_ids[d["doc_id"]] = d["doc_id"].rsplit("/", 1)[-1]
        d["doc_id"] = old_ids[d["doc_id"]]
    rows = [json.loads(line) for line in (vdir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    for r in rows:
        r["doc_id"] = old_ids[r["doc_id"]]
    for name, items in (("documents.jsonl", docs), ("chunks.jsonl", rows)):
        text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items)
        (vdir / name).write_text(text, encoding="utf-8")
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(format_version=1, files=store._checksums(vdir))
    (vdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return old_ids


def test_a_format_1_index_is_converted_at_load(fake_engine):
    index_dir = fake_engine.settings.index_dir
    old_ids = _as_format_1(index_dir)
    data = store.load(index_dir)
    assert set(data.documents) == set(old_ids)  # the same ids a fresh ingest gives
    assert all(c.doc_id in data.documents for c in data.chunks)

    engine = Engine.open(fake_engine.settings, FakeEmbedder())
    assert engine.ask("快手2022扶持多少快品牌").answerable
    report = engine.ingest([fake_engine.settings.corpus_dir])  # no duplicates of the converted documents
    assert len(report.unchanged) == 13 and not report.added and engine.stats()["documents"] == 13


def test_a_format_1_index_that_cannot_be_converted_gets_the_rebuild_hint(fake_engine):
    index_dir = fake_engine.settings.index_dir
    vdir = index_dir / "versions" / store.current_version(index_dir)
    _as_format_1(index_dir)
    path = vdir / "documents.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    docs[0]["source_path"] = "/somewhere/else/renamed.txt"  # no longer ends with the document's id
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = store._checksums(vdir)
    (vdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(store.StoreError, match="older xunda.*xunda rebuild"):
        store.load(index_dir)


def test_a_moved_checkout_keeps_its_corpus_under_prune(fake_engine, tmp_path):
    """The corpus ids are relative to the checkout; after a move, re-ingesting records the new file paths, so a
    later --prune (which drops documents whose file is gone) does not drop the corpus."""
    index_dir = fake_engine.settings.index_dir
    vdir = index_dir / "versions" / store.current_version(index_dir)
    path = vdir / "documents.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for d in docs:  # as if built in a clone that has since moved away
        d["source_path"] = d["source_path"].replace(str(PROJECT_ROOT), str(tmp_path / "old-clone"))
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = store._checksums(vdir)
    (vdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    engine = Engine.open(fake_engine.settings, FakeEmbedder())
    report = engine.ingest([engine.settings.corpus_dir])
    assert len(report.unchanged) == 13 and report.version  # nothing new, but the new paths are written
    other = _article(tmp_path / "other", "b.txt", "星河电商", 888)
    pruned = engine.ingest([other.parent], prune=True)
    assert not pruned.removed and engine.stats()["documents"] == 14
