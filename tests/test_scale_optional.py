"""The scale extra stays optional: the default (FAISS folder) path never imports pymilvus, Milvus Lite or Ray."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys
from pathlib import Path
from click.testing import CliRunner
from bot.cli.commands import cli
from bot.core.engine import Engine
from bot.settings import Settings
from tests.fakes import FakeEmbedder
engine = Engine.open(Settings.from_env({}, index_dir=Path(sys.argv[1])), FakeEmbedder())
engine.ask("快手2022扶持多少快品牌")
assert engine.stats()["backend"] == "faiss"
assert CliRunner().invoke(cli, ["--index", sys.argv[1], "stats"]).exit_code == 0
print(sorted({m.split(".")[0] for m in sys.modules} & {"pymilvus", "milvus_lite", "ray", "grpc"}))
"""


def test_the_default_path_imports_none_of_the_scale_extra(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "index")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"
