"""The on-disk index: versioned directories with a manifest, swapped in atomically.

    <index dir>/CURRENT              name of the live version (replaced with os.replace: one atomic step)
    <index dir>/versions/<name>/     manifest.json, documents.jsonl, chunks.jsonl, vectors.npy, dense.faiss, bm25/
    <index dir>/ingest.lock          held by the one ingest that may write

Readers load a whole version into memory, so a later swap never changes what a running reader sees.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import bm25s
import faiss
import numpy as np

from index.documents import Chunk, Document, document_id

FORMAT_VERSION = 2  # 2: document ids name the folder a file came from (index.documents.document_id)
MIGRATED_FORMATS = (1,)  # read by renaming their documents at load; the next ingest writes the current format
KEEP_VERSIONS = 3  # the live one and two before it, so a reader mid-load never loses its files
# What write_version names a version (20261201T223557-31540-459499): CURRENT must hold exactly one such name.
VERSION_NAME = re.compile(r"\d{8}T\d{6}-\d+-\d{6}")
# The files load opens itself; bm25/ holds more, which must be listed like every other file in the folder.
CORE_FILES = ("documents.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "units.npy")


class StoreError(Exception):
    """The index is missing, damaged or incompatible; the message is one line with a hint."""


@dataclass
class IndexData:
    """Everything a version holds, in memory."""

    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    embed_hashes: list[str]  # per chunk: hash of the text that was embedded (the embedding-cache key)
    vectors: np.ndarray  # (n_chunks, dim) float32, unit length
    dense: faiss.Index
    lexical: bm25s.BM25 | None
    unit_df: np.ndarray  # hashed document frequencies of matching units (index.terms)
    version: str = ""


def current_version(index_dir: Path) -> str | None:
    try:
        return (index_dir / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def load(index_dir: Path, expected_model: str | None = None, full_verify: bool = False) -> IndexData:
    """Load the live version; a damaged or incompatible one fails with a clear message.

    A file whose size and mtime are those the manifest recorded with its sha256 is taken as written; any other is
    hashed (so an index written before sizes were kept, or copied without its mtimes, is hashed in full).
    full_verify hashes every file, which also finds a byte changed in place with its mtime kept.
    """
    version = current_version(index_dir)
    if version is None:
        raise StoreError(f"no index at {index_dir}: run `xunda rebuild` (or `xunda ingest PATH`)")
    if not VERSION_NAME.fullmatch(version):
        raise StoreError(
            f"index at {index_dir} is damaged (CURRENT names {version[:80]!r}, not a version folder): "
            "run `xunda rebuild`"
        )
    vdir = index_dir / "versions" / version
    if vdir.is_symlink() or not vdir.is_dir():
        raise StoreError(f"index at {index_dir} is damaged (version {version} is missing): run `xunda rebuild`")
    manifest = _read_manifest(vdir)
    if manifest.get("format_version") not in (FORMAT_VERSION, *MIGRATED_FORMATS):
        raise StoreError(
            f"index at {index_dir} has format {manifest.get('format_version')}, this xunda reads "
            f"{FORMAT_VERSION}: run `xunda rebuild`"
        )
    if expected_model and manifest.get("model") != expected_model:
        raise StoreError(
            f"index at {index_dir} was built with model {manifest.get('model')}, not {expected_model}: "
            "run `xunda rebuild` or point XUNDA_MODEL at the model that built it"
        )
    (_verify_checksums if full_verify else _verify_quick)(vdir, manifest)
    try:
        documents = {d["doc_id"]: Document(**d) for d in _read_jsonl(vdir / "documents.jsonl")}
        rows = _read_jsonl(vdir / "chunks.jsonl")
        if manifest.get("format_version") == 1:
            documents, rows = _ids_from_format_1(index_dir, documents, rows)
        chunks = [
            Chunk(i, r["doc_id"], r["start"], r["end"], documents[r["doc_id"]].text[r["start"] : r["end"]])
            for i, r in enumerate(rows)
        ]
        vectors = np.load(vdir / "vectors.npy", allow_pickle=False)
        dense = faiss.read_index(str(vdir / "dense.faiss"))
        lexical = bm25s.BM25.load(str(vdir / "bm25"), show_progress=False) if chunks else None
        unit_df = np.load(vdir / "units.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise StoreError(f"index at {index_dir} is damaged ({exc}): run `xunda rebuild`") from exc
    if len(chunks) != vectors.shape[0] or dense.ntotal != len(chunks):
        raise StoreError(f"index at {index_dir} is inconsistent (chunk and vector counts differ): run `xunda rebuild`")
    return IndexData(
        manifest, documents, chunks, [r["embed_hash"] for r in rows], vectors, dense, lexical, unit_df, version
    )


def salvage_documents(index_dir: Path) -> dict[str, Document]:
    """The documents of a live version that does not load, so that an ingest over it loses none: those of the
    live version when its documents file still matches its checksum, else those of the newest earlier version
    whose documents file does; {} when there is no index or none survives. Only text survives: vectors and
    the lexical index are rebuilt from it."""
    current = current_version(index_dir)
    versions = index_dir / "versions"
    if current is None or not versions.is_dir():
        return {}
    names = sorted((p.name for p in versions.iterdir() if VERSION_NAME.fullmatch(p.name)), reverse=True)
    if current in names:  # the live one first, then the others newest first
        names.remove(current)
        names.insert(0, current)
    for name in names:
        vdir = versions / name
        try:
            digest = _read_manifest(vdir).get("files", {}).get("documents.jsonl")
            if not isinstance(digest, str) or vdir.is_symlink() or _sha256(vdir / "documents.jsonl") != digest:
                continue
            return {d["doc_id"]: Document(**d) for d in _read_jsonl(vdir / "documents.jsonl")}
        except (StoreError, OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return {}


def _ids_from_format_1(index_dir: Path, documents: dict[str, Document], rows: list[dict]):
    """Format 1 named a file by its path relative to the ingested folder alone ("a.txt"). Its documents kept
    their absolute source path, from which the folder, and so the current id, follows."""
    renamed = {old: _current_id(old, doc.source_path) for old, doc in documents.items()}
    if None in renamed.values() or len(set(renamed.values())) != len(renamed):
        raise StoreError(
            f"index at {index_dir} was built by an older xunda and cannot be converted: run `xunda rebuild`"
        )
    ids = {old: new for old, new in renamed.items() if new is not None}  # all of them, checked above
    documents = {ids[old]: replace(doc, doc_id=ids[old]) for old, doc in documents.items()}
    rows = [dict(r, doc_id=renamed.get(r["doc_id"], r["doc_id"])) for r in rows]
    return documents, rows


def _current_id(old_id: str, source_path: str) -> str | None:
    if not source_path or "://" in source_path:  # not read from a file (a feed item, an evaluation set)
        return old_id
    base, hash_, k = old_id.rpartition("#")
    base, suffix = (base, hash_ + k) if hash_ and k.isdigit() else (old_id, "")
    parts, source = PurePosixPath(base).parts, PurePosixPath(source_path).parts
    if not parts or len(parts) >= len(source) or source[-len(parts) :] != parts:
        return None  # the file is not where its id says (a link inside the folder): cannot tell the folder
    return document_id(Path(*source[: -len(parts)]), base) + suffix


def summary(index_dir: Path, data: IndexData) -> dict:
    """What `xunda stats`, the REPL and the bot's /stats show about a loaded version."""
    return {
        "index": str(index_dir),
        "version": data.version,
        "documents": len(data.documents),
        "chunks": len(data.chunks),
        **{k: data.manifest.get(k) for k in ("model", "dimension", "dense_index", "built_at")},
    }


