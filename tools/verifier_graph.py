"""The verifier's int8 graph, made to read the same on every CPU.

ONNX Runtime's dynamic quantisation multiplies u8 activations by s8 weights. On x86 CPUs with VNNI (AVX512-VNNI,
AVX-VNNI) each product is accumulated in 32 bits; on CPUs with only AVX2, VPMADDUBSW adds two products in a
signed 16-bit lane first, which saturates when 255 x 127 x 2 exceeds 32,767. The fine-tuned verifier's weights
and activations are large enough for that to happen often: on a 2-core AMD EPYC with AVX2 and no VNNI (2026-12-07),
the 8-bit graph's logits correlated 0.83 with the same weights computed in float (mean difference 1.6, against a
logit spread of 1.8), and `xunda eval` declined 54.6% of the news check near misses instead of 63.8%. ONNX
Runtime's documented remedy is weights within 7 bits: two products then stay within 255 x 64 x 2 = 32,640, so
no CPU saturates and every x86 CPU computes the same integers.

- `seven_bit`: requantises an 8-bit per-column graph's weights to 7 bits, per column (train_verifier.export now
  quantises that way itself, with reduce_range);
- `float_twin`: the graph with its int8 weights dequantised and multiplied in float, the reference that the int8
  graph is checked against (tests/test_verifier.py);
- `python tools/verifier_graph.py --requantize`: rewrites the shipped graph with 7-bit weights and records the
  change, with its drift from the float twin, in bot/core/data/verifier.json.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core import verifier  # noqa: E402

SEVEN_BIT = 64  # the largest weight magnitude that cannot saturate VPMADDUBSW (255 * 64 * 2 < 32767), as reduce_range
# Pairs for the drift figure: questions of eval/seed_qa_dev.jsonl against sentences of the bundled corpus.
DRIFT_QUESTIONS = REPO / "eval" / "seed_qa_dev.jsonl"


@dataclass
class _QuantisedMatMul:
    """A quantised matrix product: MatMulInteger(quantised activation, int8 weight), then a Cast and a Mul that
    scale its int32 result back to float by (activation scale x weight scale), that Mul's input made by a Mul."""

    node: onnx.NodeProto
    activation: str  # the float input that DynamicQuantizeLinear quantises
    chain: tuple[onnx.NodeProto, ...]  # MatMulInteger, Cast, rescaling Mul, scales' Mul
    weight_scale: str  # the initializer of per-column weight scales

    @property
    def output(self) -> str:
        return self.chain[2].output[0]


class _Graph:
    """Lookups over a graph: initializers by name, the node producing a value, the nodes reading it."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        self.inits = {i.name: i for i in model.graph.initializer}
        self.producer = {o: n for n in model.graph.node for o in n.output}
        self.readers: dict[str, list[onnx.NodeProto]] = {}
        for n in model.graph.node:
            for i in n.input:
                self.readers.setdefault(i, []).append(n)

    def array(self, name: str) -> np.ndarray:
        return numpy_helper.to_array(self.inits[name])

    def matmuls(self) -> list[_QuantisedMatMul]:
        """Each MatMulInteger with what dynamic quantisation built around it."""
        found = []
        for node in self.model.graph.node:
            if node.op_type != "MatMulInteger":
                continue
            cast = self.readers[node.output[0]][0]
            rescale = self.readers[cast.output[0]][0]
            scales = self.producer[rescale.input[1]]
            weight_scale = next(i for i in scales.input if i in self.inits)
            activation = self.producer[node.input[0]].input[0]
            found.append(_QuantisedMatMul(node, activation, (node, cast, rescale, scales), weight_scale))
        return found


def seven_bit(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph, changed in place, with each weight matrix requantised to SEVEN_BIT per column (symmetric, zero
    point 0)."""
    graph = _Graph(model)
    for matmul in graph.matmuls():
        node, weight_scale = matmul.node, matmul.weight_scale
        weights, zero = graph.array(node.input[1]).astype(np.float32), graph.array(node.input[3]).astype(np.float32)
        real = (weights - zero) * graph.array(weight_scale).astype(np.float32)
        step = np.maximum(np.abs(real).max(axis=0), 1e-12) / SEVEN_BIT
        quantised = np.clip(np.round(real / step), -SEVEN_BIT, SEVEN_BIT).astype(np.int8)
        columns = quantised.shape[1]
        for name, value in (
            (node.input[1], quantised),
            (node.input[3], np.zeros(columns, np.int8)),
            (weight_scale, step.astype(np.float32)),
        ):
            graph.inits[name].CopyFrom(numpy_helper.from_array(value, name))
    return model


