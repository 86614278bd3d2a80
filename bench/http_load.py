"""Load on `xunda serve`: many HTTP clients asking at once, against the real command with the real engine.

The server runs as its own process (`python -m bot serve --port 0`, the rate limit off since every client comes
from 127.0.0.1). Each client has its own connection and asks its questions one after another, all clients starting
at the same moment; clients take turns among /api/ask, /v1/chat/completions and the same streamed. An answer counts
when it is a 200 whose question is the one that client sent (a streamed one must end in [DONE]). The engine answers
one question at a time (2 cores), so latency under the burst is mostly queueing.

    .venv/bin/python bench/http_load.py                    # 50 clients x 10 questions
    .venv/bin/python bench/http_load.py --unique           # no two questions alike
    .venv/bin/python bench/http_load.py --endpoint openai  # only /v1/chat/completions
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import latency_figures, print_report  # noqa: E402
from bench.telegram_load import question_pool  # noqa: E402

ENDPOINTS = ("api", "openai", "stream")


class Server:
    """`xunda serve` in a child process; its output is drained (and kept) so the pipe never fills."""

    def __init__(self, index: Path | None):
        env = {**os.environ, "XUNDA_HTTP_RATE_LIMIT": "0", "PYTHONPATH": str(ROOT)}
        if index is not None:
            env["XUNDA_INDEX"] = str(index)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", "0"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"Uvicorn running on (http://[\d.]+:\d+)", line)
            if found:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()

    def wait(self, timeout: float) -> str:
        self._ready.wait(timeout)
        if self.url is None:
            raise RuntimeError("xunda serve did not start:\n" + "".join(self.lines[-20:]))
        return self.url

    def stop(self) -> int:
        self.process.send_signal(2)  # SIGINT, as Ctrl-C
        return self.process.wait(30)


async def ask_once(client: httpx.AsyncClient, endpoint: str, question: str) -> str | None:
    """The question the server says it answered, or None when the reply was not a complete answer."""
    if endpoint == "api":
        response = await client.post("/api/ask", json={"question": question})
        return response.json().get("question") if response.status_code == 200 else None
    body = {"model": "xunda", "messages": [{"role": "user", "content": question}], "stream": endpoint == "stream"}
    if endpoint == "openai":
        response = await client.post("/v1/chat/completions", json=body)
        return response.json()["xunda"]["question"] if response.status_code == 200 else None
    answered, done = None, False
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        if response.status_code != 200:
            return None
        async for line in response.aiter_lines():
            if line == "data: [DONE]":
                done = True
            elif line.startswith("data: "):
                answered = json.loads(line[6:]).get("xunda", {}).get("question", answered)
    return answered if done else None


async def client_run(url: str, n: int, questions: list[str], endpoint: str, start: asyncio.Event, results: list):
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        await start.wait()
        for question in questions:
            began = time.monotonic()
            try:
                got = await ask_once(client, endpoint, question)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                got = f"error: {type(exc).__name__}"
            results.append((n, endpoint, question, got, time.monotonic() - began))


async def run(args: argparse.Namespace, url: str) -> dict:
    pool = question_pool()
    endpoints = ENDPOINTS if args.endpoint == "mixed" else (args.endpoint,)
    plan = []
    for n in range(args.clients):
        questions = [pool[(n + k) % len(pool)] for k in range(args.questions)]
        if args.unique:
            questions = [f"{q}（第{n + 1}位读者的第{k + 1}问）" for k, q in enumerate(questions)]
        plan.append((n, questions, endpoints[n % len(endpoints)]))
    start, results = asyncio.Event(), []
    tasks = [asyncio.create_task(client_run(url, n, qs, ep, start, results)) for n, qs, ep in plan]
    await asyncio.sleep(0.5)  # every client has its connection object ready
    began = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    wall = time.monotonic() - began
    normal = [" ".join(q.split()) for _, qs, _ in plan for q in qs]
    good = [r for r in results if r[3] == " ".join(r[2].split())]
    latencies = [r[4] for r in good]
    per_endpoint = {ep: sum(1 for r in good if r[1] == ep) for ep in endpoints}
    return {
        "clients": args.clients, "questions_each": args.questions, "unique": args.unique, "endpoints": per_endpoint,
        "asked": len(normal), "answered": len(good), "lost": len(normal) - len(good),
        "failures": sorted({str(r[3]) for r in results if r not in good})[:5],
        "wall_s": round(wall, 1), "throughput_qps": round(len(good) / wall, 1) if wall else None,
        **latency_figures(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=10, help="questions per client, one after another")
    parser.add_argument("--endpoint", choices=[*ENDPOINTS, "mixed"], default="mixed")
    parser.add_argument("--unique", action="store_true", help="make every question different")
    parser.add_argument("--index", type=Path, help="index directory (default: XUNDA_INDEX or the user's)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    server = Server(args.index)
    try:
        report = asyncio.run(run(args, server.wait(timeout=900)))
    finally:
        code = server.stop()
    report["server_exit"] = code
    print_report(
        report,
        args.json,
        f"http load: {report['clients']} clients x {report['questions_each']} questions"
        f"{' (unique)' if report['unique'] else ''} over {report['endpoints']}: "
        f"{report['answered']}/{report['asked']} answered, {report['lost']} lost; "
        f"latency p50 {report['p50_s']} s, p95 {report['p95_s']} s, max {report['max_s']} s; "
        f"{report['throughput_qps']} answers/s over {report['wall_s']} s",
    )
    sys.exit(0 if report["lost"] == 0 else 1)


if __name__ == "__main__":
    main()
