"""Soak: the Telegram bot under steady traffic for minutes while the corpus changes (issue 11).

50 users ask through the fake Bot API (each waits for its answer, thinks 2-6 s, asks again; every question is
different, so no answer cache helps). Every minute (`--ingest-every`) an ingest adds a new article from outside
(`xunda ingest` in a separate process, as a cron job would) and an admin sends /reload; every other time an admin
also uploads an article through the bot. The report gives answers asked, sent and lost, reply latency p50/p95,
the bot process's RSS, open file descriptors and index disk use over time, and the sizes of the per-user tables.

    .venv/bin/python bench/soak.py --minutes 5             # on a copy of the index in XUNDA_INDEX (or --index)
    .venv/bin/python bench/soak.py --minutes 5 --ingest-every 20 --json   # many hot reloads in a short run

Not part of `make test`: it takes minutes by design. The fake server runs in this process; its request log is
emptied as it is read, so the RSS figures are the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import latency_figures, print_report, proc_mb  # noqa: E402
from bench.telegram_load import QUESTIONS  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_application, polling  # noqa: E402
from tests.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 1
SAMPLE_EVERY_S = 10.0


def rss_mb() -> float:
    return proc_mb("VmRSS")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024 / 1024


def article(k: int) -> str:
    """A new article each minute, with a fact no other article holds."""
    return (f"星河优选第{k}期县域扶持计划\n\n星河优选宣布，第{k}期计划将投入{80 + k}亿元，扶持{9000 + k}家县域小微商家"
            f"开展直播带货。\n\n该计划覆盖全国{20 + k}个省份，由星河优选县域事业部负责。")


class Soak:
    def __init__(self, fake: FakeTelegram, index_dir: Path, minutes: float, users: int, seed: int,
                 ingest_every: float = 60.0):
        self.fake = fake
        self.index_dir = index_dir
        self.end = time.monotonic() + minutes * 60
        self.users = users
        self.ingest_every = ingest_every
        self.rng = random.Random(seed)
        self.asked: dict[tuple[int, int], float] = {}  # (chat, message id) -> pushed at
        self.replied: dict[tuple[int, int], float] = {}  # (chat, message id) -> reply latency (first reply)
        self.samples: list[dict] = []
        self.events: list[str] = []
        self.ingest_dir = Path(tempfile.mkdtemp(prefix="xunda-soak-feed-"))
        self.rate_limited = 0
        self.admin_replies = 0
        self.tables = lambda: {}

    def answered(self) -> dict[tuple[int, int], float]:
        """(chat, message id) -> reply latency, for the first reply to each question.

        The fake server's call log is read and emptied as it goes: it runs in this process, and a log of every
        request would otherwise be counted in the bot's RSS."""
        calls = self.fake.calls
        batch = calls[: len(calls)]
        del calls[: len(batch)]  # requests logged meanwhile are appended after these and kept
        for call in batch:
            if call.method == "sendMessage" and call.status == 200 and "太快" in call.fields.get("text", ""):
                self.rate_limited += 1
            elif call.method == "sendMessage" and call.status == 200 and "reply_parameters" in call.fields:
                key = (int(call.fields["chat_id"]), call.fields["reply_parameters"]["message_id"])
                if key in self.asked and key not in self.replied:
                    self.replied[key] = call.at - self.asked[key]
                    self.fake.pushed_at.pop(key, None)
            if call.method == "sendMessage" and call.fields.get("chat_id") == str(ADMIN):
                self.admin_replies += 1
        return self.replied

    async def collector(self) -> None:
        while time.monotonic() < self.end + 130:
            self.answered()
            self.fake.screen.clear()  # the fake's record of what each chat shows: not the bot's memory
            await asyncio.sleep(0.2)

    async def user(self, n: int) -> None:
        user_id, asked = 20_000 + n, 0
        await asyncio.sleep(self.rng.uniform(0, 5))  # not all at once
        while time.monotonic() < self.end:
            question = f"{QUESTIONS[(n + asked) % len(QUESTIONS)]}（读者{n}第{asked}问）"
            message = self.fake.message(question, user_id=user_id)
            key = (user_id, message["message_id"])
            self.asked[key] = self.fake.pushed_at[key]
            asked += 1
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and key not in self.replied:
                await asyncio.sleep(0.2)
            await asyncio.sleep(self.rng.uniform(2, 6))

    async def corpus_changes(self) -> None:
        minute = 0
        while time.monotonic() + 40 < self.end:
            await asyncio.sleep(self.ingest_every)
            minute += 1
            (self.ingest_dir / f"soak_{minute:03d}.txt").write_text(article(minute), encoding="utf-8")
            started = time.monotonic()
            done = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--index", str(self.index_dir), "ingest", str(self.ingest_dir),
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = await done.communicate()
            self.events.append(f"change {minute}: external ingest rc={done.returncode} in "
                               f"{time.monotonic() - started:.1f}s: {output.decode()[-120:].strip()!r}")
            self.fake.message("/reload", user_id=ADMIN)
            if minute % 2 == 0:
                self.fake.document(f"soak_upload_{minute:03d}.txt", article(1000 + minute).encode(), user_id=ADMIN)
                self.events.append(f"change {minute}: admin upload")

    async def sampler(self) -> None:
        started = time.monotonic()
        while time.monotonic() < self.end:
            self.samples.append({"t_s": round(time.monotonic() - started), "rss_mb": round(rss_mb(), 1),
                                 "open_fds": open_fds(), "index_mb": round(disk_mb(self.index_dir), 1),
                                 "versions": len(list((self.index_dir / "versions").glob("*"))),
                                 "asked": len(self.asked), "answered": len(self.replied), **self.tables()})
            await asyncio.sleep(SAMPLE_EVERY_S)


