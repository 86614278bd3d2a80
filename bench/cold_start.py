"""Cold start: one-shot `xunda ask` against `python -c "import torch"`, as whole processes, interleaved.

Each round runs every command once, in turn, so a busy machine slows them all alike; the figures are medians
over the rounds, and the ratio is of medians from this one run. Peak RSS comes from /usr/bin/time -v.
Time to first answer for the REPL and `ask --jsonl` is the time from starting the process to the first line
of the answer on stdout (questions come on a pipe).

    .venv/bin/python bench/cold_start.py [--rounds 7] [--backends onnx,torch] [--index DIR]

Without --index it builds the seed index in a temporary folder first. The ONNX export and jieba's cache are made
by a warm-up run before timing, as they are once per machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XUNDA = [sys.executable, "-m", "bot"]


def timed(command: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB and stdout of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", Path(report.name).read_text())[1])
    return wall, rss_kb // 1024, done.stdout


def first_answer(command: list[str], env: dict[str, str], question: str, expect: str) -> float:
    """Seconds from starting the process until a stdout line holding `expect` appears."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    assert process.stdin and process.stdout
    process.stdin.write(question + "\n")
    process.stdin.flush()
    try:
        for line in process.stdout:
            if expect in line:
                return time.perf_counter() - started
        sys.exit(f"no answer holding {expect!r} from {' '.join(command)}")
    finally:
        process.stdin.close()
        process.kill()
        process.wait()
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description="cold one-shot ask vs import torch")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--question", default="快手2022扶持多少快品牌")
    parser.add_argument("--expect", default="500", help="text the answer holds (to spot the first answer)")
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--index", type=Path, help="an index to ask (default: the seed corpus, built now)")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XUNDA_INDEX=str(args.index or Path(tmp) / "index"))
        if args.index is None:
            timed([*XUNDA, "ingest", str(ROOT / "corpus")], env)
        envs = {b: dict(env, XUNDA_BACKEND=b) for b in backends}
        for backend in backends:  # once-per-machine work (the ONNX export, jieba's cache) is not a cold start
            timed([*XUNDA, "ask", args.question], envs[backend])

        wall: dict[str, list[float]] = {}
        rss: dict[str, list[int]] = {}

        def record(name: str, seconds: float, mb: int | None = None) -> None:
            wall.setdefault(name, []).append(seconds)
            if mb is not None:
                rss.setdefault(name, []).append(mb)

        for _ in range(args.rounds):
            record("python -c 'import torch'", *timed([sys.executable, "-c", "import torch"], env)[:2])
            for backend in backends:
                seconds, mb, out = timed([*XUNDA, "ask", args.question], envs[backend])
                if args.expect not in out:
                    sys.exit(f"the answer does not hold {args.expect!r}:\n{out}")
                record(f"xunda ask ({backend})", seconds, mb)
                for entry, command in (("repl", [*XUNDA, "repl"]), ("ask --jsonl", [*XUNDA, "ask", "--jsonl"])):
                    seconds = first_answer(command, envs[backend], args.question, args.expect)
                    record(f"{entry} first answer ({backend})", seconds)

    torch_import = statistics.median(wall["python -c 'import torch'"])
    print(f"{args.rounds} rounds, interleaved; medians; question {args.question!r}")
    print(f"{'what':34} {'median s':>9} {'min s':>7} {'x import torch':>15} {'peak RSS MB':>12}")
    for name, times in wall.items():
        median = statistics.median(times)
        peak = f"{max(rss[name])}" if name in rss else "-"
        print(f"{name:34} {median:9.2f} {min(times):7.2f} {median / torch_import:15.2f} {peak:>12}")


if __name__ == "__main__":
    main()
