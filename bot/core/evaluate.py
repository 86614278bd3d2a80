"""`xunda eval`: answer and citation accuracy, hit@5, decline precision/recall and latency, beside a naive
dense-only baseline (top passage as the answer), in the same run.

Input formats: xunda JSONL (id, question, answers, source, title, answerable), SQuAD JSON (its passages
become the corpus, in a temporary index), and the Telegram feedback JSONL (👍 answers become expected ones).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import Engine, QuestionError
from bot.core.render import debug_info
from bot.settings import Settings
from index.documents import Document
from index.embedding import SentenceTransformerEmbedder


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answers: tuple[str, ...]
    source: str | None  # doc_id, or a file name matching a doc_id's base
    title: str | None
    answerable: bool


def load_cases(path: Path) -> tuple[list[Case], dict[str, Document] | None]:
    """The questions, and for SQuAD files the documents that make their corpus."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".json":
        return _squad(json.loads(text))
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if rows and "vote" in rows[0]:
        return _feedback(rows), None
    try:
        return [
            Case(
                str(r.get("id", i)),
                r["question"],
                tuple(r.get("answers") or ()),
                r.get("source"),
                r.get("title"),
                bool(r.get("answerable", True)),
            )
            for i, r in enumerate(rows)
        ], None
    except KeyError as exc:
        raise ValueError(f"{path}: every line needs a {exc.args[0]!r} field") from None


def _squad(data: dict) -> tuple[list[Case], dict[str, Document]]:
    cases, documents = [], {}
    for article in data.get("data", []):
        for paragraph in article["paragraphs"]:
            doc_id = str(paragraph.get("id") or f"p{len(documents)}")
            documents[doc_id] = Document(doc_id, article.get("title") or doc_id, paragraph["context"])
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", []))
                cases.append(Case(qa["id"], qa["question"], answers, doc_id, None, bool(answers)))
    return cases, documents


def _feedback(rows: list[dict]) -> list[Case]:
    """Up-voted answers are expected to keep their top source; down-votes are only counted."""
    return [
        Case(f"fb{i}", r["question"], (), (r.get("doc_ids") or [None])[0], None, bool(r.get("answerable")))
        for i, r in enumerate(rows)
        if r.get("vote") == "up"
    ]


def matches_source(case: Case, doc: Document | None) -> bool:
    if doc is None or case.source is None:
        return False
    base = doc.doc_id.split("#", 1)[0]
    same_file = doc.doc_id == case.source or base == case.source or base.rsplit("/", 1)[-1] == case.source
    return same_file and (case.title is None or doc.title == case.title)


_EDGE_PUNCTUATION = "。，、；：！？,.;:!?“”\"'（）() "


def _normalise(text: str) -> str:
    """Whitespace, case and the punctuation at either end do not count (SQuAD-style answer matching)."""
    return "".join(text.split()).lower().strip(_EDGE_PUNCTUATION)


def has_gold(case: Case, answer: str) -> bool:
    answer = _normalise(answer)
    return any(_normalise(gold) in answer for gold in case.answers)


def _score(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    declined = [r for r in rows if r["declined"]]
    latencies = sorted(r["ms"] for r in rows)
    answered = [r for r in rows if not r["declined"]]

    def share(part, whole):
        return round(len(part) / len(whole), 4) if whole else None

    return {
        "questions": len(rows),
        "answer_accuracy": share([r for r in answerable if r["correct"]], answerable),
        "top_citation_accuracy": share([r for r in answerable if r["top_cited"]], answerable),
        "hit_at_5": share([r for r in answerable if r["hit5"]], answerable),
        "decline_precision": share([r for r in declined if not r["answerable"]], declined),
        "decline_recall": share([r for r in unanswerable if r["declined"]], unanswerable),
        "answerable_declined": share([r for r in answerable if r["declined"]], answerable),
        "mean_answer_chars": round(statistics.mean(len(r["answer"]) for r in answered), 1) if answered else None,
        "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p95_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 2) if latencies else None,
    }


def evaluate_engine(engine: Engine, cases: list[Case]) -> tuple[dict, dict, list[dict]]:
    """Scores for xunda and the naive baseline, and per-question rows for xunda."""
    ours, naive = [], []
    for case in cases:
        try:
            question = engine.validate(case.question)
        except QuestionError:
            continue  # not a question a user could ask (empty in the source data)
        started = time.perf_counter()
        answer, hits = engine.ask_with_hits(question)
        ms = (time.perf_counter() - started) * 1000
        top = answer.citations[0].hit.doc if answer.citations and answer.answerable else None
        ranked_docs = list(dict.fromkeys(h.doc.doc_id for h in hits))[:5]
        ours.append(
            {
                "id": case.id,
                "question": case.question,
                "answer": answer.text,
                "answerable": case.answerable,
                "declined": not answer.answerable,
                "ms": ms,
                "correct": answer.answerable and has_gold(case, answer.text),
                "top_cited": matches_source(case, top),
                "hit5": any(matches_source(case, engine.document(d)) for d in ranked_docs),
                "gold": list(case.answers),
                "source": case.source,
                "cited": top.doc_id if top else None,
                "features": debug_info(answer),
            }
        )

        started = time.perf_counter()
        base_hits = engine.dense_baseline(question, k=20)
        ms = (time.perf_counter() - started) * 1000
        text = base_hits[0].chunk.text if base_hits else ""
        base_docs = list(dict.fromkeys(h.doc.doc_id for h in base_hits))[:5]
        naive.append(
            {
                "answer": text,
                "answerable": case.answerable,
                "declined": not base_hits,
                "ms": ms,
                "correct": bool(base_hits) and has_gold(case, text),
                "top_cited": bool(base_hits) and matches_source(case, base_hits[0].doc),
                "hit5": any(matches_source(case, engine.document(d)) for d in base_docs),
            }
        )
    return _score(ours), _score(naive), ours


def run_eval(settings: Settings, path: Path, limit: int | None = None, details: Path | None = None) -> dict:
    cases, corpus = load_cases(path)
    cases = cases[:limit] if limit else cases
    if not cases:
        raise ValueError(f"{path}: no questions to evaluate")
    embedder = SentenceTransformerEmbedder(settings.model_path)
    if corpus is not None:  # SQuAD: the passages are the corpus, in an index of their own, kept for reruns
        settings = settings.with_(index_dir=_eval_index_dir(settings, path))
        engine = Engine(settings, embedder)
        engine.ingest_documents(corpus, replace_all=True, show_progress=True)
    else:
        engine = Engine.open(settings, embedder, show_progress=True)
    engine.ask("预热")  # load and warm everything before timing
    ours, naive, rows = evaluate_engine(engine, cases)
    if details:
        with open(details, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"file": str(path), "xunda": ours, "naive_dense_baseline": naive, "table": _table(path, ours, naive)}


def _eval_index_dir(settings: Settings, path: Path) -> Path:
    """Beside the main index: one index per evaluation file, so a rerun embeds nothing again."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return settings.index_dir.parent / "eval-indexes" / f"{path.stem}-{digest}"


def _table(path: Path, ours: dict, naive: dict) -> str:
    lines = [f"{path.name}: {ours['questions']} questions", f"{'metric':<24}{'xunda':>12}{'naive dense':>14}"]
    for key in ours:
        if key == "questions":
            continue
        a, b = ours[key], naive[key]
        lines.append(f"{key:<24}{'-' if a is None else a:>12}{'-' if b is None else b:>14}")
    return "\n".join(lines)
