"""Ask the precision issue's own examples (issue 8) of an index and print what xunda answers, one line each.

The issue measured them on 2022-23 news with same-event distractors. The closest index here is the one `xunda eval`
builds for eval/news_qa_dev.jsonl (the seeds plus the 1,930 CRUD-sample articles); point XUNDA_INDEX at it:

    XUNDA_INDEX=~/.local/share/xunda/eval-indexes/corpus-<hash> python tools/issue_examples.py

Each conversation is asked in order through one Conversation, as the REPL would, so a follow-up (那快手呢？) is
rewritten from the turn before it. Nothing is scored: the corpus holds some of these answers and not others, and
the line says which the issue expects (answer or decline), for a reader to compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.conversation import Conversation  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402

# (the messages of one conversation, what the issue expects of its last one)
EXAMPLES = [
    (["快手2022扶持多少快品牌"], "answer: 500+个标杆快品牌, with no 抖音 article as a source"),
    (["2023年澳网男单冠军是谁？"], "decline unless a sentence names the champion"),
    (["《忠犬八公》中国版的导演是谁"], "decline unless a sentence names the director"),
    (["2021年中国经济增长了多少？"], "decline unless a sentence gives China's growth"),
    (["双品网购节期间山东全省一共直播了多少场？"], "answer: 18.7万场 (the total, not a sub-campaign's)"),
    (["2020年全国电商交易规模达到多少？"], "answer: the amount (37.2万亿元), not a growth rate"),
    (["抖音国货销量TOP5城市有哪些？"], "answer: the cities, not product categories"),
    (["抖音电商国货销量增长了多少", "那快手呢？"], "decline: nothing on 快手's 国货 sales"),
    (["快手电商把自己定位成什么？"], "answer: 新市井电商"),
    (["坠毁的MU5735航班上有多少人"], "decline"),
    (["2022年高考报名人数"], "decline"),
    (["神舟十三号飞船的成员有哪些"], "decline"),
]


def main() -> None:
    settings = Settings.from_env()
    engine = Engine.open(settings)
    print(f"index: {settings.index_dir} ({engine.stats().get('documents', '?')} documents)")
    for messages, expected in EXAMPLES:
        conversation = Conversation(engine)
        for message in messages:
            turn = conversation.ask(message)
        answer = turn.answer
        shown = answer.text.replace("\n", " ")[:120] if answer.answerable else "(declined)"
        asked = " -> ".join(messages) + (f" [{turn.interpreted}]" if turn.interpreted else "")
        sources = ", ".join(c.hit.doc.title[:16] for c in answer.citations) if answer.answerable else ""
        print(f"- {asked}\n    expected: {expected}\n    xunda:    {shown}")
        if sources:
            print(f"    sources:  {sources}")


if __name__ == "__main__":
    main()
