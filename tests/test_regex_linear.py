"""Every regular expression that reads document, chat or LLM text runs in linear time.

A pattern that backtracks can freeze ingest or the bot on one crafted line (the regex holds the GIL). This test
finds the patterns itself, so a new one is covered without being listed here:
  - every compiled `re.Pattern` among the module globals of `index/` and `bot/` (also inside tuples, lists and
    dicts), and
  - every literal pattern passed straight to `re.search(r"…", …)`, `re.split`, `re.sub` etc. in their source.
Each pattern gets adversarial inputs built from its own parts: its literal runs, the characters of its classes,
a string that walks the pattern once (its "sample") and that sample's prefixes (near misses that fail late),
all repeated, paired, padded with long runs of spaces, and unclosed brackets. The inputs that take longest at
2,000 characters are then timed at 10,000 and 100,000 characters, as the best of several runs in CPU time
(against noise from other jobs): linear time gives a ratio near 10, quadratic near 100, and more than
RATIO_LIMIT fails. A pattern that does not even finish its 2,000-character screening (exponential
backtracking) fails too. Each pattern runs in a forked child, so a runaway one is killed instead of hanging
the suite.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import multiprocessing
import pkgutil
import re
import re._constants as sre
import re._parser as sre_parse
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "bot")
TRIES = 3  # measurements of a pattern before a bad ratio counts (another job may get in the way)
RATIO_LIMIT = 20  # time(100k) / time(10k): linear ~10, quadratic ~100
SCREEN_CHARS, SMALL, LARGE = 2_000, 10_000, 100_000
WORST_INPUTS = 4  # how many of the slowest screened inputs are timed at full size
SCREEN_TIMEOUT_S = 60.0  # only a hang detector: a linear pattern screens in well under a second
SCREEN_SLOW_S = 0.02  # a 2,000-character input this slow (linear: ~0.1 ms) is measured at once

# Patterns that never see document, chat or LLM text, with the reason. Keep this short and explain each entry.
# Keys are "module:global"; an entry covers every pattern inside that global (a dict or tuple of them).
EXCLUDED: dict[str, str] = {
    "bot.http.page:_BLOCK": "reads only the packaged static/index.html, to hash its inline script and style",
}


# ------------------------------------------------------------------------------------------ finding patterns


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def _patterns_in(value, depth: int = 0):
    """(where, pattern) for a pattern or the patterns inside a container: where is "" or "[key]"."""
    if isinstance(value, re.Pattern):
        yield "", value
    elif depth < 2 and isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from ((f"[{i}]{where}", p) for where, p in _patterns_in(item, depth + 1))
    elif depth < 2 and isinstance(value, (frozenset, set)):
        for item in value:
            yield from ((f"[*]{where}", p) for where, p in _patterns_in(item, depth + 1))
    elif depth < 2 and isinstance(value, dict):
        for key, item in value.items():
            yield from ((f"[{key!r}]{where}", p) for where, p in _patterns_in(item, depth + 1))


_RE_CALLS = {"compile", "search", "match", "fullmatch", "split", "sub", "subn", "findall", "finditer"}


def _inline_patterns(module_file: Path) -> list[tuple[str, int, int]]:
    """(pattern, flags, line) for each `re.<call>("literal", …)` in a module's source."""
    found = []
    for node in ast.walk(ast.parse(module_file.read_text(encoding="utf-8"))):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _RE_CALLS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        flags = 0
        for arg in [*node.args[1:], *(k.value for k in node.keywords)]:
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "re":
                    flag = getattr(re, sub.attr, None)
                    if isinstance(flag, re.RegexFlag):
                        flags |= flag
        found.append((node.args[0].value, flags, node.lineno))
    return found


