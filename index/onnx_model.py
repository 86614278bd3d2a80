"""m3e-small through ONNX Runtime: no torch, no transformers at run time.

The sentence-transformers model is exported once per machine (that step does use torch) into

    <cache dir>/onnx/<model fingerprint>-<export format>-ort<onnxruntime version>/
        passages.onnx        fp32, with ONNX Runtime's BERT fusions (attention, layer norms, GELU) applied offline
        questions.int8.onnx  the same graph with dynamically quantised int8 weights, for one short text at a time
        tokenizer.json       the model's own fast tokenizer, run by the `tokenizers` package
        export.json          written last: an export without it is incomplete and is made again

Both graphs end in the model's own pooling (mean over real tokens) and L2 normalisation, so they return the
vectors sentence-transformers returns (cosine >= 0.999 for fp32, checked at export and in tests/test_onnx.py).

The cache dir is $XDG_CACHE_HOME/xunda (Settings.cache_dir), not the index: one export serves every index on the
machine, and the folder name changes with the model, the export format and onnxruntime, so an upgrade re-exports.

Passages default to fp32, under the same model name as the torch backend: an index built by either loads in the
other and its vectors are reused. `onnx-int8` (int8 passages too) ingests ~2.5x faster again and scored within
0.1 points on the seed sets and CMRC, but its vectors are not the reference's, so it has a name of its own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import ModelError, model_fingerprint

log = logging.getLogger(__name__)

EXPORT_FORMAT = "v1"  # bump when the exported graph changes, so old exports are not used
PASSAGE_BATCH = 8  # texts per ONNX run for passages: best on 2 cores (length-sorted, so padding stays small)
MIN_EXPORT_COSINE = 0.999
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class Export:
    folder: Path
    dimension: int
    max_length: int

    @property
    def passages(self) -> Path:
        return self.folder / "passages.onnx"

    @property
    def questions(self) -> Path:
        return self.folder / "questions.int8.onnx"

    @property
    def tokenizer(self) -> Path:
        return self.folder / "tokenizer.json"


def export_folder(model_path: Path, cache_dir: Path) -> Path:
    fingerprint = model_fingerprint(model_path).replace(":", "-")
    return Path(cache_dir) / "onnx" / f"{fingerprint}-{EXPORT_FORMAT}-ort{version('onnxruntime')}"


def read_export(folder: Path) -> Export | None:
    """The export in folder, or None when it is missing or incomplete."""
    try:
        meta = json.loads((folder / "export.json").read_text())
        export = Export(folder, int(meta["dimension"]), int(meta["max_length"]))
        sizes = meta["sizes"]
        if all((folder / name).stat().st_size == size for name, size in sizes.items()):
            return export
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def ensure_export(model_path: Path, cache_dir: Path) -> Export:
    """The cached export of the model, made now (with torch, once per machine) if there is none."""
    folder = export_folder(model_path, cache_dir)
    export = read_export(folder)
    if export is not None:
        return export
    log.warning("preparing the model for ONNX Runtime, once for this machine: %s", folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    staging.chmod(0o755)
    try:
        export_model(model_path, staging)
        if folder.exists():  # an incomplete or damaged export: replace it
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(staging, folder)
        except OSError:  # another process finished the same export first; theirs is as good as ours
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    export = read_export(folder)
    if export is None:
        raise ModelError(f"cannot prepare the ONNX model in {folder}; delete that folder or set XUNDA_BACKEND=torch")
    return export


def export_model(model_path: Path, out: Path) -> None:
    """Export the sentence-transformers model at model_path into out (see the module docstring)."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from sentence_transformers import SentenceTransformer

    try:
        # Eager attention traces into plain MatMul/Softmax, the pattern ONNX Runtime fuses into one Attention op.
        model = SentenceTransformer(
            str(model_path), device="cpu", local_files_only=True, model_kwargs={"attn_implementation": "eager"}
        )
    except Exception as exc:  # the library raises many kinds; the user needs one line
        raise ModelError(f"cannot load the embedding model at {model_path}: {exc}") from exc
    if not _mean_pooled_transformer(model):
        raise ModelError(f"the ONNX backend supports mean-pooled models only; use XUNDA_BACKEND=torch for {model_path}")
    transformer: Any = model[0].auto_model  # a transformers model; torch's Module typing says Tensor | Module
    config = transformer.config
    raw = out / "raw.onnx"
    sample = model.tokenizer(["讯答：导出检查", "短句"], return_tensors="pt", padding=True)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer and legacy-exporter notices; the result is checked below
        torch.onnx.export(
            _pooled(model[0].auto_model),
            tuple(sample[name] for name in _INPUTS),
            str(raw),
            input_names=list(_INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in _INPUTS}, "sentence_embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        fused = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=0,
        )
        fused.save_model_to_file(str(out / "passages.onnx"))
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantiser advises "pre-processing" on the root logger; not needed here
        try:
            quantize_dynamic(raw, out / "questions.int8.onnx", weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
    raw.unlink()
    shutil.copyfile(model_path / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "model": model_fingerprint(model_path),
        "dimension": int(model.get_embedding_dimension() or 0),
        "max_length": int(model.max_seq_length or 0),
        "torch": torch.__version__,
        "onnxruntime": version("onnxruntime"),
    }
    _check_against_reference(model, Export(out, int(str(meta["dimension"])), int(str(meta["max_length"]))))
    meta["sizes"] = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    (out / "export.json").write_text(json.dumps(meta, indent=1))


def _mean_pooled_transformer(model) -> bool:
    """True for a plain transformer + mean pooling model (m3e-small), the one shape the export rebuilds."""
    if len(model) != 2 or type(model[1]).__name__ != "Pooling":
        return False
    return model[1].get_config_dict().get("pooling_mode") == "mean"


def _pooled(transformer):
    """The transformer followed by sentence-transformers' mean pooling and normalisation, as one module."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / torch.clamp(mask.sum(1), min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled().eval()


def _check_against_reference(model, export: Export) -> None:
    """Refuse an export whose fp32 vectors drift from sentence-transformers' own."""
    texts = ["快手电商希望在2022年扶持500+个标杆快品牌。", "短", "抖音电商平台的国货占有率有多高？" * 20]
    reference = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = OnnxEmbedder.from_export(export).encode(texts)
    cosine = float((reference * ours).sum(axis=1).min())
    if cosine < MIN_EXPORT_COSINE:
        raise ModelError(f"the ONNX export disagrees with sentence-transformers (cosine {cosine:.4f}); use torch")


class OnnxEmbedder:
    """Passages through the fp32 graph (batched), questions through the int8 graph (one at a time, cached).
    int8_passages=True sends passages through the int8 graph too (about twice as fast to ingest, under its own
    model name, so such an index is never mixed with exact vectors).

    Nothing heavy happens in the constructor: the export is found (or made) and each session created on first
    use, so an ingest with nothing to embed never touches ONNX Runtime, and `ask` never loads the fp32 graph.
    The name is the model fingerprint, the same as the torch backend's: their fp32 vectors agree to cosine
    0.999, so an index built by either loads in the other and its vectors are reused.
    """

    def __init__(self, model_path: Path, cache_dir: Path, threads: int | None = None, int8_passages: bool = False):
        self.path = Path(model_path)
        if not (self.path / "config.json").is_file():
            raise ModelError(f"no sentence-transformers model at {self.path}")
        # int8 passage vectors are not the reference's (cosine ~0.99), so an index of them is another model's.
        name = model_fingerprint(self.path) + ("+int8" if int8_passages else "")
        self._setup(self.path, name, Path(cache_dir), threads, int8_passages)

    def _setup(self, path: Path, name: str, cache_dir: Path, threads: int | None, int8_passages: bool) -> None:
        self.path, self.name, self.cache_dir = path, name, cache_dir
        self.int8_passages = int8_passages
        self.threads = threads or os.cpu_count() or 1
        self._export: Export | None = None
        self._sessions: dict[str, object] = {}
        self._tokenizer = None
        self._lock = threading.RLock()  # the session opener reads the export under the same lock
        self.encode_query = lru_cache(maxsize=2048)(self._encode_one)

    @classmethod
    def from_export(cls, export: Export) -> OnnxEmbedder:
        """An embedder over an export that is already made (the export's own check uses this)."""
        embedder = cls.__new__(cls)
        embedder._setup(export.folder, "onnx-export-check", export.folder, None, False)
        embedder._export = export
        return embedder

    @property
    def export(self) -> Export:
        if self._export is None:
            with self._lock:
                if self._export is None:
                    self._export = ensure_export(self.path, self.cache_dir)
        return self._export

    @property
    def dimension(self) -> int:
        return self.export.dimension

    def encode(self, texts: list[str], batch_size: int = PASSAGE_BATCH, show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text; longest first so each batch pads little.

        At most PASSAGE_BATCH texts go through one run whatever batch_size asks: callers size batches for torch
        (32), and on 2 cores ONNX Runtime is ~12% faster with 8 (less padding, warmer caches)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        session = self._session("passages")
        batch_size = min(batch_size, PASSAGE_BATCH)
        for begin in range(0, len(order), batch_size):
            rows = order[begin : begin + batch_size]
            out[rows] = self._run(session, [texts[i] for i in rows])
        return out

    def _encode_one(self, text: str) -> np.ndarray:
        vector = self._run(self._session("questions"), [text])[0]
        vector.setflags(write=False)
        return vector

    def _run(self, session, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return session.run(None, feeds)[0].astype(np.float32, copy=False)

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.export.tokenizer))
            tokenizer.enable_truncation(self.export.max_length)
            pad_id = tokenizer.token_to_id("[PAD]") or 0
            tokenizer.enable_padding(pad_id=pad_id, pad_token=tokenizer.id_to_token(pad_id) or "[PAD]")
            self._tokenizer = tokenizer
        return self._tokenizer

    def _session(self, kind: str):
        session = self._sessions.get(kind)
        if session is None:
            with self._lock:
                session = self._sessions.get(kind)
                if session is None:
                    session = self._sessions[kind] = self._open(kind)
        return session

    def _open(self, kind: str):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # One question is a few dozen tokens: a second thread costs more in handoff than it saves.
        options.intra_op_num_threads = self.threads if kind == "passages" else 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: on 2 shared cores (jieba tokenises beside the model during
        # ingest, other programs run) a spinning pool steals the CPU the other work needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = self.export.passages if kind == "passages" and not self.int8_passages else self.export.questions
        try:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own kinds; one line for the user
            raise ModelError(f"cannot load {path}: {exc}; delete {self.export.folder} to export it again") from exc
