"""The index in Milvus: one collection per version behind an alias, switched atomically (blue/green).

    <name>                        alias: the live version; every reader asks it before each question
    <name>__<stamp>               chunks of one version: vector (HNSW, IP), text with a BM25 function
                                  (jieba), doc_id, day (YYYYMMDD, 0 when undated), outlet, embed_hash
    <name>__<stamp>__docs         the same version's documents, its manifest and its matching-unit table

<name> comes from the index folder's name (`xunda_index` for the default `.../index`), so every replica
and every ingest pointed at the same Milvus and the same index name share one index.

An ingest writes both collections of a new version, checks their row counts, and only then points the
alias at it: one server-side step, so readers see the old version or the new one, never a mix. A killed
ingest leaves a version the alias never named; the next ingest drops it (anything newer than the live
version is such a leftover, because publishing is the last thing an ingest does), and keeps the live
version and KEEP_VERSIONS - 1 before it.

A `*.db` URI runs Milvus Lite inside this process (one process per file); http://host:19530 reaches a
Milvus Lite server, Milvus Standalone/Distributed or Zilliz Cloud, with the same client code.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from index import store, terms
from index.backends import IndexUnavailable
from index.build import BuildStats, _embed, embed_hash, reuse_vectors, version_manifest
from index.chunking import Chunker, embedding_text
from index.dates import ANY_DATE, DateRange
from index.documents import Chunk, Document
from index.embedding import Embedder
from index.ingest import IngestReport, embedding_progress, merge_documents, same_build
from index.search import FUSION_WEIGHTS, POOL, RRF_K, Hit, reciprocal_rank_fusion
from index.tokenize import STOPWORDS, search_tokens

KEEP_VERSIONS = 3
INSERT_BATCH = 1000
QUERY_BATCH = 500  # ids per `in [...]` filter
PIECE_CHARS = 16_000  # VARCHAR holds 65,535 bytes: 16k characters fit even at 4 bytes each
MAX_TEXT_BYTES = 65_535
HNSW_PARAMS = {"M": 48, "efConstruction": 40}  # as index/dense.py, tuned with bench/faiss_scale.py
HNSW_EF = 128
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s' defaults, so both backends weigh terms alike
RPC_TIMEOUT = 10.0  # seconds; a server that does not answer in this time counts as gone
# jieba in search mode, lower case, the project's stop words and punctuation dropped: the tokens of
# index.tokenize.search_tokens. (Milvus Lite reads the stop list; Milvus itself also applies removepunct.)
_PUNCTUATION = list("，。、；：？！“”‘’（）《》【】—…·「」『』〈〉,.;:?!\"'()[]{}<>-_/\\|@#$%^&*+=~`")
ANALYZER = {
    "tokenizer": {"type": "jieba", "mode": "search"},
    "filter": ["lowercase", "removepunct", {"type": "stop", "stop_words": sorted(STOPWORDS) + _PUNCTUATION}],
}

log = logging.getLogger(__name__)


class MilvusUnavailable(IndexUnavailable):
    """The Milvus server does not answer; the engine tells users the index is unavailable and retries later."""


def collection_base(index_dir: Path) -> str:
    """The alias for an index folder: xunda_ + its name, in the letters Milvus allows in a name."""
    return "xunda_" + (re.sub(r"[^0-9A-Za-z_]", "_", index_dir.name) or "index")


class MilvusBackend:
    name = "milvus"

    def __init__(self, client, index_dir: Path, uri: str, token: str | None = None):
        self.client = client
        self.index_dir = index_dir
        self.uri = uri
        self.token = token
        self.alias = collection_base(index_dir)

    @classmethod
    def connect(cls, index_dir: Path, uri: str, token: str | None = None) -> MilvusBackend:
        """Connect (a *.db path starts Milvus Lite in this process); StoreError in one line if that fails."""
        try:
            import pymilvus  # noqa: F401 (only to say what is missing)
        except ImportError:
            raise store.StoreError("XUNDA_MILVUS_URI needs the scale extra: pip install 'xunda[scale]'") from None
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # it logs a traceback for every failed call
        if uri.endswith(".db"):
            uri = str(Path(uri).expanduser())
            # Milvus Lite's in-process gRPC server logs a traceback for each call it does not implement (pymilvus
            # asks AllocTimestamp while waiting for an index, and carries on without it).
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        try:
            client = _client(uri, token)
        except Exception as exc:  # pymilvus raises several kinds; the user needs one line
            raise store.StoreError(f"cannot reach Milvus at {uri}: {_reason(exc)}") from None
        return cls(client, index_dir, uri, token)

    # ------------------------------------------------------------------------------------------ reading
    def current_version(self) -> str | None:
        """The collection the alias names, or None before the first ingest; MilvusUnavailable when down.

        A failed call is retried once on a new connection: after an outage gRPC's own reconnect backs off for
        seconds to minutes, and answers should resume as soon as the server is back."""
        try:
            return self._alias_target()
        except Exception as exc:  # noqa: BLE001 (any failure here: try a fresh connection once)
            if not _is_milvus_error(exc):
                raise
        with _unavailable(self.uri):
            stale, self.client = self.client, _client(self.uri, self.token)
            try:
                stale.close()
            except Exception:  # noqa: BLE001 (a dead connection may fail to close; it is dropped either way)
                pass
            return self._alias_target()

    def _alias_target(self) -> str | None:
        if self.alias not in self.client.list_aliases(timeout=RPC_TIMEOUT).get("aliases", []):
            return None
        return self.client.describe_alias(self.alias, timeout=RPC_TIMEOUT)["collection_name"]

    def searcher(self, embedder: Embedder) -> MilvusSearcher:
        version = self.current_version()
        if version is None:
            raise store.StoreError(f"no index in Milvus at {self.uri} ({self.alias}): run `xunda rebuild`")
        with _unavailable(self.uri):
            self.client.load_collection(version, timeout=RPC_TIMEOUT * 6)
            self.client.load_collection(version + "__docs", timeout=RPC_TIMEOUT * 6)
            manifest, unit_df = _read_meta(self.client, version)
        if manifest.get("format_version") != store.FORMAT_VERSION:
            raise store.StoreError(f"Milvus index {version} has format {manifest.get('format_version')}, "
                                   f"this xunda reads {store.FORMAT_VERSION}: run `xunda rebuild`")
        if manifest.get("model") != embedder.name:
            raise store.StoreError(
                f"Milvus index {version} was built with model {manifest.get('model')}, not {embedder.name}: "
                "run `xunda rebuild` or point XUNDA_MODEL at the model that built it"
            )
        return MilvusSearcher(self, version, manifest, unit_df, embedder)

    def summary(self, searcher: MilvusSearcher) -> dict:
        return self._summary(searcher.version, searcher.manifest)

    def describe(self) -> dict:
        version = self.current_version()
        if version is None:
            raise store.StoreError(f"no index in Milvus at {self.uri} ({self.alias}): run `xunda rebuild`")
        with _unavailable(self.uri):
            self.client.load_collection(version + "__docs", timeout=RPC_TIMEOUT * 6)
            return self._summary(version, _read_meta_json(self.client, version))

    def _summary(self, version: str, manifest: dict) -> dict:
        return {
            "backend": f"milvus ({self.uri})",
            "index": self.alias,
            "version": version,
            "documents": manifest["counts"]["documents"],
            "chunks": manifest["counts"]["chunks"],
            **{k: manifest.get(k) for k in ("model", "dimension", "dense_index", "built_at")},
        }

    # ------------------------------------------------------------------------------------------ writing
    def ingest(
        self,
        incoming: dict[str, Document],
        embedder: Embedder,
        chunker: Chunker,
        *,
        replace_all: bool = False,
        prune: bool = False,
        show_progress: bool = False,
        failed: list[tuple[str, str]] | None = None,
        sources_read=(),
    ) -> IngestReport:
        """As index.ingest.ingest, into a new collection that the alias then names."""
        report = IngestReport(failed=list(failed or []))
        with store.writer_lock(self.index_dir), _unavailable(self.uri):
            live = self.current_version()
            self._drop_stale(live)
            old, manifest = ({}, {}) if live is None else (_read_documents(self.client, live), _read_meta_json(
                self.client, live))
            reuse = live is not None and same_build(manifest, embedder, chunker)
            merged, _moved = merge_documents(
                old, incoming, report, replace_all=replace_all, prune=prune, sources_read=sources_read
            )
            if reuse and not report.changed:
                return report
            with embedding_progress(show_progress) as progress:
                rows, vectors, texts, stats = self._chunk_and_embed(
                    merged, embedder, chunker, live if reuse else None, progress
                )
            report.stats = stats
            dimension = vectors.shape[1] if len(vectors) else (manifest.get("dimension") or embedder.dimension)
            dense_index = f"milvus HNSW M={HNSW_PARAMS['M']} ef={HNSW_EF}, BM25 (jieba)"
            manifest = {
                **version_manifest(embedder, chunker, int(dimension), dense_index, len(merged), len(rows)),
                "format_version": store.FORMAT_VERSION,
            }
            now = time.time_ns()  # names sort by creation time, which _drop_stale relies on
            version = f"{self.alias}__{time.strftime('%Y%m%dT%H%M%S', time.gmtime(now // 10**9))}_{now % 10**9:09d}"
            self._write_version(version, merged, rows, vectors, manifest, terms.document_frequencies(texts))
            self._publish(version, live)
            report.version = version
        return report

    def _chunk_and_embed(self, documents, embedder, chunker, live: str | None, progress):
        rows: list[dict] = []
        texts: list[str] = []
        for doc in sorted(documents.values(), key=lambda d: d.doc_id):
            for start, end in chunker.split(doc):
                text = embedding_text(doc, Chunk(len(rows), doc.doc_id, start, end, doc.text[start:end]))
                rows.append({"row": len(rows), "doc_id": doc.doc_id, "start": start, "end": end,
                             "embed_hash": embed_hash(embedder.name, text), "text": _clip(text),
                             "day": _day(doc.date), "outlet": (doc.outlet or "")[:255]})
                texts.append(text)
        stats = BuildStats()
        cache = _live_vectors(self.client, live, {r["embed_hash"] for r in rows}) if live else {}
        dimension = len(next(iter(cache.values()))) if cache else embedder.dimension
        vectors, missing = reuse_vectors([r["embed_hash"] for r in rows], cache, dimension, stats)
        _embed(embedder, texts, missing, vectors, stats, progress)
        return rows, vectors, texts, stats

    def _write_version(self, version, documents, rows, vectors, manifest, unit_df) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self.client
        dims = int(manifest["dimension"])
        docs_schema = client.create_schema(auto_id=False)
        docs_schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=2048)
        docs_schema.add_field("kind", DataType.VARCHAR, max_length=16)  # doc | manifest | units
        docs_schema.add_field("doc_id", DataType.VARCHAR, max_length=2048)
        docs_schema.add_field("part", DataType.INT64)
        docs_schema.add_field("payload", DataType.VARCHAR, max_length=MAX_TEXT_BYTES)
        docs_schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        docs_index = client.prepare_index_params()
        docs_index.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(version + "__docs", schema=docs_schema, index_params=docs_index)
        meta_rows = list(_pieces("manifest", "", json.dumps(manifest, ensure_ascii=False)))
        meta_rows += _pieces("units", "", _encode_array(unit_df))
        doc_rows = (r for d in documents.values() for r in _pieces("doc", d.doc_id, json.dumps(d.to_dict(),
                                                                                              ensure_ascii=False)))
        _insert(client, version + "__docs", _chain(meta_rows, doc_rows))

        schema = client.create_schema(auto_id=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=2048)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("embed_hash", DataType.VARCHAR, max_length=64)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True,
                         analyzer_params=ANALYZER)
        schema.add_field("day", DataType.INT64)
        schema.add_field("outlet", DataType.VARCHAR, max_length=1024)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dims)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                     output_field_names=["sparse"]))
        index = client.prepare_index_params()
        index.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
        index.add_index("day", index_type="INVERTED")
        client.create_collection(version, schema=schema, index_params=index)
        _insert(client, version, (dict(r, vector=vectors[i].tolist()) for i, r in enumerate(rows)))
        for name in (version, version + "__docs"):
            client.flush(name, timeout=RPC_TIMEOUT * 30)
            client.load_collection(name, timeout=RPC_TIMEOUT * 30)
        counted = _count(client, version)
        if counted != len(rows):
            raise store.StoreError(f"Milvus holds {counted} of the {len(rows)} chunks written to {version}; "
                                   "the live index is unchanged: run the ingest again")

    def _publish(self, version: str, live: str | None) -> None:
        if live is None and self.alias not in self.client.list_aliases().get("aliases", []):
            self.client.create_alias(version, self.alias)
        else:
            self.client.alter_alias(version, self.alias)  # the one atomic step that makes it live
        self._drop_stale(version)

    def _drop_stale(self, live: str | None) -> None:
        """Drop versions older than the last KEEP_VERSIONS, and any newer than the live one (a killed ingest's)."""
        versions = sorted(n for n in self.client.list_collections() if _is_version(n, self.alias))
        if live is None:
            stale = versions
        else:
            older = [v for v in versions if v < live]
            stale = [v for v in versions if v > live] + older[: max(0, len(older) - (KEEP_VERSIONS - 1))]
        for version in stale:
            for name in (version, version + "__docs"):
                if self.client.has_collection(name):
                    self.client.drop_collection(name)
            log.info("dropped Milvus version %s", version)


class _DocumentCache(Mapping):
    """A version's documents, fetched from Milvus when first needed and kept (a version never changes)."""

    def __init__(self, backend: MilvusBackend, version: str, count: int, capacity: int = 4096):
        self._backend, self._version, self._count, self._capacity = backend, version, count, capacity
        self._cache: OrderedDict[str, Document] = OrderedDict()

    @property
    def _client(self):
        return self._backend.client

    def fetch(self, doc_ids) -> None:
        wanted = [d for d in dict.fromkeys(doc_ids) if d not in self._cache]
        if wanted:
            with _unavailable(self._backend.uri):
                found = _read_documents(self._client, self._version, wanted)
            for doc in found.values():
                self._cache[doc.doc_id] = doc
        for doc_id in doc_ids:
            if doc_id in self._cache:
                self._cache.move_to_end(doc_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)

    def __getitem__(self, doc_id: str) -> Document:
        self.fetch([doc_id])
        return self._cache[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(_all_doc_ids(self._client, self._version))

    def __len__(self) -> int:
        return self._count

    def values(self):  # one streamed read, not one query per document
        return _read_documents(self._client, self._version).values()

    def items(self):
        return _read_documents(self._client, self._version).items()


class _VersionView:
    """What front ends read from `searcher.data`: documents, manifest and version."""

    def __init__(self, manifest: dict, documents: _DocumentCache, version: str):
        self.manifest, self.documents, self.version = manifest, documents, version


class MilvusSearcher:
    """index.search.Searcher's interface over one Milvus version: dense and BM25 searched in Milvus, each
    with the date filter, fused here by the same reciprocal rank fusion (which keeps each hit's cosine)."""

    def __init__(self, backend: MilvusBackend, version: str, manifest: dict, unit_df: np.ndarray, embedder: Embedder):
        self.backend, self.uri, self.version, self.manifest = backend, backend.uri, version, manifest
        self.unit_df = unit_df
        self.embedder = embedder
        self.size = int(manifest["counts"]["chunks"])
        self.data = _VersionView(manifest, _DocumentCache(backend, version + "__docs",
                                                          manifest["counts"]["documents"]), version)

    @property
    def client(self):
        return self.backend.client  # the backend's, which it replaces after an outage

    def unit_idf(self, unit: str) -> float:
        return terms.idf(self.unit_df, max(1, self.size), unit)

    def knows_unit(self, unit: str) -> bool:
        return bool(self.unit_df[terms.slot(unit)])

    def search(self, query: str, k: int = 8, dates: DateRange = ANY_DATE) -> list[Hit]:
        return self._loaded(self._search, query, k, dates)

    def dense_only(self, query: str, k: int = 5) -> list[Hit]:
        return self._loaded(self._dense_only, query, k)

    def _loaded(self, search, *args):
        """Milvus Lite forgets which collections were loaded when it restarts: load them again, once, and retry."""
        try:
            return search(*args)
        except MilvusUnavailable as exc:
            if "load" not in str(exc).lower():
                raise
        with _unavailable(self.uri):
            for name in (self.version, self.version + "__docs"):
                self.client.load_collection(name, timeout=RPC_TIMEOUT * 6)
        return search(*args)

    def _search(self, query: str, k: int, dates: DateRange) -> list[Hit]:
        if not self.size:
            return []
        vector = self.embedder.encode_query(query)
        where = date_filter(dates)
        with _unavailable(self.uri):
            dense = self._dense(vector, where, POOL)
            lexical = self._lexical(query, where) if search_tokens(query) else {}
            fused = reciprocal_rank_fusion([list(dense), list(lexical)], RRF_K, FUSION_WEIGHTS)
            best = sorted(fused, key=lambda r: fused[r], reverse=True)[:k]
            rows = self._rows(best, with_vector=any(r not in dense for r in best))
            outside = [r for r in best if r not in lexical]
            if lexical and outside:  # the BM25 score of hits that only the dense side found, as bm25s gives
                lexical.update(self._lexical(query, f"row in {outside}", len(outside)))
        self.data.documents.fetch([rows[r]["doc_id"] for r in best])
        hits = []
        for r in best:
            row = rows[r]
            score = dense[r] if r in dense else float(np.asarray(row["vector"], dtype=np.float32) @ vector)
            hits.append(self._hit(row, fused[r], score, lexical.get(r, 0.0)))
        return hits

    def _dense_only(self, query: str, k: int) -> list[Hit]:
        with _unavailable(self.uri):
            dense = self._dense(self.embedder.encode([query])[0], "", k)
            rows = self._rows(list(dense), with_vector=False)
        self.data.documents.fetch([rows[r]["doc_id"] for r in dense])
        return [self._hit(rows[r], s, s, 0.0) for r, s in dense.items()]

    def _hit(self, row: dict, fused: float, dense: float, lexical: float) -> Hit:
        doc = self.data.documents[row["doc_id"]]
        chunk = Chunk(int(row["row"]), doc.doc_id, int(row["start"]), int(row["end"]),
                      doc.text[int(row["start"]) : int(row["end"])])
        return Hit(chunk, doc, float(fused), float(dense), float(lexical))

    def _dense(self, vector: np.ndarray, where: str, k: int) -> dict[int, float]:
        result = self.client.search(
            self.version, data=[vector.tolist()], anns_field="vector", limit=min(k, self.size), filter=where,
            search_params={"metric_type": "IP", "params": {"ef": max(HNSW_EF, k)}}, timeout=RPC_TIMEOUT,
        )
        return {int(h.id): float(h.distance) for h in result[0]}

    def _lexical(self, query: str, where: str, k: int = POOL) -> dict[int, float]:
        result = self.client.search(
            self.version, data=[query], anns_field="sparse", limit=min(k, self.size), filter=where,
            search_params={"metric_type": "BM25"}, timeout=RPC_TIMEOUT,
        )
        # Milvus Lite reports BM25 negated (smaller is better), Milvus itself positive: the score is its size.
        return {int(h.id): abs(float(h.distance)) for h in result[0] if h.distance}

    def _rows(self, ids: list[int], with_vector: bool) -> dict[int, dict]:
        if not ids:
            return {}
        fields = ["row", "doc_id", "start", "end"] + (["vector"] if with_vector else [])
        found = self.client.query(self.version, filter=f"row in {[int(i) for i in ids]}", output_fields=fields,
                                  timeout=RPC_TIMEOUT)
        return {int(r["row"]): r for r in found}


def date_filter(dates: DateRange) -> str:
    """--since/--until as a Milvus filter on the `day` field (undated documents never pass a date filter)."""
    if not dates:
        return ""
    parts = ["day > 0"]
    if dates.since:
        parts.append(f"day >= {_day(dates.since)}")
    if dates.until:
        parts.append(f"day <= {_day(dates.until)}")
    return " and ".join(parts)


# ---------------------------------------------------------------------------------------------- helpers
class _unavailable:
    """Turns a failed call to the server into MilvusUnavailable (a StoreError: one line for the user)."""

    def __init__(self, uri: str):
        self.uri = uri

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, store.StoreError) or not _is_milvus_error(exc):
            return False
        raise MilvusUnavailable(f"the Milvus index at {self.uri} is unavailable: {_reason(exc)}") from exc


def _client(uri: str, token: str | None):
    from pymilvus import MilvusClient

    client = MilvusClient(uri=uri, token=token or "", timeout=RPC_TIMEOUT)
    client.list_aliases(timeout=RPC_TIMEOUT)
    return client


def _is_milvus_error(exc: BaseException) -> bool:
    from pymilvus.exceptions import MilvusException

    try:
        import grpc

        return isinstance(exc, MilvusException | grpc.RpcError)
    except ImportError:
        return isinstance(exc, MilvusException)


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


def _is_version(name: str, alias: str) -> bool:
    return name.startswith(alias + "__") and not name.endswith("__docs") and "__" not in name[len(alias) + 2 :]


def _day(date: str | None) -> int:
    """2022-05-20T18:19:53+08:00 -> 20220520; 0 for no (or no readable) date."""
    digits = (date or "")[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


def _clip(text: str) -> str:
    """Embedded text is a title and at most a chunk, far below the limit; clip at a character boundary anyway."""
    data = text.encode("utf-8")
    return text if len(data) <= MAX_TEXT_BYTES else data[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


def _pieces(kind: str, doc_id: str, payload: str) -> Iterator[dict]:
    for part, begin in enumerate(range(0, max(1, len(payload)), PIECE_CHARS)):
        yield {"key": f"{kind}\x1f{doc_id}\x1f{part}", "kind": kind, "doc_id": doc_id, "part": part,
               "payload": payload[begin : begin + PIECE_CHARS], "unused": [0.0, 0.0]}


def _join(rows: list[dict]) -> str:
    return "".join(r["payload"] for r in sorted(rows, key=lambda r: r["part"]))


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def _insert(client, collection: str, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= INSERT_BATCH:
            client.insert(collection, batch, timeout=RPC_TIMEOUT * 6)
            batch = []
    if batch:
        client.insert(collection, batch, timeout=RPC_TIMEOUT * 6)


def _count(client, collection: str) -> int:
    return int(client.query(collection, filter="", output_fields=["count(*)"], timeout=RPC_TIMEOUT)[0]["count(*)"])


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, a=array)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_array(text: str) -> np.ndarray:
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as archive:
        return archive["a"]


def _read_meta_json(client, version: str) -> dict:
    rows = client.query(version + "__docs", filter='kind == "manifest"', output_fields=["part", "payload"],
                        timeout=RPC_TIMEOUT)
    return json.loads(_join(rows)) if rows else {}


def _read_meta(client, version: str) -> tuple[dict, np.ndarray]:
    manifest = _read_meta_json(client, version)
    rows = client.query(version + "__docs", filter='kind == "units"', output_fields=["part", "payload"],
                        timeout=RPC_TIMEOUT)
    if not manifest or not rows:
        raise store.StoreError(f"Milvus index {version} has no manifest: run `xunda rebuild`")
    return manifest, _decode_array(_join(rows))


def _iterate(client, collection: str, where: str, fields: list[str], batch: int = 1000) -> Iterator[dict]:
    iterator = client.query_iterator(collection, batch_size=batch, filter=where, output_fields=fields,
                                     timeout=RPC_TIMEOUT)
    try:
        while page := iterator.next():
            yield from page
    finally:
        iterator.close()


def _read_documents(client, version: str, doc_ids: list[str] | None = None) -> dict[str, Document]:
    """Documents of a version (`version` names the chunk collection or its __docs one), all or those named."""
    collection = version if version.endswith("__docs") else version + "__docs"
    pieces: dict[str, list[dict]] = {}
    fields = ["doc_id", "part", "payload"]
    if doc_ids is None:
        found: Iterator[dict] | list[dict] = _iterate(client, collection, 'kind == "doc"', fields)
    else:
        found = []
        for begin in range(0, len(doc_ids), QUERY_BATCH):
            names = json.dumps(doc_ids[begin : begin + QUERY_BATCH], ensure_ascii=False)
            found += client.query(collection, filter=f'kind == "doc" and doc_id in {names}', output_fields=fields,
                                  timeout=RPC_TIMEOUT)
    for row in found:
        pieces.setdefault(row["doc_id"], []).append(row)
    return {doc_id: Document(**json.loads(_join(rows))) for doc_id, rows in pieces.items()}


def _all_doc_ids(client, docs_collection: str) -> list[str]:
    rows = _iterate(client, docs_collection, 'kind == "doc" and part == 0', ["doc_id"])
    return [r["doc_id"] for r in rows]


def _live_vectors(client, version: str, hashes: set[str]) -> dict[str, np.ndarray]:
    """Vectors the live version already holds for these embedded-text hashes (the embedding cache)."""
    wanted, found = sorted(hashes), {}
    for begin in range(0, len(wanted), QUERY_BATCH):
        names = json.dumps(wanted[begin : begin + QUERY_BATCH])
        for row in client.query(version, filter=f"embed_hash in {names}", output_fields=["embed_hash", "vector"],
                                timeout=RPC_TIMEOUT * 6):
            found[row["embed_hash"]] = np.asarray(row["vector"], dtype=np.float32)
    return found