def collect_patterns() -> dict[str, re.Pattern]:
    """name -> pattern, one entry per distinct (pattern, flags)."""
    found: dict[str, re.Pattern] = {}
    seen: set[tuple[str, int]] = set()

    def add(name: str, pattern: re.Pattern) -> None:
        key = (pattern.pattern, pattern.flags)
        if key not in seen and name.split("[", 1)[0] not in EXCLUDED:
            seen.add(key)
            found[name] = pattern

    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in sorted(vars(module).items()):
            for where, pattern in _patterns_in(value):
                if isinstance(pattern.pattern, str):
                    add(f"{name}:{attr}{where}", pattern)
        source = getattr(module, "__file__", None)
        if source and source.endswith(".py"):
            for text, flags, line in _inline_patterns(Path(source)):
                add(f"{name}:line {line}", re.compile(text, flags))
    return found


# ------------------------------------------------------------------------------------- adversarial inputs

_CATEGORY_CHARS = {
    sre.CATEGORY_DIGIT: "1",
    sre.CATEGORY_NOT_DIGIT: "a",
    sre.CATEGORY_SPACE: " ",
    sre.CATEGORY_NOT_SPACE: "a",
    sre.CATEGORY_WORD: "a",
    sre.CATEGORY_NOT_WORD: " ",
}


