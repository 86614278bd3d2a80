"""The architecture's import rules, checked on the source: data flows one way and no layer reaches up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The `xunda` command starts every front end (`xunda telegram`, `xunda serve`), so it alone may import them.
COMPOSITION_ROOT = ROOT / "bot" / "cli" / "commands.py"

# (package, packages it must never import)
RULES = [
    ("index", ("bot",)),
    ("bot.core", ("bot.cli", "bot.telegram", "bot.http")),
    ("bot.llm", ("bot.cli", "bot.telegram", "bot.http")),
    ("bot.cli", ("bot.telegram", "bot.http")),  # but see COMPOSITION_ROOT
    ("bot.telegram", ("bot.cli", "bot.http")),
    ("bot.http", ("bot.cli", "bot.telegram")),
]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_of(package: str) -> list[Path]:
    folder = ROOT.joinpath(*package.split("."))
    return sorted(folder.rglob("*.py"))


def test_every_package_in_the_rules_exists():
    for package, _ in RULES:
        assert modules_of(package), f"{package} has no modules: the rules are out of date"


@pytest.mark.parametrize(("package", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_no_layer_imports_above_itself(package, forbidden):
    broken = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in modules_of(package)
        if path != COMPOSITION_ROOT
        for module in imported_modules(path)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]
    assert not broken, "\n".join(broken)


def test_the_rule_checker_sees_a_violation(tmp_path):
    """The checker itself works: a file importing bot.cli from inside a function is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from bot.cli.repl import run_repl\n", encoding="utf-8")
    assert "bot.cli.repl" in imported_modules(bad)


def test_only_settings_reads_the_environment():
    """Settings are read once, in bot/settings.py; every other module receives a Settings."""
    readers = []
    for path in [*modules_of("bot"), *modules_of("index")]:
        if path.name == "settings.py" and path.parent.name == "bot":
            continue
        source = path.read_text(encoding="utf-8")
        if "os.environ" in source or "os.getenv" in source or "envvar=" in source:
            readers.append(str(path.relative_to(ROOT)))
    assert not readers, readers
