"""Checks of the news question sets: eval/news_qa_dev.jsonl (written by hand over the seed corpus plus the
1,930-article CRUD news sample) and eval/crud_news_qa.jsonl (made by tools/make_crud_eval.py).

news_qa_dev.jsonl, one object a line:
- id, question, answers, source, title (always null), answerable, kind (who|where|when|number|list|what|other),
  split (fit|check), and for a follow-up `previous`: the question of the row just before it.
- answerable: every gold is verbatim in the source document as index.loaders loads it. source is that
  document's doc id: a seed file name, `004_dcddea8a6a94efbd.txt#k` for an article of the news-list page,
  `crud_news_sample.txt#<1-based line>` for the CRUD sample (the loader's own numbering).
- not in corpus: answers [] and source null; `near` is the article the question is a near miss of, and `absent`
  lists regular expressions that a sentence stating the answer would all match: no sentence of any document
  (seeds and CRUD sample) matches all of them.
- split: by article (source, or near). Articles joined by a follow-up share a split; a group's split is the
  parity of sha256 of its first doc id. No article is in both splits.

The CRUD sample lives in ../shared, which CI does not have: the checks that read it skip without it.
"""

import hashlib
import json
import re
from pathlib import Path

import pytest

from index.loaders import discover, load_file

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
CRUD_SAMPLE = SHARED / "crud_news_sample.txt"
CRUD_QA = SHARED / "crud_news_qa"
NEWS_PATH = REPO / "eval" / "news_qa_dev.jsonl"
CRUD_PATH = REPO / "eval" / "crud_news_qa.jsonl"
KINDS = {"who", "where", "when", "number", "list", "what", "other"}
REQUIRED = {"id", "question", "answers", "source", "title", "answerable", "kind", "split"}
NO_SHARED = pytest.mark.skipif(not CRUD_SAMPLE.is_file(), reason=f"{CRUD_SAMPLE} not present (shared data)")
SENTENCE = re.compile(r"[^。！？!?\n]+")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


NEWS = _rows(NEWS_PATH)
CRUD = _rows(CRUD_PATH)


def _is_crud(doc_id: str) -> bool:
    return doc_id.startswith("crud_news_sample.txt#")


def _article(row: dict) -> str:
    return row["source"] if row["answerable"] else row["near"]


@pytest.fixture(scope="module")
def seed_docs() -> dict:
    files, missing = discover([REPO / "corpus"])
    assert not missing
    return {d.doc_id: d for path, base in files for d in load_file(path, base)}


@pytest.fixture(scope="module")
def crud_docs() -> dict:
    if not CRUD_SAMPLE.is_file():
        pytest.skip(f"{CRUD_SAMPLE} not present (shared data)")
    return {d.doc_id: d for d in load_file(CRUD_SAMPLE, CRUD_SAMPLE.name)}


# ------------------------------------------------------------------------------------------ news_qa_dev


@pytest.mark.parametrize("row", NEWS, ids=[r["id"] for r in NEWS])
def test_news_schema(row):
    assert REQUIRED <= set(row) <= REQUIRED | {"previous", "near", "absent"}, set(row) ^ REQUIRED
    assert re.fullmatch(r"nq\d{3}", row["id"])
    assert row["question"].strip() and row["title"] is None
    assert row["kind"] in KINDS and row["split"] in {"fit", "check"}
    if row["answerable"]:
        assert row["answers"] and isinstance(row["source"], str)
        assert all(2 <= len(a.strip()) <= 20 for a in row["answers"]), row["answers"]
        assert "near" not in row and "absent" not in row
    else:
        assert row["answers"] == [] and row["source"] is None
        assert isinstance(row["near"], str) and row["absent"]
        for pattern in row["absent"]:
            re.compile(pattern)


def test_news_ids_and_questions_unique():
    assert len({r["id"] for r in NEWS}) == len(NEWS)
    standalone = [re.sub(r"[\s\W_]+", "", r["question"]) for r in NEWS if "previous" not in r]
    assert len(set(standalone)) == len(standalone)


def test_news_size_and_mix():
    answerable = [r for r in NEWS if r["answerable"]]
    assert len(NEWS) >= 160
    assert len(NEWS) - len(answerable) >= len(NEWS) / 3
    for kind in ("who", "where", "when", "number", "list"):
        assert sum(r["kind"] == kind for r in answerable) >= 15, kind
    assert {r["source"] for r in answerable if not _is_crud(r["source"])}, "seed articles are asked about too"