def _set_chars(items) -> tuple[list[str], bool]:
    """A few characters from a character class, and whether the class is negated."""
    chars, negated = [], False
    for op, av in items:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.RANGE:
            low, high = av
            chars += [chr(low), chr((low + high) // 2), chr(high)]
        elif op is sre.CATEGORY:
            chars.append(_CATEGORY_CHARS.get(av, "a"))
    return chars, negated


class _Parts:
    """What a pattern is made of: literal runs, class characters, and sample strings that walk it."""

    def __init__(self, pattern: re.Pattern):
        self.runs: list[str] = []
        self.chars: list[str] = []
        self.samples: list[str] = []
        tree = sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
        self._collect(tree)
        self.samples += [self._sample(tree, many) for many in (1, 3)]
        for op, av in tree:  # each top-level alternative on its own
            if op is sre.BRANCH:
                self.samples += [self._sample(branch, 1) for branch in av[1]]

    def _collect(self, seq) -> None:
        run = ""
        for op, av in seq:
            if op is sre.LITERAL:
                run += chr(av)
                continue
            if run:
                self.runs.append(run)
                run = ""
            if op is sre.IN:
                self.chars += _set_chars(av)[0]
            elif op is sre.NOT_LITERAL:
                self.chars.append(chr(av))
            elif op is sre.BRANCH:
                for branch in av[1]:
                    self._collect(branch)
            elif op is sre.SUBPATTERN:
                self._collect(av[3])
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                self._collect(av[2])
            elif op in (sre.ASSERT, sre.ASSERT_NOT, sre.ATOMIC_GROUP):
                self._collect(av[1] if op is not sre.ATOMIC_GROUP else av)
        if run:
            self.runs.append(run)

    def _sample(self, seq, many: int) -> str:
        """One string that follows the pattern: first alternatives, `many` turns of each open repeat."""
        out = []
        for op, av in seq:
            if op is sre.LITERAL:
                out.append(chr(av))
            elif op is sre.NOT_LITERAL:
                out.append("a" if av != ord("a") else "b")
            elif op is sre.ANY:
                out.append("a")
            elif op is sre.IN:
                chars, negated = _set_chars(av)
                out.append(("a" if "a" not in chars else "~") if negated else (chars[0] if chars else "a"))
            elif op is sre.CATEGORY:
                out.append(_CATEGORY_CHARS.get(av, "a"))
            elif op is sre.BRANCH:
                out.append(self._sample(av[1][0], many))
            elif op is sre.SUBPATTERN:
                out.append(self._sample(av[3], many))
            elif op is sre.ATOMIC_GROUP:
                out.append(self._sample(av, many))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, high = av[0], av[1]
                turns = min(high, max(low, many)) if high != sre.MAXREPEAT else max(low, many)
                out.append(self._sample(av[2], many) * turns)
        return "".join(out)


def _fill(unit: str, length: int) -> str:
    return (unit * (length // max(1, len(unit)) + 1))[:length]


Builder = Callable[[int], str]


def adversarial_inputs(pattern: re.Pattern) -> dict[str, Builder]:
    """label -> function building that input at a given length."""
    parts = _Parts(pattern)
    near_misses = {s[:i] for s in parts.samples for i in range(1, min(len(s), 40) + 1)}
    units = list(dict.fromkeys([*parts.runs, *parts.chars, *parts.samples, *sorted(near_misses), " ", "\n", "\t"]))
    units = [u for u in units if u][:80]
    pieces = list(dict.fromkeys([*parts.runs, *parts.chars]))[:14]
    inputs: dict[str, Builder] = {}
    for u in units:
        inputs[f"repeat {u!r}"] = lambda n, u=u: _fill(u, n)
        inputs[f"repeat {u!r} + ' '"] = lambda n, u=u: _fill(u + " ", n)
        inputs[f"repeat {u!r} + 'x'"] = lambda n, u=u: _fill(u + "x", n)
        inputs[f"{u!r} then spaces then 'x'"] = lambda n, u=u: (u + " " * n)[: n - 1] + "x"
        inputs[f"spaces then {u!r}"] = lambda n, u=u: (" " * n)[: n - len(u)] + u
        inputs[f"{u!r} then 'x' * n"] = lambda n, u=u: (u + "x" * n)[:n]
    for u, v in itertools.product(pieces, repeat=2):
        inputs[f"repeat {u + v!r}"] = lambda n, w=u + v: _fill(w, n)
    everything = "".join(units)
    inputs["all parts, repeated"] = lambda n: _fill(everything, n)
    for opener in "([{<（【［「":
        inputs[f"unclosed {opener!r} then text"] = lambda n, o=opener: o + _fill("ab 1", n - 1)
        inputs[f"repeat unclosed {opener!r}"] = lambda n, o=opener: _fill(o, n)
    return inputs


# ------------------------------------------------------------------------------------------------ timing


def _run(pattern: re.Pattern, text: str) -> None:
    for _ in pattern.finditer(text):
        pass


def _best(pattern: re.Pattern, text: str, repeats: int, budget_s: float = 0.5) -> float:
    """The shortest of `repeats` runs, or of fewer once they have used `budget_s` of CPU time."""
    best, spent = float("inf"), 0.0
    for _ in range(repeats):
        if spent > budget_s:
            break
        start = time.thread_time()  # CPU time: other jobs on the machine do not count
        _run(pattern, text)
        took = time.thread_time() - start
        best, spent = min(best, took), spent + took
    return max(best, 1e-7)


def _measure(pattern: re.Pattern, conn) -> None:
    """In the child: screen every input, then time the slowest ones at 10k and 100k, reporting each run."""
    inputs = adversarial_inputs(pattern)
    times: dict[str, float] = {}
    for label, build in inputs.items():
        times[label] = _best(pattern, build(SCREEN_CHARS), 2)
        if times[label] > SCREEN_SLOW_S:  # found a bad one: no need to screen the rest before measuring it
            break
    conn.send(("screened", len(times)))
    for label in sorted(times, key=times.get, reverse=True)[:WORST_INPUTS]:
        small, large = inputs[label](SMALL), inputs[label](LARGE)
        for attempt in range(TRIES):  # more tries before reporting a bad ratio, in case another job got in the way
            t_small = _best(pattern, small, 9)
            conn.send(("small", label, t_small))
            t_large = float("inf")
            for _ in range(5):
                t_large = min(t_large, _best(pattern, large, 1))
                conn.send(("run",))
            if t_large / t_small <= RATIO_LIMIT or attempt == TRIES - 1:
                break
        conn.send(("large", label, t_large))
    conn.send(("done",))


def _measuring_context():
    """Children forked from a clean, single-threaded forkserver that has this module imported: a plain fork of
    the pytest process copies whatever locks its other threads (ONNX Runtime, servers of earlier tests) held, and
    the child could hang on one, which reads as a pattern that never finishes."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def growth(pattern: re.Pattern) -> list[tuple[str, float | None, float | None]]:
    """(input, t10k, t100k) for the pattern's slowest inputs; t100k is None when one 100k run took so long
    that the ratio is past RATIO_LIMIT already (it is then stopped rather than waited for)."""
    context = _measuring_context()
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_measure, args=(pattern, child), daemon=True)
    process.start()
    child.close()
    results: list[tuple[str, float | None, float | None]] = []
    label, t_small, waiting_for_run = "", 0.0, False
    try:
        if not parent.poll(SCREEN_TIMEOUT_S):
            return [(f"one {SCREEN_CHARS:,}-character input in {SCREEN_TIMEOUT_S:.0f} s", None, None)]
        parent.recv()
        while True:
            # One 100k run may take RATIO_LIMIT x the 10k one, in CPU time; the wall clock gets 2x that (plus 5 s)
            # for a busy machine.
            budget = 5.0 + 2 * RATIO_LIMIT * t_small if waiting_for_run else SCREEN_TIMEOUT_S
            if not parent.poll(budget):
                return [*results, (label, t_small, None)]
            message = parent.recv()
            if message[0] == "done":
                return results
            if message[0] == "small":
                label, t_small, waiting_for_run = message[1], message[2], True
            elif message[0] == "large":
                results.append((label, t_small, message[2]))
                waiting_for_run = False
    finally:
        process.kill()
        process.join()


PATTERNS = collect_patterns()


def test_patterns_are_found():
    names = set(PATTERNS)
    # The patterns the security review named, and one inline pattern, prove that discovery works.
    assert "index.html_text:_NAV_LINE" in names
    assert any(name.startswith("bot.") for name in names)
    assert any(":line " in name for name in names)
    assert all(name.split("[", 1)[0] not in EXCLUDED for name in names)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_runs_in_linear_time(name):
    pattern = PATTERNS[name]
    for label, t_small, t_large in growth(pattern):
        if t_small is None:
            pytest.fail(f"{name} ({pattern.pattern!r}) did not finish {label}: exponential backtracking")
        if t_large is None:
            pytest.fail(
                f"{name}: input {label} took {t_small * 1e3:.1f} ms at {SMALL:,} characters and over "
                f"{RATIO_LIMIT}x that at {LARGE:,}: super-linear ({pattern.pattern!r})"
            )
        ratio = t_large / t_small
        assert ratio <= RATIO_LIMIT, (
            f"{name}: input {label}: {t_small * 1e3:.2f} ms at {SMALL:,} characters, {t_large * 1e3:.2f} ms at "
            f"{LARGE:,} (x{ratio:.0f}; linear is ~10): {pattern.pattern!r}"
        )


def _finishes(function, *args, seconds: float = 30.0) -> bool:
    """Whether function(*args) returns within `seconds` (in a forked child, so a runaway regex is killed)."""
    context = _measuring_context()
    process = context.Process(target=function, args=args, daemon=True)
    process.start()
    process.join(seconds)
    if process.is_alive():
        process.kill()
        process.join()
        return False
    return process.exitcode == 0


def _load_nav_attack() -> None:
    from index.loaders import load_text

    line = "返回" * 40 + "]]"  # 82 characters: never finished before the rewrite of _NAV_LINE
    doc = load_text(f"标题\n\n{line}\n\n正文。\n\n{line}\n", "attack.txt")[0]
    assert line in doc.text  # not navigation, so it stays


def _clean_spaces_from_llm() -> None:
    from bot.llm.answer import clean_markers

    text, cited = clean_markers("答案" + " " * 20_000 + "结束 [1]", {1})
    assert text.endswith("结束 [1]") and cited == [1]


@pytest.mark.parametrize("attack", [_load_nav_attack, _clean_spaces_from_llm])
def test_the_reviews_reproductions_finish(attack):
    # These took 4.5 s (20,000 spaces) and forever (82 characters); each now takes milliseconds.
    assert _finishes(attack)
