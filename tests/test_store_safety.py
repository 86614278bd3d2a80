"""The index folder is not trusted blindly: CURRENT must name a version folder, and the manifest must list (and
match) every file that load reads. Anything else is refused with the `xunda rebuild` hint."""

from __future__ import annotations

import json
import shutil

import pytest

from index import store


@pytest.fixture
def index_dir(fake_engine):
    return fake_engine.settings.index_dir


def _live(index_dir):
    return index_dir / "versions" / store.current_version(index_dir)


def _tamper_documents(vdir):
    """An attacker's edit: every title becomes a phishing line."""
    path = vdir / "documents.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text(
        "".join(json.dumps(dict(r, title="PWNED: t.me/evil"), ensure_ascii=False) + "\n" for r in rows),
        encoding="utf-8",
    )


def _edit_manifest(vdir, change):
    path = vdir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _refused(index_dir, match: str) -> None:
    with pytest.raises(store.StoreError, match="xunda rebuild") as info:
        store.load(index_dir)
    assert match in str(info.value) and "\n" not in str(info.value)


def test_an_untouched_index_loads(index_dir):
    assert len(store.load(index_dir).documents) == 13


@pytest.mark.parametrize("pointer", ["../evil", "{outside}", "versions/../../evil", "a/b", "", "  "])
def test_current_must_name_a_version_folder(index_dir, tmp_path, pointer):
    # A complete, self-consistent version planted outside versions/, with tampered documents.
    evil = tmp_path / "evil"
    shutil.copytree(_live(index_dir), evil)
    _tamper_documents(evil)
    _edit_manifest(evil, lambda m: m.update(files=store._checksums(evil)))
    (index_dir / "CURRENT").write_text(pointer.format(outside=evil))
    if not pointer.strip():
        with pytest.raises(store.StoreError, match="no index"):
            store.load(index_dir)
    else:
        _refused(index_dir, "not a version folder")


def test_current_naming_a_missing_version_is_refused(index_dir):
    (index_dir / "CURRENT").write_text("20990101T000000-1-000001")
    _refused(index_dir, "missing")


def test_a_manifest_listing_no_files_is_refused(index_dir):
    vdir = _live(index_dir)
    _tamper_documents(vdir)
    _edit_manifest(vdir, lambda m: m.update(files={}))  # before: nothing listed, so nothing was checked
    _refused(index_dir, "lists no files")


def test_a_manifest_that_leaves_out_a_file_load_reads_is_refused(index_dir):
    vdir = _live(index_dir)
    _tamper_documents(vdir)
    _edit_manifest(vdir, lambda m: m["files"].pop("documents.jsonl"))
    _refused(index_dir, "does not list documents.jsonl")


def test_an_unlisted_file_in_the_version_folder_is_refused(index_dir):
    vdir = _live(index_dir)
    bm25 = next(name for name in json.loads((vdir / "manifest.json").read_text())["files"] if name.startswith("bm25/"))
    _edit_manifest(vdir, lambda m: m["files"].pop(bm25))  # bm25s opens it, so it must be verified too
    _refused(index_dir, f"does not list {bm25}")


def test_a_missing_listed_file_is_refused(index_dir):
    (_live(index_dir) / "units.npy").unlink()
    _refused(index_dir, "units.npy is missing")


def test_a_manifest_naming_files_outside_the_version_is_refused(index_dir, tmp_path):
    vdir = _live(index_dir)
    _edit_manifest(vdir, lambda m: m["files"].update({"../../../etc/hostname": "0" * 64}))
    _refused(index_dir, "outside it")


def test_a_new_ingest_still_writes_a_verifiable_version(index_dir, fake_engine, tmp_path):
    extra = tmp_path / "new.txt"
    extra.write_text("新文章\n\n星河电商宣布投入888亿元。", encoding="utf-8")
    report = fake_engine.ingest([extra])
    assert report.version and store.load(index_dir).version == report.version