def test_news_followups_follow_their_previous_question():
    followups = [(i, r) for i, r in enumerate(NEWS) if "previous" in r]
    assert len(followups) >= 12
    assert sum(r["answerable"] for _, r in followups) >= 3
    assert sum(not r["answerable"] for _, r in followups) >= 3
    for i, row in followups:
        assert i > 0 and NEWS[i - 1]["question"] == row["previous"], row["id"]
        assert NEWS[i - 1]["split"] == row["split"], row["id"]


def test_news_splits_are_disjoint_by_article_and_follow_the_hash_rule():
    articles = {"fit": set(), "check": set()}
    for row in NEWS:
        articles[row["split"]].add(_article(row))
    assert not articles["fit"] & articles["check"]
    share = sum(r["split"] == "check" for r in NEWS) / len(NEWS)
    assert 0.35 <= share <= 0.65, share
    groups: dict[str, set[str]] = {}  # articles joined by follow-ups
    for i, row in enumerate(NEWS):
        group = groups.setdefault(_article(row), {_article(row)})
        if "previous" in row:
            group |= groups.setdefault(_article(NEWS[i - 1]), {_article(NEWS[i - 1])})
            for member in group:
                groups[member] = group
    for row in NEWS:
        first = min(groups[_article(row)])
        expected = "fit" if int(hashlib.sha256(first.encode()).hexdigest(), 16) % 2 == 0 else "check"
        assert row["split"] == expected, row["id"]


def _assert_golds_in_sources(rows, docs):
    for row in rows:
        doc = docs.get(row["source"])
        assert doc is not None, f"{row['id']}: no document {row['source']}"
        for gold in row["answers"]:
            assert gold in doc.text or gold in doc.title, f"{row['id']}: {gold!r} not in {row['source']}"


def test_news_seed_golds_are_verbatim_in_their_documents(seed_docs):
    rows = [r for r in NEWS if r["answerable"] and not _is_crud(r["source"])]
    assert rows
    _assert_golds_in_sources(rows, seed_docs)


@NO_SHARED
def test_news_crud_golds_are_verbatim_in_their_documents(crud_docs):
    rows = [r for r in NEWS if r["answerable"] and _is_crud(r["source"])]
    assert len(rows) >= 100
    _assert_golds_in_sources(rows, crud_docs)


def _stating_sentences(row, docs):
    patterns = [re.compile(p) for p in row["absent"]]
    return [
        (doc_id, sentence)
        for doc_id, doc in docs.items()
        for sentence in SENTENCE.findall(doc.title + "\n" + doc.text)
        if all(p.search(sentence) for p in patterns)
    ]


def test_news_not_in_corpus_answers_are_absent_from_the_seeds(seed_docs):
    for row in (r for r in NEWS if not r["answerable"]):
        if not _is_crud(row["near"]):
            assert row["near"] in seed_docs, row["id"]
        assert not _stating_sentences(row, seed_docs), row["id"]


@pytest.mark.slow  # reads every article of the shared news sets
@NO_SHARED
def test_news_not_in_corpus_answers_are_absent_from_the_crud_sample(crud_docs):
    for row in (r for r in NEWS if not r["answerable"]):
        if _is_crud(row["near"]):
            assert row["near"] in crud_docs, row["id"]
        hits = _stating_sentences(row, crud_docs)
        assert not hits, f"{row['id']} {row['question']}: {hits[:1]}"


def test_absent_patterns_do_catch_a_stated_answer(seed_docs):
    """The absence check is not vacuous: patterns written like ours find facts the seeds do state."""
    stated = {"absent": ["抖音", "国货.{0,6}销量"]}
    assert _stating_sentences(stated, seed_docs)


# ----------------------------------------------------------------------------------------- crud_news_qa


