"""`xunda ingest DIR` reads what is inside DIR: a symlink that leads out of it is skipped and named, unless
--follow-symlinks asks for it; a link inside DIR, or one back up the tree, never loads a file twice or loops."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.commands import cli
from index import store
from index.ingest import load_paths
from index.loaders import discover
from tests.fakes import FakeEmbedder

ARTICLE = "快手电商宣布，2022年扶持100个快品牌。深圳销量排全国城市第二。\n"


@pytest.fixture
def tree(tmp_path):
    inside, outside = tmp_path / "corpus", tmp_path / "secret"
    (inside / "sub").mkdir(parents=True)
    outside.mkdir()
    (inside / "a.txt").write_text("本地新闻\n\n" + ARTICLE, encoding="utf-8")
    (inside / "sub" / "b.txt").write_text("子目录新闻\n\n" + ARTICLE, encoding="utf-8")
    (outside / "passwd.txt").write_text("机密文件\n\n不应被收录的内容。", encoding="utf-8")
    (outside / "more.md").write_text("机密目录\n\n也不应被收录。", encoding="utf-8")
    (inside / "leak.txt").symlink_to(outside / "passwd.txt")  # a file link out
    (inside / "leakdir").symlink_to(outside, target_is_directory=True)  # a folder link out
    (inside / "alias.txt").symlink_to(inside / "a.txt")  # a link that stays inside
    (inside / "sub" / "up").symlink_to(inside, target_is_directory=True)  # a loop back to the top
    return inside, outside


def _names(found):
    return sorted(base for _, base in found)


def test_links_out_of_the_folder_are_skipped_and_named(tree):
    inside, _ = tree
    found, skipped = discover([inside])
    assert _names(found) == ["a.txt", "sub/b.txt"]  # alias.txt is a.txt again: read once
    assert sorted(path for path, _ in skipped) == [str(inside / "leak.txt"), str(inside / "leakdir")]
    assert all("--follow-symlinks" in reason and "\n" not in reason for _, reason in skipped)


def test_follow_symlinks_reads_them_and_does_not_loop(tree):
    inside, _ = tree
    found, skipped = discover([inside], follow_symlinks=True)
    assert _names(found) == ["a.txt", "leak.txt", "leakdir/more.md", "sub/b.txt"]
    assert skipped == []


def test_a_file_named_directly_is_read_even_through_a_link(tree):
    inside, _ = tree
    documents, failed = load_paths([inside / "leak.txt"])
    assert [d.title for d in documents.values()] == ["机密文件"] and failed == []


@pytest.fixture
def run(tmp_path, monkeypatch):
    import index.embedding

    monkeypatch.setattr(index.embedding, "make_embedder", lambda *a, **k: FakeEmbedder())
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--index", str(tmp_path / "index"), *args])


def test_cli_ingest_says_what_it_skipped(run, tree, tmp_path):
    inside, _ = tree
    result = run("ingest", str(inside))
    assert "Traceback" not in result.output
    skipped = [line for line in result.output.splitlines() if "symlink leads out of the folder" in line]
    assert len(skipped) == 2 and any(str(inside / "leak.txt") in line for line in skipped)
    assert "added 2," in result.output
    titles = {d.title for d in store.load(tmp_path / "index").documents.values()}
    assert titles == {"本地新闻", "子目录新闻"}  # nothing from outside the folder reached the index


def test_cli_ingest_follow_symlinks(run, tree):
    inside, _ = tree
    result = run("ingest", "--follow-symlinks", str(inside))
    assert result.exit_code == 0, result.output
    assert "added 4," in result.output and "symlink" not in result.output
