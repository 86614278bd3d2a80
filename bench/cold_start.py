"""Cold start: one-shot `xunda ask` against `python -c "import torch"`, as whole processes, interleaved.

Each round runs every command once, in turn, so a busy machine slows them all alike; the figures are medians
over the rounds, and the ratio is of medians from this one run. Peak RSS and CPU seconds (user + system) come
from /usr/bin/time -v: on a machine shared with other jobs CPU time varies far less than wall time.
Time to first answer for the REPL and `ask --jsonl` is the time from starting the process to the first line
of the answer on stdout (questions come on a pipe); for `xunda telegram` it is the time until the fake Bot API
(tests/fake_telegram.py, on 127.0.0.1) receives the answer to a question that was waiting when the bot started.

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
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

XUNDA = [sys.executable, "-m", "bot"]


def timed(command: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS in MB and stdout of one whole process."""
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
        text = Path(report.name).read_text()
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)[1])
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", text)[1]) for kind in ("User", "System"))
    return wall, cpu, rss_kb // 1024, done.stdout


def first_answer(command: list[str], env: dict[str, str], question: str, expect: str) -> tuple[float, float]:
    """Wall seconds from starting the process until a stdout line holding `expect` appears, and the CPU
    seconds it had used by then (it is killed at once)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    assert process.stdin and process.stdout
    process.stdin.write(question + "\n")
    process.stdin.flush()
    seconds = None
    for line in process.stdout:
        if expect in line:
            seconds = time.perf_counter() - started
            break
    process.kill()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    if seconds is None:
        sys.exit(f"no answer holding {expect!r} from {' '.join(command)}")
    return seconds, usage.ru_utime + usage.ru_stime


def telegram_answer(env: dict[str, str], question: str, expect: str) -> tuple[float, float]:
    """Wall seconds from starting `xunda telegram` until the fake Bot API receives a reply holding `expect` to a
    question queued before the start, and the CPU seconds the bot had used by then (it is killed at once)."""
    with FakeTelegram() as fake:
        fake.message(question)
        env = dict(env, TELEGRAM_BOT_TOKEN=TOKEN, XUNDA_TELEGRAM_API_URL=fake.base_url)
        started = time.monotonic()  # the fake stamps calls with time.monotonic()
        process = subprocess.Popen([*XUNDA, "telegram"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env=env, cwd=ROOT)
        answered = None
        while answered is None and process.poll() is None and time.monotonic() - started < 120:
            time.sleep(0.01)
            answered = next((c.at for c in list(fake.calls) if c.method == "sendMessage"
                             and expect in str(c.fields.get("text", ""))), None)
        process.kill()
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = -9
    if answered is None:
        sys.exit(f"no Telegram answer holding {expect!r}")
    return answered - started, usage.ru_utime + usage.ru_stime


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
        cpu: dict[str, list[float]] = {}
        rss: dict[str, list[int]] = {}

        def record(name: str, seconds: float, cpu_seconds: float, mb: int | None = None) -> None:
            wall.setdefault(name, []).append(seconds)
            cpu.setdefault(name, []).append(cpu_seconds)
            if mb is not None:
                rss.setdefault(name, []).append(mb)

        for _ in range(args.rounds):
            record("python -c 'import torch'", *timed([sys.executable, "-c", "import torch"], env)[:3])
            for backend in backends:
                seconds, cpu_seconds, mb, out = timed([*XUNDA, "ask", args.question], envs[backend])
                if args.expect not in out:
                    sys.exit(f"the answer does not hold {args.expect!r}:\n{out}")
                record(f"xunda ask ({backend})", seconds, cpu_seconds, mb)
                for entry, command in (("repl", [*XUNDA, "repl"]), ("ask --jsonl", [*XUNDA, "ask", "--jsonl"])):
                    record(f"{entry} first answer ({backend})", *first_answer(command, envs[backend], args.question,
                                                                              args.expect))
                telegram = telegram_answer(envs[backend], args.question, args.expect)
                record(f"telegram first answer ({backend})", *telegram)

    reference = "python -c 'import torch'"
    torch_wall, torch_cpu = statistics.median(wall[reference]), statistics.median(cpu[reference])
    print(f"{args.rounds} rounds, interleaved; medians; question {args.question!r}")
    print(f"{'what':34} {'wall s':>7} {'x torch':>8} {'CPU s':>6} {'x torch':>8} {'peak RSS MB':>12}")
    for name, times in wall.items():
        median, cpu_median = statistics.median(times), statistics.median(cpu[name])
        peak = f"{max(rss[name])}" if name in rss else "-"
        print(f"{name:34} {median:7.2f} {median / torch_wall:8.2f} {cpu_median:6.2f} {cpu_median / torch_cpu:8.2f} "
              f"{peak:>12}")


if __name__ == "__main__":
    main()