def float_twin(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph, changed in place, with its int8 weights dequantised and multiplied in float: what the int8 graph
    approximates."""
    graph = _Graph(model)
    replaced, added = set(), []
    for matmul in graph.matmuls():
        weight, zero = matmul.node.input[1], matmul.node.input[3]
        dequantise = [weight, matmul.weight_scale, zero]
        added.append(helper.make_node("DequantizeLinear", dequantise, [weight + "_float"], axis=1))
        added.append(helper.make_node("MatMul", [matmul.activation, weight + "_float"], [matmul.output]))
        replaced |= {id(n) for n in matmul.chain}
    nodes = [n for n in model.graph.node if id(n) not in replaced] + added
    read = {i for n in nodes for i in n.input} | {o.name for o in model.graph.output}
    nodes = [n for n in nodes if n.op_type != "DynamicQuantizeLinear" or n.output[0] in read]
    read = {i for n in nodes for i in n.input}  # the quantised weights' zero points are read no more
    unread = [i for i in model.graph.initializer if i.name not in read]
    for initializer in unread:
        model.graph.initializer.remove(initializer)
    ordered = [copy.deepcopy(n) for n in _in_order(nodes, {i.name for i in model.graph.input} | set(graph.inits))]
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    return model


def _in_order(nodes: list[onnx.NodeProto], known: set[str]) -> list[onnx.NodeProto]:
    """Nodes sorted so each comes after the producers of its inputs (ONNX requires it)."""
    known = known | {""}
    ordered, pending = [], nodes
    while pending:
        ready = [n for n in pending if all(i in known for i in n.input)]
        if not ready:
            raise ValueError("the graph has a cycle or reads a value nothing produces")
        for n in ready:
            known |= set(n.output)
        ordered += ready
        done = {id(n) for n in ready}
        pending = [n for n in pending if id(n) not in done]
    return ordered


def drift_pairs() -> list[tuple[str, str]]:
    """Each seed question against sentences of the bundled corpus (some answer it, most do not)."""
    from index.sentences import split_sentences

    questions = [json.loads(line)["question"] for line in DRIFT_QUESTIONS.open(encoding="utf-8")]
    sentences = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [text[start:end] for start, end in split_sentences(text)][5:45:4]
    return [(q, s) for q in questions for s in sentences[:: max(1, len(sentences) // 12)]]


def logits(model: onnx.ModelProto, pairs: list[tuple[str, str]]) -> np.ndarray:
    """The graph's logits for (question, text) pairs, read by the product's Verifier TOP_K at a time, as the answer
    step reads them (a batch's padding and activation scale are shared)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "verifier.onnx"
        onnx.save(model, str(path))
        reader = verifier.Verifier(path)
        top = verifier.TOP_K
        return np.array([z for i in range(0, len(pairs), top) for z in _read(reader, pairs[i : i + top])])


def _read(reader: verifier.Verifier, pairs: list[tuple[str, str]]) -> list[float]:
    """One batch of pairs that share a question, or each pair alone when they do not."""
    questions = {q for q, _ in pairs}
    if len(questions) == 1:
        return reader.logits(pairs[0][0], [t for _, t in pairs])
    return [reader.logits(q, [t])[0] for q, t in pairs]


def requantize(path: Path = verifier.MODEL_PATH, meta_path: Path = verifier.META_PATH) -> dict:
    """Rewrite the shipped graph with 7-bit weights; record the change and its drift in the verifier's JSON."""
    before = path.read_bytes()
    pairs = drift_pairs()
    reference = logits(float_twin(onnx.load_from_string(before)), pairs)
    model = seven_bit(onnx.load_from_string(before))
    after = logits(model, pairs)
    onnx.save(model, str(path))
    drift = np.abs(after - reference)
    record = {
        "weights": "int8 per column within ±64 (tools/verifier_graph.py: no CPU saturates)",
        "requantized_from_sha256": hashlib.sha256(before).hexdigest(),
        # against the 8-bit weights computed in float, over drift_pairs()
        "requantized_max_abs_logit_diff": round(float(drift.max()), 4),
        "requantized_mean_abs_logit_diff": round(float(drift.mean()), 4),
        "requantized_check_pairs": len(drift),
        "bytes": path.stat().st_size,
    }
    meta = json.loads(meta_path.read_text(encoding="utf-8")) | record
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requantize", action="store_true", help="rewrite the shipped graph with 7-bit weights")
    parser.add_argument("--drift", action="store_true", help="print the shipped graph's drift from its float twin")
    args = parser.parse_args()
    if args.requantize:
        print(json.dumps(requantize(), ensure_ascii=False))
    if args.drift or not args.requantize:
        model = onnx.load(str(verifier.MODEL_PATH))
        pairs = drift_pairs()
        shipped = logits(model, pairs)  # before float_twin rewrites the model in place
        drift = np.abs(shipped - logits(float_twin(model), pairs))
        print(f"{len(pairs)} pairs: max {drift.max():.3f}, mean {drift.mean():.3f} logit from the float twin")


if __name__ == "__main__":
    main()