def write_version(index_dir: Path, data: IndexData, tokens: dict[str, list[str]] | None = None) -> str:
    """Write `data` as a new version beside the live one, then make it live in one atomic step.

    `tokens` (lexical tokens per embed hash) is kept for the next ingest only; readers never load it.
    """
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    try:
        _write_and_publish(index_dir, name, data, tokens)
    except OSError as exc:  # a full disk, a read-only folder: one line, and the live version is what it was
        live = current_version(index_dir) == name
        state = "the new version is live but may not be on disk yet" if live else "the live index is unchanged"
        raise StoreError(f"cannot write the index at {index_dir} ({exc.strerror or exc}); {state}") from exc
    _drop_old_versions(index_dir, keep=name)
    return name


def _write_and_publish(index_dir: Path, name: str, data: IndexData, tokens: dict[str, list[str]] | None) -> None:
    versions = index_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / f".tmp-{name}"
    pointer = index_dir / f".CURRENT.{name}"
    published = False
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in data.documents.values()))
        _write_jsonl(
            tmp / "chunks.jsonl",
            (
                {"doc_id": c.doc_id, "start": c.start, "end": c.end, "embed_hash": h}
                for c, h in zip(data.chunks, data.embed_hashes, strict=True)
            ),
        )
        np.save(tmp / "vectors.npy", data.vectors, allow_pickle=False)
        np.save(tmp / "units.npy", data.unit_df, allow_pickle=False)
        faiss.write_index(data.dense, str(tmp / "dense.faiss"))
        if data.lexical is not None:
            data.lexical.save(str(tmp / "bm25"), show_progress=False)
        if tokens is not None:
            _write_jsonl(tmp / "tokens.jsonl", ({"h": h, "t": " ".join(t)} for h, t in tokens.items()))
        digests = _checksums(tmp)
        manifest = dict(data.manifest, format_version=FORMAT_VERSION, files=digests, stats=_file_stats(tmp, digests))
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _fsync_tree(tmp)
        os.rename(tmp, versions / name)
        _fsync_dir(versions)
        pointer.write_text(name)
        _fsync_file(pointer)
        os.replace(pointer, index_dir / "CURRENT")
        published = True
        _fsync_dir(index_dir)
    finally:
        # Whatever step failed, nothing of an unpublished version stays behind.
        shutil.rmtree(tmp, ignore_errors=True)
        if not published:
            pointer.unlink(missing_ok=True)
            shutil.rmtree(versions / name, ignore_errors=True)