@pytest.mark.parametrize("row", CRUD, ids=[r["id"] for r in CRUD])
def test_crud_schema(row):
    assert REQUIRED | {"item"} <= set(row) <= REQUIRED | {"item", "sources", "absent_answers", "absent_because"}
    assert row["kind"] in KINDS and row["split"] in {"fit", "check"}
    if row["answerable"]:
        assert row["answers"] and row["source"].startswith("crud_news_qa_reduced.txt#")
        assert row["source"] in row.get("sources", [row["source"]])
    else:
        assert row["answers"] == [] and row["source"] is None and row["absent_answers"]
        assert row["absent_because"] in {"lines dropped", "article left out"}


def test_crud_mix_and_splits():
    answerable = [r for r in CRUD if r["answerable"]]
    dropped = [r for r in CRUD if r.get("absent_because") == "lines dropped"]
    assert len(CRUD) == 330
    assert abs(len(dropped) - (len(answerable) + len(dropped)) / 3) <= 1  # a third of the answerable ones
    fit, check = _split_by_article(CRUD)
    assert 0.35 <= len(check) / (len(fit) + len(check)) <= 0.65


def _split_by_article(rows: list[dict]) -> tuple[set[str], set[str]]:
    """The fit and check source articles of a set made by tools/make_crud_eval.py, checked to be disjoint, with
    every item's questions in one split."""
    items = {}
    for row in rows:
        assert items.setdefault(row["item"], row["split"]) == row["split"], row["item"]
    fit = {r["source"] for r in rows if r["answerable"] and r["split"] == "fit"}
    check = {r["source"] for r in rows if r["answerable"] and r["split"] == "check"}
    assert fit and check and not fit & check
    return fit, check


def test_question_kind_rule():
    from tools.make_crud_eval import question_kind

    assert question_kind("2023年澳网男单冠军是谁？") == "who"
    assert question_kind("汉阳树公园北园什么时候对外开放？") == "when"
    assert question_kind("救援队伍在哪些地方开展了救援工作？") == "list"
    assert question_kind("昂山素季最近被转移到哪里？") == "where"
    assert question_kind("双品网购节期间山东全省一共直播了多少场？") == "number"
    assert question_kind("快手电商把自己定位成什么？") == "what"
    assert question_kind("康安友是如何将小女孩救出的？") == "other"


@pytest.mark.slow  # reads every article of the shared news sets
@pytest.mark.skipif(not (CRUD_QA / "gold.jsonl").is_file(), reason=f"{CRUD_QA} not present (shared data)")
def test_crud_eval_is_reproduced_and_holds_on_the_reduced_corpus(tmp_path):
    """Regenerating gives the committed file, and the written corpus loads with every answerable gold in its
    source document and no not-in-corpus answer anywhere."""
    from tools.make_crud_eval import REDUCED_NAME, main

    out, corpus = tmp_path / "crud.jsonl", tmp_path / REDUCED_NAME
    assert main(["--data", str(CRUD_QA), "--out", str(out), "--corpus-out", str(corpus)]) == 0
    assert out.read_text(encoding="utf-8") == CRUD_PATH.read_text(encoding="utf-8")
    docs = {d.doc_id: d for d in load_file(corpus, REDUCED_NAME)}
    texts = {k: "".join((d.title + d.text).split()).lower() for k, d in docs.items()}
    for row in CRUD:
        if row["answerable"]:
            assert any("".join(a.split()).lower() in texts[row["source"]] for a in row["answers"]), row["id"]
        else:
            for answer in row["absent_answers"]:
                squashed = "".join(answer.split()).lower()
                assert not any(squashed in t for t in texts.values()), row["id"]
    original = (CRUD_QA / "corpus.txt").read_text(encoding="utf-8").split("\n")
    reduced = corpus.read_text(encoding="utf-8").split("\n")
    assert len(reduced) == len(original)  # blanked, not removed: doc ids keep their line numbers
    assert all(r in ("", o) for r, o in zip(reduced, original, strict=True))


