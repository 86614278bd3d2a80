"""The package as `pip install .` makes it: a wheel built from the source tree, installed in a fresh venv, run from a
folder that is not the repository. Its prompts and bundled corpus must come from inside the installed package.

The venv gets the dependencies by a .pth file naming this environment's site-packages (they are large and already
here); xunda itself is installed from the wheel only, with --no-deps, and nothing of the repository is on its path.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "快手2022扶持多少快品牌"
KUAISHOU_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202386756268"

pytestmark = pytest.mark.slow


def source_tree(target: Path) -> Path:
    """The files a fresh clone would have (tracked, plus new files git does not ignore), copied to `target`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _isolation() -> list[str]:
    """Build with the setuptools already here when it is new enough (no network); else pip fetches one."""
    try:
        major = int(version("setuptools").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return []
    return ["--no-build-isolation"] if major >= 68 else []


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the source tree")
    base = tmp_path_factory.mktemp("wheel")
    src = source_tree(base / "src")
    dist = base / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *_isolation(), "-w", dist, src)
    assert built.returncode == 0, built.stderr
    (path,) = dist.glob("xunda-*.whl")
    return path


def test_the_wheel_carries_prompts_corpus_and_page(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in (ROOT / "prompts").iterdir():
        assert f"bot/prompts/{prompt.name}" in names
    for article in (ROOT / "corpus").iterdir():
        assert f"bot/corpus/{article.name}" in names
    assert "bot/http/static/index.html" in names
    assert not any(n.startswith(("prompts/", "corpus/", "tests/")) for n in names)  # nothing at the top level


def test_the_installed_wheel_answers_the_example_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / "bin" / "python"
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel)
    assert installed.returncode == 0, installed.stderr
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNDA_", "PYTHON"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # the default index place, inside the test's folder
    where = run(
        python, "-c", "import bot.settings as s; print(s.__file__); print(s.PROMPTS_DIR); print(s.BUNDLED_CORPUS)",
        cwd=elsewhere, env=env,
    )
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(venv), where.stdout  # the code and its text come from the install

    answer = run(venv / "bin" / "xunda", "ask", "--json", EXAMPLE, cwd=elsewhere, env=env)
    assert answer.returncode == 0, answer.stderr
    body = json.loads(answer.stdout)
    assert body["answerable"] and "500" in body["answer"]
    assert body["citations"][0]["url"] == KUAISHOU_URL
    assert "Traceback" not in answer.stderr
