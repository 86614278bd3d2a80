"""`xunda eval`: answer and citation accuracy, hit@5, decline precision/recall and latency, beside a naive
dense-only baseline (top passage as the answer), in the same run; by question kind, with a confusion table.

Input formats: xunda JSONL (id, question, answers, source, title, answerable; optionally kind, split, and
previous for a follow-up asked after another question), SQuAD JSON (its passages become the corpus, in an
index of their own), and the Telegram feedback JSONL (👍 answers become expected ones). `corpus` paths build
an index of their own for the file (cached beside the main index), as news sets with distractors need.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bot.core.conversation import Conversation
from bot.core.engine import Engine, QuestionError
from bot.core.render import debug_info
from bot.settings import Settings
from index.documents import Document
from index.embedding import make_embedder


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answers: tuple[str, ...]
    source: str | None  # doc_id, or a file name matching a doc_id's base
    title: str | None
    answerable: bool
    kind: str = "other"  # who, where, when, number, list, what, other: what kind of answer is wanted
    split: str | None = None  # "fit" or "check": which part of a labelled set a row belongs to
    previous: str | None = None  # asked just before, in the same conversation (the row is a follow-up)
    sources: tuple[str, ...] = ()  # other articles that state the same answer (same-event news)


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
                r.get("kind") or question_kind(r["question"]),
                r.get("split"),
                r.get("previous"),
                tuple(r.get("sources") or ()),
            )
            for i, r in enumerate(rows)
        ], None
    except KeyError as exc:
        raise ValueError(f"{path}: every line needs a {exc.args[0]!r} field") from None


def _squad(data: dict) -> tuple[list[Case], dict[str, Document]]:
    cases: list[Case] = []
    documents: dict[str, Document] = {}
    for article in data.get("data", []):
        for paragraph in article["paragraphs"]:
            doc_id = str(paragraph.get("id") or f"p{len(documents)}")
            documents[doc_id] = Document(doc_id, article.get("title") or doc_id, paragraph["context"])
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", []))
                kind = question_kind(qa["question"])
                cases.append(Case(qa["id"], qa["question"], answers, doc_id, None, bool(answers), kind))
    return cases, documents


_KINDS = [  # first match wins; a rough reading of what kind of answer a question wants, for reporting only
    ("when", re.compile(r"什么时候|何时|哪一?年|哪一?天|几月|几号|哪个月|日期|时间")),
    ("who", re.compile(r"谁|哪位|什么人|哪些人")),
    ("where", re.compile(r"哪里|哪儿|什么地方|哪个(?:城市|省|国家|地区)|在哪")),
    ("number", re.compile(r"多少|几[个家次位年月天款名亿万成倍项条种]|多大|多高|多长|多久|比例|占比|增长了?多")),
    ("list", re.compile(r"哪些|有哪几")),
    ("what", re.compile(r"什么|是啥|叫啥|哪个|哪家|哪种|哪款")),
]


def question_kind(question: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return "other"


def _feedback(rows: list[dict]) -> list[Case]:
    """Up-voted answers are expected to keep their top source; down-votes are only counted."""
    return [
        Case(f"fb{i}", r["question"], (), (r.get("doc_ids") or [None])[0], None, bool(r.get("answerable")))
        for i, r in enumerate(rows)
        if r.get("vote") == "up"
    ]


def matches_source(case: Case, doc: Document | None) -> bool:
    """Whether `doc` is the case's source (or one of its `sources`): its doc id, or the id's file name with or
    without the `#k` of an article inside a multi-article file, whatever folder the id starts with."""
    if doc is None:
        return False
    name = doc.doc_id.rsplit("/", 1)[-1]  # file.txt or file.txt#k
    names = {doc.doc_id, name, name.split("#", 1)[0]}
    wanted = {s for s in (case.source, *case.sources) if s}
    return bool(names & wanted) and (case.title is None or doc.title == case.title)


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
        "unanswerable": len(unanswerable),
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


def evaluate_engine(engine: Engine, cases: list[Case]) -> tuple[dict, dict, list[dict], list[dict]]:
    """Scores for xunda and the naive baseline, and per-question rows for xunda.

    A follow-up row is asked in a Conversation right after its previous question, as a user would, and scored on
    the answer the conversation gives (its follow-up guard included, which the engine alone lacks); the naive
    baseline, which has no notion of a conversation, gets the two questions run together."""
    ours: list[dict] = []
    naive: list[dict] = []
    for case in cases:
        try:
            question = engine.validate(case.question)
        except QuestionError:
            continue  # not a question a user could ask (empty in the source data)
        if case.previous:
            conversation = Conversation(engine)
            conversation.ask(case.previous)
            started = time.perf_counter()
            turn = conversation.ask(question)  # what the user is shown: the follow-up guard has its say
            ms = (time.perf_counter() - started) * 1000
            asked, answer = turn.question, turn.answer
            hits = engine.ask_with_hits(asked)[1]  # the passages it was chosen from, for hit@5
        else:
            asked = question
            started = time.perf_counter()
            answer, hits = engine.ask_with_hits(question)
            ms = (time.perf_counter() - started) * 1000
        top = answer.citations[0].hit.doc if answer.citations and answer.answerable else None
        ranked_docs = list(dict.fromkeys(h.doc.doc_id for h in hits))[:5]
        ours.append(
            {
                "id": case.id,
                "question": case.question,
                "asked": asked,
                "kind": case.kind,
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

        naive_question = f"{case.previous} {question}" if case.previous else question
        started = time.perf_counter()
        base_hits = engine.dense_baseline(naive_question, k=20)
        ms = (time.perf_counter() - started) * 1000
        text = base_hits[0].chunk.text if base_hits else ""
        base_docs = list(dict.fromkeys(h.doc.doc_id for h in base_hits))[:5]
        naive.append(
            {
                "kind": case.kind,
                "answer": text,
                "answerable": case.answerable,
                "declined": not base_hits,
                "ms": ms,
                "correct": bool(base_hits) and has_gold(case, text),
                "top_cited": bool(base_hits) and matches_source(case, base_hits[0].doc),
                "hit5": any(matches_source(case, engine.document(d)) for d in base_docs),
            }
        )
    return _score(ours), _score(naive), ours, naive


def run_eval(
    settings: Settings,
    path: Path,
    limit: int | None = None,
    details: Path | None = None,
    corpus_paths: tuple[Path, ...] = (),
    split: str | None = None,
) -> dict:
    cases, squad_corpus = load_cases(path)
    if split:
        cases = [c for c in cases if c.split == split]
    cases = cases[:limit] if limit else cases
    if not cases:
        raise ValueError(f"{path}: no questions to evaluate" + (f" in split {split!r}" if split else ""))
    embedder = make_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir, lazy=False)
    if squad_corpus is not None:  # SQuAD: the passages are the corpus, in an index of their own, kept for reruns
        settings = settings.with_(index_dir=_eval_index_dir(settings, [path]))
        engine = Engine(settings, embedder)
        engine.ingest_documents(squad_corpus, replace_all=True, show_progress=True)
    elif corpus_paths:  # the file's own corpus (a news set with its distractors), indexed once and kept
        settings = settings.with_(index_dir=_eval_index_dir(settings, list(corpus_paths)))
        engine = Engine(settings, embedder)
        report = engine.ingest(list(corpus_paths), replace_all=True, show_progress=True)
        if report.failed:
            raise ValueError("corpus files failed to load: " + ", ".join(f"{p} ({why})" for p, why in report.failed))
    else:
        engine = Engine.open(settings, embedder, show_progress=True)
    engine.ask("预热")  # load and warm everything before timing
    ours, naive, rows, naive_rows = evaluate_engine(engine, cases)
    if details:
        with open(details, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_kind = {"xunda": _by_kind(rows), "naive_dense_baseline": _by_kind(naive_rows)}
    return {
        "file": str(path),
        "split": split,
        "xunda": ours,
        "naive_dense_baseline": naive,
        "by_kind": by_kind,
        "confusion": _confusion(rows),
        "table": "\n\n".join([_table(path, ours, naive), _kind_table(by_kind), _confusion_table(_confusion(rows))]),
    }


def _by_kind(rows: list[dict]) -> dict[str, dict]:
    kinds = sorted({r["kind"] for r in rows})
    return {kind: _score([r for r in rows if r["kind"] == kind]) for kind in kinds}


CONFUSION_CELLS = (
    "answered right", "answered wrong", "answered, not in corpus", "declined rightly", "declined wrongly"
)


def confusion_cell(row: dict) -> str:
    """The cell a question lands in: what the user got, against what the corpus holds."""
    if row["answerable"]:
        return "declined wrongly" if row["declined"] else "answered right" if row["correct"] else "answered wrong"
    return "declined rightly" if row["declined"] else "answered, not in corpus"


def _confusion(rows: list[dict]) -> dict[str, int]:
    cells = dict.fromkeys(CONFUSION_CELLS, 0)
    for r in rows:
        cells[confusion_cell(r)] += 1
    return cells


def _kind_table(by_kind: dict[str, dict[str, dict]]) -> str:
    lines = [
        "by kind        answerable  answer acc (naive)  top cit.  declined ans.  not in corpus  declined",
    ]
    ours, naive = by_kind["xunda"], by_kind["naive_dense_baseline"]
    for kind, s in ours.items():
        answerable = s["questions"] - (s.get("unanswerable") or 0)
        lines.append(
            f"{kind:<14}{answerable:>10}  {_pct(s['answer_accuracy']):>9} ({_pct(naive[kind]['answer_accuracy'])})"
            f"  {_pct(s['top_citation_accuracy']):>8}  {_pct(s['answerable_declined']):>13}"
            f"  {s.get('unanswerable') or 0:>13}  {_pct(s['decline_recall']):>8}"
        )
    return "\n".join(lines)


def _confusion_table(cells: dict[str, int]) -> str:
    total = sum(cells.values()) or 1
    return "\n".join(["confusion"] + [f"  {cell:<26}{n:>6}  {n / total:>6.1%}" for cell, n in cells.items()])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _eval_index_dir(settings: Settings, paths: list[Path]) -> Path:
    """Beside the main index: one index per corpus (its files' names and contents), so a rerun embeds nothing
    again and two question files over the same corpus share it."""
    digest = hashlib.sha256()
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    for file in files:
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return settings.index_dir.parent / "eval-indexes" / f"{paths[0].stem}-{digest.hexdigest()[:12]}"


def _table(path: Path, ours: dict, naive: dict) -> str:
    lines = [f"{path.name}: {ours['questions']} questions", f"{'metric':<24}{'xunda':>12}{'naive dense':>14}"]
    for key in ours:
        if key == "questions":
            continue
        a, b = ours[key], naive[key]
        lines.append(f"{key:<24}{'-' if a is None else a:>12}{'-' if b is None else b:>14}")
    return "\n".join(lines)
