"""Load on the Telegram bot: many users asking at once, against the fake Bot API with the real engine.

Every user sends all their questions at the same moment (the harshest burst); the figure is the time from
an update entering the fake server's queue to the bot's reply reaching it. The engine answers one question
at a time (2 cores), so latency under a burst is mostly queueing: p50 is about half the drain time.

    .venv/bin/python bench/telegram_load.py                 # 50 users x 10 questions
    .venv/bin/python bench/telegram_load.py --unique        # no two questions alike: no query-cache hits
    .venv/bin/python bench/telegram_load.py --faults 20     # plus 429s and 500s injected on sendMessage
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import latency_figures, print_report  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_application, polling  # noqa: E402
from tests.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed_qa_dev.jsonl"
QUESTIONS = [
    "快手2022扶持多少快品牌", "抖音电商总裁是谁？", "新市井电商是什么？", "2021年抖音电商国货品牌销量同比增长多少？",
    "抖音电商新锐品牌销量同比提升了多少？", "直播电商2.0时代的核心竞争力是什么？", "遇见好国货计划是什么？",
    "快手电商信用建设年度报告什么时候发布？", "拼多多2022年第一季度营收是多少？", "快品牌是指什么？",
]


def question_pool() -> list[str]:
    pool = list(QUESTIONS)
    if DEV.exists():
        pool += [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    return list(dict.fromkeys(pool))


async def run(args: argparse.Namespace, engine: Engine, index_dir: Path) -> dict:
    pool = question_pool()
    with FakeTelegram() as fake:
        for i in range(args.faults):
            fake.fail("sendMessage", 429 if i % 2 == 0 else 500, retry_after=1 if i % 2 == 0 else None)
        settings = Settings.from_env({}, index_dir=index_dir, telegram_token=TOKEN, telegram_api_url=fake.base_url,
                                     feedback_path=Path(tempfile.mkdtemp()) / "feedback.jsonl")
        app = build_application(settings, engine)
        async with polling(app):
            started = time.monotonic()
            sent = []
            for i in range(args.questions):
                for user in range(1, args.users + 1):
                    question = pool[(user + i) % len(pool)]
                    if args.unique:
                        question = f"{question}（第{user}位读者问）"
                    sent.append(fake.message(question, user_id=10_000 + user))
            expected = {(m["chat"]["id"], m["message_id"]) for m in sent}
            deadline = started + args.timeout
            while time.monotonic() < deadline:
                replies = [f for f in fake.sent() if "reply_parameters" in f]
                if len({(int(f["chat_id"]), f["reply_parameters"]["message_id"]) for f in replies}) >= len(expected):
                    break
                await asyncio.sleep(0.1)
            wall = time.monotonic() - started
    replied: dict[tuple[int, int], float] = {}
    duplicates = 0
    for call in fake.calls:
        if call.method == "sendMessage" and call.status == 200 and "reply_parameters" in call.fields:
            key = (int(call.fields["chat_id"]), call.fields["reply_parameters"]["message_id"])
            duplicates += key in replied
            replied.setdefault(key, call.at - fake.pushed_at[key])
    answered = [k for k in expected if k in replied]
    refused = sum(1 for f in fake.sent() if "太快" in f["text"] or "抱歉" in f["text"])
    latencies = [replied[k] for k in answered]
    return {
        "users": args.users, "questions_each": args.questions, "asked": len(expected), "answered": len(answered),
        "lost": len(expected) - len(answered), "duplicates": duplicates, "refused_or_errors": refused,
        "faults_injected": args.faults, "unique": args.unique, "wall_s": round(wall, 1),
        "throughput_qps": round(len(answered) / wall, 2) if wall else None,
        **latency_figures(latencies),
        "typing_actions": sum(1 for c in fake.calls if c.method == "sendChatAction"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--unique", action="store_true", help="make every question different")
    parser.add_argument("--faults", type=int, default=0, help="429/500 failures to inject on sendMessage")
    parser.add_argument("--index", type=Path, help="index directory (default: XUNDA_INDEX or the user's)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    settings = Settings.from_env(index_dir=args.index)
    engine = Engine.open(settings, show_progress=True)
    report = asyncio.run(run(args, engine, settings.index_dir))
    print_report(
        report,
        args.json,
        f"telegram load: {report['users']} users x {report['questions_each']} questions at once"
        f"{' (unique)' if report['unique'] else ''}{f', {args.faults} faults' if args.faults else ''}: "
        f"{report['answered']}/{report['asked']} answered, {report['lost']} lost, {report['duplicates']} duplicates; "
        f"reply latency p50 {report['p50_s']} s, p95 {report['p95_s']} s, max {report['max_s']} s; "
        f"{report['throughput_qps']} answers/s over {report['wall_s']} s",
    )
    sys.exit(0 if report["lost"] == 0 and report["refused_or_errors"] == 0 else 1)


if __name__ == "__main__":
    main()
