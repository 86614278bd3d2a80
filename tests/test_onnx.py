"""The ONNX Runtime backend against the sentence-transformers reference, with the real model on the seed corpus."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.core.engine import Engine
from bot.settings import BUNDLED_CORPUS
from index.chunking import embedding_text
from index.documents import Chunk
from index.embedding import ModelError, make_embedder, model_fingerprint, packaged_model_path
from index.ingest import load_paths
from index.onnx_model import read_export

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "seed_qa_dev.jsonl"
MORE = ROOT / "eval" / "seed_qa_more.jsonl"


@pytest.fixture(scope="session")
def xdg_cache(tmp_path_factory) -> Path:
    """$XDG_CACHE_HOME for this session: the CLI keeps its ONNX export in <it>/xunda, like the fixture below."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def onnx_cache(xdg_cache) -> Path:
    return xdg_cache / "xunda"


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache):
    return make_embedder(backend="onnx", cache_dir=onnx_cache)


def _seed_passages(seed_engine) -> list[str]:
    documents, _ = load_paths([seed_engine.settings.corpus_dir])
    return [
        embedding_text(doc, Chunk(0, doc.doc_id, start, end, doc.text[start:end]))
        for doc in documents.values()
        for start, end in seed_engine.chunker.split(doc)
    ]


def _questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_fp32_passage_vectors_match_sentence_transformers(seed_engine, real_embedder, onnx_embedder):
    texts = _seed_passages(seed_engine)
    ours = onnx_embedder.encode(texts)
    reference = real_embedder.encode(texts)
    assert ours.shape == reference.shape == (len(texts), 512)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * reference).sum(axis=1).min() >= 0.999


def test_int8_question_vectors_stay_close_to_exact(real_embedder, onnx_embedder):
    questions = _questions(DEV) + _questions(MORE)
    ours = np.stack([onnx_embedder.encode_query(q) for q in questions])
    exact = real_embedder.encode(questions)
    cosine = (ours * exact).sum(axis=1)
    assert cosine.min() >= 0.97 and cosine.mean() >= 0.98


def test_same_model_name_as_torch_so_either_backend_reads_the_other_index(real_embedder, onnx_embedder):
    assert onnx_embedder.name == real_embedder.name == model_fingerprint(packaged_model_path())


def test_index_built_by_torch_answers_the_dev_set_through_onnx(seed_engine, onnx_embedder):
    engine = Engine(seed_engine.settings, onnx_embedder)  # seed_engine's index was built by sentence-transformers
    for row in map(json.loads, DEV.read_text(encoding="utf-8").splitlines()):
        answer = engine.ask(row["question"])
        assert answer.answerable == row["answerable"], row["question"]
        if row["answerable"]:
            assert any(gold in answer.text for gold in row["answers"]), (row["question"], answer.text)
            assert answer.citations[0].hit.doc.doc_id.split("#")[0] == f"corpus/{row['source']}"


def test_question_path_imports_no_torch_and_reuses_the_export(onnx_embedder, onnx_cache):
    onnx_embedder.encode_query("预热")  # the export exists now
    meta = onnx_embedder.export.folder / "export.json"
    made = meta.stat().st_mtime_ns
    script = (
        "import sys\n"
        "from index.embedding import make_embedder\n"
        f"e = make_embedder(backend='onnx', cache_dir={str(onnx_cache)!r})\n"
        "v = e.encode_query('快手2022扶持多少快品牌')\n"
        "print(len(v), [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["512", "[]"]
    assert meta.stat().st_mtime_ns == made  # not exported again


def test_damaged_export_is_not_used(onnx_embedder, tmp_path):
    copy = tmp_path / "export"
    shutil.copytree(onnx_embedder.export.folder, copy)
    assert read_export(copy) is not None
    with open(copy / "passages.onnx", "r+b") as file:
        file.truncate(1000)
    assert read_export(copy) is None  # ensure_export then makes it again rather than loading half a file


def test_unknown_backend_is_one_clear_error():
    with pytest.raises(ModelError, match="unknown embedding backend .tensorflow.*onnx, torch, onnx-int8"):
        make_embedder(backend="tensorflow")


HEAVY = {"torch", "transformers", "sentence_transformers", "onnxruntime"}


def _cli(args: list[str], index: Path, xdg_cache: Path, backend: str = "onnx") -> tuple[str, set[str]]:
    """Run `python -m bot ARGS`; its stdout and the modules it imported (each by its full and its top-level name)."""
    env = dict(os.environ, XUNDA_INDEX=str(index), XDG_CACHE_HOME=str(xdg_cache), XUNDA_BACKEND=backend)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = re.findall(r"^import time:.*\| +(\S+)$", done.stderr, re.MULTILINE)
    return done.stdout, {m.split(".")[0] for m in imported} | set(imported)


@pytest.fixture
def seed_index_copy(seed_engine, tmp_path) -> Path:
    """A copy of the seed index built by sentence-transformers, for CLI runs that may touch it."""
    target = tmp_path / "index"
    shutil.copytree(seed_engine.settings.index_dir, target)
    return target


def test_cli_ask_answers_through_onnx_without_torch(seed_index_copy, xdg_cache, onnx_embedder):
    onnx_embedder.encode_query("预热")  # the export is made once per machine, not in the measured command
    out, modules = _cli(["ask", "快手2022扶持多少快品牌"], seed_index_copy, xdg_cache)
    assert "500" in out and "[1]" in out
    assert "onnxruntime" in modules
    assert not modules & {"torch", "transformers", "sentence_transformers"}


def test_help_stats_and_a_noop_ingest_load_no_model_library(seed_index_copy, xdg_cache):
    for args in (["--help"], ["stats"], ["ingest", str(BUNDLED_CORPUS)]):
        out, modules = _cli(args, seed_index_copy, xdg_cache)
        assert not modules & HEAVY, (args, modules & HEAVY)
        if args[0] == "ingest":
            assert "index unchanged" in out


def test_torch_switch_still_answers(seed_index_copy, xdg_cache):
    """XUNDA_BACKEND=torch embeds through sentence-transformers; the ONNX embedder is not loaded (ONNX Runtime
    still runs the answer verifier, which ships only as an ONNX graph)."""
    out, modules = _cli(["ask", "快手2022扶持多少快品牌"], seed_index_copy, xdg_cache, backend="torch")
    assert "500" in out
    assert {"torch", "sentence_transformers"} <= modules and "index.onnx_model" not in modules