def test_make_crud_eval_refuses_bad_paths(tmp_path, capsys):
    from tools.make_crud_eval import main

    assert main(["--data", str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "corpus.txt").write_text("x", encoding="utf-8")
    (tmp_path / "gold.jsonl").write_text("", encoding="utf-8")
    assert main(["--data", str(tmp_path), "--gold", str(tmp_path / "written.jsonl")]) == 2
    assert "written.jsonl not found" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------- crud_written_qa


def test_written_questions_are_kept_only_when_they_meet_the_writing_rules(tmp_path):
    """tools/collect_written_qa.py keeps a written question only when its answer is verbatim in its article, is
    not given away by the question, and the question names what it asks about instead of pointing at the
    article; its gold lists every line that holds the answer, as CRUD's gold.jsonl does."""
    from tools.collect_written_qa import main

    (tmp_path / "corpus.txt").write_text(
        "2023-08-03 10:00，正文：黑龙江省气象台3日21时发布强对流预警，累计降水量40至60毫米。\n"
        "2023-08-04 09:00，正文：牡丹江市昨日降水量达60毫米，全市转移群众1200人。\n",
        encoding="utf-8",
    )
    written = [
        {"line": 0, "question": "黑龙江省气象台在几时发布强对流预警？", "answer": "21时"},  # kept
        {"line": 1, "question": "牡丹江市转移了多少群众？", "answer": "1200人"},  # kept
        {"line": 1, "question": "牡丹江市转移了多少群众？", "answer": "1200人"},  # the same question again
        {"line": 0, "question": "该地区的累计降水量最多是多少？", "answer": "60毫米"},  # points at the article
        {"line": 1, "question": "牡丹江市降水量达60毫米是哪天？", "answer": "60毫米"},  # answer in the question
        {"line": 1, "question": "牡丹江市转移群众多少人？", "answer": "3000人"},  # not in its article
        {"line": 7, "question": "哪里发布了预警？", "answer": "黑龙江"},  # no such article
    ]
    raw = tmp_path / "out.jsonl"
    raw.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in written), encoding="utf-8")
    out = tmp_path / "gold.jsonl"
    assert main([str(raw), "--data", str(tmp_path), "--out", str(out)]) == 0
    kept = _rows(out)
    assert [r["question"] for r in kept] == ["黑龙江省气象台在几时发布强对流预警？", "牡丹江市转移了多少群众？"]
    assert kept[0] == {
        "question": "黑龙江省气象台在几时发布强对流预警？", "answer": ["21时"], "answerable": True,
        "item": "written/0", "lines": [0],
    }
    assert main([str(tmp_path / "missing.jsonl"), "--data", str(tmp_path), "--out", str(out)]) == 2


WRITTEN_GOLD = REPO / "eval" / "crud_written_gold.jsonl"
WRITTEN_PATH = REPO / "eval" / "crud_written_qa.jsonl"
WRITTEN = _rows(WRITTEN_PATH)


def test_written_set_mix_and_splits():
    """A third made not-in-corpus, splits disjoint by article, and no article shared with the CRUD set's sources
    (so fitting on the written questions teaches nothing about a CRUD check article)."""
    assert len(WRITTEN) == len(_rows(WRITTEN_GOLD)) >= 500
    for row in WRITTEN:
        assert REQUIRED | {"item"} <= set(row) and row["split"] in {"fit", "check"} and row["kind"] in KINDS
    answerable = [r for r in WRITTEN if r["answerable"]]
    assert abs(len(answerable) - 2 * len(WRITTEN) / 3) <= 3
    assert all(r["absent_because"] == "lines dropped" for r in WRITTEN if not r["answerable"])
    _split_by_article(WRITTEN)
    crud_sources = {s.split("#")[1] for r in CRUD for s in [r["source"], *r.get("sources", [])] if s}
    written_articles = {r["item"].split("/")[1] for r in WRITTEN}
    assert not {str(int(n) + 1) for n in written_articles} & crud_sources


@pytest.mark.slow  # reads every article of the CRUD corpus
@pytest.mark.skipif(not (CRUD_QA / "corpus.txt").is_file(), reason=f"{CRUD_QA} not present (shared data)")
def test_written_eval_is_reproduced_from_its_gold(tmp_path):
    """The written set is made as the CRUD one is: regenerating from its gold gives the committed file, with
    every answerable gold in its source and no not-in-corpus answer left in the corpus."""
    from tools.make_crud_eval import main

    out, corpus = tmp_path / "written.jsonl", tmp_path / "crud_written_reduced.txt"
    argv = ["--data", str(CRUD_QA), "--gold", str(WRITTEN_GOLD), "--prefix", "written"]
    assert main([*argv, "--out", str(out), "--corpus-out", str(corpus)]) == 0
    assert out.read_text(encoding="utf-8") == WRITTEN_PATH.read_text(encoding="utf-8")