async def soak(args: argparse.Namespace, engine: Engine, index_dir: Path) -> dict:
    with FakeTelegram() as fake:
        settings = Settings.from_env({}, index_dir=index_dir, telegram_token=TOKEN, telegram_api_url=fake.base_url,
                                     admin_ids=frozenset({ADMIN}), feedback_path=index_dir.parent / "feedback.jsonl")
        app = build_application(settings, engine)
        run = Soak(fake, index_dir, args.minutes, args.users, args.seed, args.ingest_every)
        services = app.bot_data.services
        memory = services.memory
        run.tables = lambda: {"rate_limit_users": len(services.rate), "conversations": len(memory._conversations),
                              "answers_with_buttons": len(memory._turns)}
        collector = asyncio.create_task(run.collector())
        async with polling(app):
            await asyncio.gather(*(run.user(n) for n in range(args.users)), run.corpus_changes(), run.sampler())
            grace = time.monotonic() + 120  # questions still in flight when time is up
            while time.monotonic() < grace and len(run.answered()) < len(run.asked):
                await asyncio.sleep(0.5)
            final = {"t_s": round(args.minutes * 60), "rss_mb": round(rss_mb(), 1), "open_fds": open_fds(),
                     "index_mb": round(disk_mb(index_dir), 1),
                     "versions": len(list((index_dir / "versions").glob("*")))}
            tables = run.tables()
        collector.cancel()
        answered = run.answered()
        latencies = sorted(answered.values())
        rate_limited, admin_replies = run.rate_limited, run.admin_replies
    warm = next((s for s in run.samples if s["t_s"] >= 60), run.samples[0])
    return {
        "minutes": args.minutes, "users": args.users, "asked": len(run.asked), "answered": len(answered),
        "lost": len(run.asked) - len(answered), "rate_limited_replies": rate_limited,
        **latency_figures(latencies),
        "rss_after_warmup_mb": warm["rss_mb"], "rss_end_mb": final["rss_mb"],
        "rss_growth_after_warmup_pct": round(100 * (final["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"], 1),
        "rss_max_mb": max(s["rss_mb"] for s in [*run.samples, final]),
        "open_fds_start_end_max": [run.samples[0]["open_fds"], final["open_fds"],
                                   max(s["open_fds"] for s in [*run.samples, final])],
        "index_mb_start_end_max": [run.samples[0]["index_mb"], final["index_mb"],
                                   max(s["index_mb"] for s in [*run.samples, final])],
        "versions_end": final["versions"], "tables_end": tables,
        "admin_replies": admin_replies, "events": run.events, "samples": [*run.samples, final],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--index", type=Path, help="index to copy (default: XUNDA_INDEX or the user's)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--ingest-every", type=float, default=60.0, help="seconds between corpus changes")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    source = Settings.from_env(index_dir=args.index).index_dir
    work = Path(tempfile.mkdtemp(prefix="xunda-soak-")) / "index"
    if source.exists():
        shutil.copytree(source, work)  # the soak ingests; never into the user's index
    engine = Engine.open(Settings.from_env(index_dir=work), show_progress=True)
    report = asyncio.run(soak(args, engine, work))
    print_report(
        report,
        args.json,
        f"soak {report['minutes']} min, {report['users']} users: {report['answered']}/{report['asked']} answered, "
        f"{report['lost']} lost ({report['rate_limited_replies']} rate-limited replies); latency p50 "
        f"{report['p50_s']} s, p95 {report['p95_s']} s, max {report['max_s']} s",
        f"RSS {report['rss_after_warmup_mb']} MB after warm-up -> {report['rss_end_mb']} MB at the end "
        f"({report['rss_growth_after_warmup_pct']:+.1f}%), max {report['rss_max_mb']} MB; open fds "
        f"start/end/max {report['open_fds_start_end_max']}; index MB start/end/max {report['index_mb_start_end_max']}"
        f", {report['versions_end']} versions kept; tables at the end {report['tables_end']}",
        *("  " + event for event in report["events"]),
        indent=1,
    )
    shutil.rmtree(work.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