@contextmanager
def writer_lock(index_dir: Path, wait: bool = False):
    """Only one ingest writes at a time; a second one fails clearly (or waits, if asked)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / "ingest.lock", "a")  # "a": opening never truncates what another holder sees
    except OSError as exc:
        raise StoreError(f"cannot write the index at {index_dir} ({exc.strerror or exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise StoreError(f"another ingest is writing {index_dir}; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_tokens(index_dir: Path, version: str) -> dict[str, list[str]]:
    """The lexical tokens a version kept per embed hash (empty if absent), so unchanged chunks skip jieba."""
    path = index_dir / "versions" / version / "tokens.jsonl"
    if not path.is_file():
        return {}
    try:
        return {r["h"]: r["t"].split(" ") if r["t"] else [] for r in _read_jsonl(path)}
    except (OSError, ValueError, KeyError):
        return {}


def _read_manifest(vdir: Path) -> dict:
    try:
        return json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"index version {vdir.name} has no manifest: run `xunda rebuild`") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"index manifest in {vdir} is damaged ({exc}): run `xunda rebuild`") from exc


def _checksums(vdir: Path) -> dict[str, str]:
    return {name: _sha256(vdir / name) for name in _checksum_names(vdir)}


def _checksum_names(vdir: Path) -> list[str]:
    """Every file in a version folder but its manifest, as a path relative to the folder."""
    return [
        p.relative_to(vdir).as_posix()
        for p in sorted(vdir.rglob("*"))
        if (p.is_file() or p.is_symlink()) and p.relative_to(vdir).as_posix() != "manifest.json"
    ]


def _file_stats(vdir: Path, digests: dict[str, str]) -> dict[str, list]:
    """[size, mtime in ns, sha256] of each file, for the quick check at load. The digest ties the entry to the
    checksum it was taken with: a manifest whose checksums were rewritten without it gets its files hashed."""
    stats = {}
    for name, digest in digests.items():
        info = (vdir / name).stat()
        stats[name] = [info.st_size, info.st_mtime_ns, digest]
    return stats


def verify(index_dir: Path) -> dict:
    """`xunda verify`: the live version loaded with every file hashed; what was checked, or StoreError."""
    started = time.perf_counter()
    data = load(index_dir, full_verify=True)
    vdir = index_dir / "versions" / data.version
    files = data.manifest["files"]
    size = sum((vdir / name).stat().st_size for name in files)
    return {"version": data.version, "files": len(files), "bytes": size, "seconds": time.perf_counter() - started}


def _verify_quick(vdir: Path, manifest: dict) -> None:
    """The listing checks of _verify_checksums; then a file is hashed only if its size or mtime is not the one
    recorded with its checksum (a size that differs is damage without reading a byte)."""
    stats = manifest.get("stats")
    if not isinstance(stats, dict):
        stats = {}
    for name, digest in _listed_files(vdir, manifest).items():
        info = (vdir / name).stat()
        recorded = stats.get(name)
        if isinstance(recorded, list) and len(recorded) == 3 and recorded[2] == digest:
            if recorded[0] != info.st_size:
                raise StoreError(
                    f"index file {name} in {vdir} is damaged (its size is not the one written): run `xunda rebuild`"
                )
            if recorded[1] == info.st_mtime_ns:
                continue
        if _sha256(vdir / name) != digest:
            raise StoreError(f"index file {name} in {vdir} is damaged (checksum mismatch): run `xunda rebuild`")


def _verify_checksums(vdir: Path, manifest: dict) -> None:
    """Every file in the version folder is listed with its sha256, the files load opens among them, and each
    one matches: nothing that load reads escapes verification."""
    for name, digest in _listed_files(vdir, manifest).items():
        if _sha256(vdir / name) != digest:
            raise StoreError(f"index file {name} in {vdir} is damaged (checksum mismatch): run `xunda rebuild`")


def _listed_files(vdir: Path, manifest: dict) -> dict[str, str]:
    """The manifest's files, after checking it lists every file in the folder and names only files inside it."""
    expected = manifest.get("files")
    if not isinstance(expected, dict) or not expected or not all(isinstance(d, str) for d in expected.values()):
        raise StoreError(f"index manifest in {vdir} lists no files to verify: run `xunda rebuild`")
    unlisted = sorted({*CORE_FILES, *_checksum_names(vdir)} - set(expected))
    if unlisted:
        raise StoreError(f"index manifest in {vdir} does not list {', '.join(unlisted[:3])}: run `xunda rebuild`")
    for name in expected:
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
            raise StoreError(f"index manifest in {vdir} names a file outside it ({name[:80]!r}): run `xunda rebuild`")
        if not (vdir / name).is_file():
            raise StoreError(f"index file {name} is missing from {vdir}: run `xunda rebuild`")
    return expected


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        _fsync_file(path)
    _fsync_file(root)


def _drop_old_versions(index_dir: Path, keep: str) -> None:
    versions = index_dir / "versions"
    names = sorted(p.name for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    stale = [n for n in names if n != keep][: max(0, len(names) - KEEP_VERSIONS)]
    for name in stale:
        shutil.rmtree(versions / name, ignore_errors=True)
    # Left by a killed ingest; safe to remove because only the lock holder writes here.
    for leftover in versions.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for pointer in index_dir.glob(".CURRENT.*"):
        pointer.unlink(missing_ok=True)
