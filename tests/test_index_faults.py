"""Faults under a live index: a disk that fills at any write step of an ingest, a read-only index folder, and a
version deleted under a running engine. Each gives one clear line; the live index answers as before; nothing is
left behind.

The disk-full and read-only cases inject the OSError a full or read-only filesystem raises (ENOSPC, EROFS) at
the call that writes: the tests run as root, for whom chmod does not stop a write, and mounting a tmpfs needs
privileges a test should not ask for.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import bm25s
import pytest
from click.testing import CliRunner

from bot.cli.commands import cli
from bot.core.engine import Engine
from index import store
from tests.fakes import FakeEmbedder

QUESTIONS = ["快手2022年扶持多少个快品牌", "抖音电商国货销量同比增长多少", "深圳销量排全国城市第几"]
NEW_ARTICLE = "新消费品牌\n\n某新消费品牌宣布，2023年在华东新开120家门店，营收同比增长35%。\n"


def _answers(engine: Engine) -> list[tuple[str, tuple]]:
    return [(a.text, tuple((c.hit.chunk.doc_id, c.snippet) for c in a.citations)) for a in map(engine.ask, QUESTIONS)]


@pytest.fixture
def new_docs(tmp_path) -> Path:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "brand.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    return folder


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _failing_on(name: str, original):
    """`original`, except that writing a file called `name` writes a few bytes and then finds the disk full."""

    def write(self_or_path, *args, **kwargs):
        target = self_or_path if isinstance(self_or_path, (str, Path)) else args[0]
        if Path(target).name == name or Path(target).name.startswith(name):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_bytes(b"partial") if not Path(target).is_dir() else None
            _no_space()
        return original(self_or_path, *args, **kwargs)

    return write


# (label, how to make that step fail): every step write_version takes, in order.
def _inject(monkeypatch, step: str) -> None:
    if step in ("documents.jsonl", "chunks.jsonl", "tokens.jsonl"):
        monkeypatch.setattr(store, "_write_jsonl", _failing_on(step, store._write_jsonl))
    elif step in ("vectors.npy", "units.npy"):
        monkeypatch.setattr(store.np, "save", _failing_on(step, store.np.save))
    elif step == "dense.faiss":
        original = store.faiss.write_index
        monkeypatch.setattr(store.faiss, "write_index", lambda index, path: _failing_on(step, lambda p: None)(path)
                            or original(index, path))
    elif step == "bm25":
        monkeypatch.setattr(bm25s.BM25, "save", lambda self, path, **kw: _no_space())
    elif step in ("manifest.json", ".CURRENT."):
        original = Path.write_text
        monkeypatch.setattr(Path, "write_text", _failing_on(step, original))
    elif step == "fsync":
        monkeypatch.setattr(store, "_fsync_file", _no_space)
    elif step in ("rename", "replace"):
        monkeypatch.setattr(store.os, step, _no_space)
    elif step == "mkdir":
        original = Path.mkdir
        monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: _no_space() if self.name.startswith(".tmp-")
                            else original(self, *a, **k))
    else:
        raise AssertionError(step)


WRITE_STEPS = [
    "mkdir", "documents.jsonl", "chunks.jsonl", "vectors.npy", "units.npy", "dense.faiss", "bm25", "tokens.jsonl",
    "manifest.json", "fsync", "rename", ".CURRENT.", "replace",
]


def _leftovers(index_dir: Path, versions_before: set[str]) -> list[str]:
    versions = {p.name for p in (index_dir / "versions").iterdir()}
    pointers = [p.name for p in index_dir.glob(".CURRENT.*")]
    return sorted((versions - versions_before) | set(pointers))


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_disk_full_at_any_write_step(fake_engine, new_docs, monkeypatch, step):
    index_dir = fake_engine.settings.index_dir
    before, live = _answers(fake_engine), store.current_version(index_dir)
    versions_before = {p.name for p in (index_dir / "versions").iterdir()}
    with monkeypatch.context() as patch:
        _inject(patch, step)
        with pytest.raises(store.StoreError) as info:
            fake_engine.ingest([new_docs])
    message = str(info.value)
    assert "\n" not in message and "No space left on device" in message and "live index is unchanged" in message
    assert store.current_version(index_dir) == live
    assert _leftovers(index_dir, versions_before) == []
    assert _answers(fake_engine) == before
    assert _answers(Engine.open(fake_engine.settings, FakeEmbedder())) == before  # and from disk, cold
    # Once there is room again, the same ingest goes through.
    report = fake_engine.ingest([new_docs])
    assert len(report.added) == 1 and store.current_version(index_dir) == report.version


@pytest.fixture
def run(monkeypatch, fake_engine):
    import index.embedding

    monkeypatch.setattr(index.embedding, "make_embedder", lambda *a, **k: FakeEmbedder())
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--index", str(fake_engine.settings.index_dir), *args])


def test_cli_disk_full_is_one_line(run, new_docs, monkeypatch):
    monkeypatch.setattr(store.np, "save", _failing_on("vectors.npy", store.np.save))
    result = run("ingest", str(new_docs))
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]  # after the progress bars, one line says what went wrong
    assert last.startswith("Error: cannot write the index at") and "No space left on device" in last
    assert result.output.count("Error") == 1


def _read_only(monkeypatch, index_dir: Path, code: int = errno.EROFS) -> None:
    """The index folder on a read-only filesystem: every open for writing, and every mkdir, under it fails."""
    real_open, real_os_open, real_mkdir = open, os.open, os.mkdir
    root = str(index_dir)

    def under(path) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root)

    def guarded_open(path, mode="r", *args, **kwargs):
        if under(path) and any(c in mode for c in "wax+"):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if under(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(code, os.strerror(code), str(path))
        return real_os_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):
        if under(path):
            raise OSError(code if Path(path).exists() is False else errno.EEXIST, os.strerror(code), str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_read_only_index_still_answers_and_refuses_to_ingest_in_one_line(fake_engine, new_docs, monkeypatch, code):
    index_dir = fake_engine.settings.index_dir
    before, live = _answers(fake_engine), store.current_version(index_dir)
    _read_only(monkeypatch, index_dir, code)
    assert _answers(Engine.open(fake_engine.settings, FakeEmbedder())) == before  # reading needs no write
    with pytest.raises(store.StoreError, match="cannot write the index at") as info:
        fake_engine.ingest([new_docs])
    assert "\n" not in str(info.value) and os.strerror(code) in str(info.value)
    assert store.current_version(index_dir) == live and _answers(fake_engine) == before


def test_cli_read_only_index_is_one_line(run, fake_engine, new_docs, monkeypatch):
    _read_only(monkeypatch, fake_engine.settings.index_dir)
    result = run("ingest", str(new_docs))
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: cannot write the index at") and "Read-only file system" in last
    assert result.output.count("Error") == 1
    assert run("stats").exit_code == 0  # reading still works


def test_a_version_deleted_under_a_running_engine(fake_engine, new_docs, caplog):
    index_dir = fake_engine.settings.index_dir
    before = _answers(fake_engine)
    # Another process ingests; before this engine reloads, the new version's folder is deleted.
    other = Engine.open(fake_engine.settings, FakeEmbedder())
    version = other.ingest([new_docs]).version
    shutil.rmtree(index_dir / "versions" / version)
    assert _answers(fake_engine) == before  # still the version in memory
    assert f"version {version} is missing): run `xunda rebuild`; still answering from version" in caplog.text
    # Every version deleted, the one in memory too: it still answers from memory.
    shutil.rmtree(index_dir / "versions", ignore_errors=True)
    assert _answers(fake_engine) == before


def test_cli_on_a_deleted_version_gives_the_rebuild_hint(run, fake_engine):
    index_dir = fake_engine.settings.index_dir
    shutil.rmtree(index_dir / "versions" / store.current_version(index_dir))
    for args in (("ask", QUESTIONS[0]), ("stats",)):
        result = run(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1 and "run `xunda rebuild`" in result.output


# ------------------------------------------------------------------------- integrity: quick at load, full on ask


def _same_size_flip(path: Path) -> None:
    """Bit rot: one byte changed in place, size and mtime as they were."""
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_load_checks_sizes_and_times_and_verify_hashes(run, fake_engine):
    index_dir = fake_engine.settings.index_dir
    vdir = index_dir / "versions" / store.current_version(index_dir)
    assert run("verify").output.startswith("ok: version ")
    _same_size_flip(vdir / "vectors.npy")
    store.load(index_dir)  # the trade-off: a load does not read every byte, so it misses a flip in place
    with pytest.raises(store.StoreError, match="checksum mismatch"):
        store.load(index_dir, full_verify=True)
    result = run("verify")
    assert result.exit_code == 1 and "vectors.npy" in result.output and "checksum mismatch" in result.output
    # A file whose size changed is refused without hashing; one whose time changed is hashed.
    with open(vdir / "documents.jsonl", "a", encoding="utf-8") as handle:
        handle.write("\n")
    size_changed = r"documents.jsonl .*\(its size is not the one written\): run `xunda rebuild`"
    with pytest.raises(store.StoreError, match=size_changed):
        store.load(index_dir)


def test_a_copy_without_mtimes_is_hashed_and_loads(fake_engine, tmp_path):
    index_dir = fake_engine.settings.index_dir
    copy = tmp_path / "copy"
    shutil.copytree(index_dir, copy, copy_function=shutil.copyfile)  # `cp -r`: new mtimes
    assert len(store.load(copy).chunks) == len(fake_engine.searcher.data.chunks)
    vdir = copy / "versions" / store.current_version(copy)
    _same_size_flip(vdir / "dense.faiss")
    os.utime(vdir / "dense.faiss")  # and a new mtime: this one is hashed, and caught
    with pytest.raises(store.StoreError, match="dense.faiss .*checksum mismatch"):
        store.load(copy)


def test_an_index_without_sizes_falls_back_to_hashing(fake_engine):
    index_dir = fake_engine.settings.index_dir
    vdir = index_dir / "versions" / store.current_version(index_dir)
    manifest_path = vdir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["stats"]  # as written before sizes and times were kept
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert len(store.load(index_dir).chunks) == len(fake_engine.searcher.data.chunks)
    _same_size_flip(vdir / "chunks.jsonl")
    with pytest.raises(store.StoreError, match="checksum mismatch"):
        store.load(index_dir)


def test_ingest_hashes_the_version_it_builds_on(fake_engine, new_docs):
    index_dir = fake_engine.settings.index_dir
    old = store.current_version(index_dir)
    _same_size_flip(index_dir / "versions" / old / "vectors.npy")
    before = set(fake_engine.searcher.data.documents)
    report = fake_engine.ingest([new_docs])
    # The damaged vectors are not carried on; the documents, whose file is intact, are read back and embedded
    # again, so the new version holds them all beside the new one.
    rebuilt = store.load(index_dir, full_verify=True)
    assert report.version and rebuilt.version == report.version
    assert before < set(rebuilt.documents)


def test_ingest_over_a_damaged_documents_file_keeps_the_last_intact_ones(fake_engine, new_docs, tmp_path):
    index_dir = fake_engine.settings.index_dir
    first = set(fake_engine.searcher.data.documents)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "second.txt").write_text("第二篇文章。快手电商发布了新的扶持计划，覆盖一千个商家。", encoding="utf-8")
    fake_engine.ingest([extra])
    damaged = store.current_version(index_dir)
    _same_size_flip(index_dir / "versions" / damaged / "documents.jsonl")
    fake_engine.ingest([new_docs])
    kept = set(store.load(index_dir, full_verify=True).documents)
    # The live version's documents cannot be trusted; the version before it can: nothing older is lost.
    assert first < kept and len(kept) == len(first) + 1
