"""Publication-date ranges: the --since/--until filter, the month a question names (2022年6月), the recent days a
question with 最近/今天/本周 prefers, and the newest documents."""

from __future__ import annotations

import calendar
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from index.documents import Document


@dataclass(frozen=True)
class DateRange:
    since: str | None = None  # ISO dates or datetimes; compared on the document's date string prefix
    until: str | None = None

    def __bool__(self) -> bool:
        return bool(self.since or self.until)

    def admits(self, date: str | None) -> bool:
        if not self:
            return True
        if not date:
            return False
        day = date[:10]
        return (not self.since or day >= self.since[:10]) and (not self.until or day <= self.until[:10])


ANY_DATE = DateRange()


_YEAR_MONTH = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*[日号])")


def mentioned_month(question: str) -> DateRange | None:
    """The month a question names with its year (2022年6月 -> June 2022), or None.

    Only a year with a month counts: a bare year is usually the period a figure covers (2021年销量), not
    when the article appeared, and a bare month has no year to pin it to.
    """
    match = _YEAR_MONTH.search(question)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    return DateRange(f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}")


# Words that ask for recent news, and how many days back from the newest article each one looks.
_RECENT_WORDS = re.compile(r"(今天|今日)|(本周|这周|这一周|本星期|这星期)|(最近|最新|近期|近日|近来)")
_RECENT_DAYS = (1, 7, 30)


def recent_window(question: str, newest: str | None) -> DateRange | None:
    """The days a question with 最近/最新/今天/本周 prefers, counted back from the newest article in the index
    (not from the clock: an archive's 今天 is its last day of news), or None.

    今天 keeps the newest day, 本周 the last 7 days, 最近/最新 the last 30.
    """
    match = _RECENT_WORDS.search(question)
    if not match or not newest:
        return None
    try:
        last = date.fromisoformat(newest[:10])
    except ValueError:
        return None
    days = _RECENT_DAYS[(match.lastindex or 1) - 1]  # which alternative matched
    return DateRange((last - timedelta(days=days - 1)).isoformat(), last.isoformat())


def without_recent_words(question: str) -> str:
    """The question without its recency words (最近星澜的GMV -> 星澜的GMV), or as it was if nothing else is left."""
    return _RECENT_WORDS.sub("", question).strip() or question


def newest_first(documents: Iterable[Document], limit: int = 10, since: str | None = None) -> list[Document]:
    """The `limit` most recently published documents (undated ones never), on or after `since` (YYYY-MM-DD).

    Newest first, documents published at the same moment in the order they come; only `limit` are kept while
    reading, not every dated document sorted."""
    dated = (d for d in documents if d.date and (not since or d.date[:10] >= since[:10]))
    return heapq.nlargest(limit, dated, key=_moment)


def newest_date(documents: Iterable[Document]) -> str | None:
    """The publication date of the most recent document, or None when none is dated.

    Compared as ISO strings (local time of each): cheap enough for every reload, and exact to the day,
    which is all recent_window uses.
    """
    return max((d.date for d in documents if d.date), default=None)


def _moment(doc: Document) -> datetime:
    """Publication time comparable across timezones (date-only values count as Beijing midnight)."""
    for text in (doc.date or "", (doc.date or "")[:10]):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone(timedelta(hours=8)))
    return datetime.min.replace(tzinfo=UTC)


# The first date a text names: in full (with its year), or partly (月日 with no year, a bare 日, 今天/昨天, 今年),
# which only the publication date can complete. 日元 is a currency, not a day.
_DATE_MENTION = re.compile(
    r"(?P<full>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{1,2}-\d{1,2})"
    r"|(?<![\d年])(?P<month>\d{1,2})\s*月\s*(?P<mday>\d{1,2})\s*[日号](?!元)"
    r"|(?<![\d月\-－—A-Za-z])(?P<day>\d{1,2})\s*[日号](?!元)"  # not the 24号 of 月球-24号
    r"|(?P<relative>今天|今日|昨天|昨日|前天)"
    r"|(?P<year>今年|去年)"
)
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_MONTH_DAY = re.compile(r"(?<![\d\-－—A-Za-z])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
MONTH_TOLD_WITHIN = 300  # characters before a bare 日 in which the article's last 月日 dates it


def _month_told(before: str, day: int) -> int | None:
    """The month of the last 月日 the text names shortly before a bare day, when that day can follow it in the
    same month (13日 after 7月13日, not 5日 after it)."""
    told = list(_MONTH_DAY.finditer(before[-MONTH_TOLD_WITHIN:]))
    if not told:
        return None
    month, mday = int(told[-1].group(1)), int(told[-1].group(2))
    return month if 1 <= month <= 12 and mday <= day <= 31 else None


def completed_date(text: str, published: str | None, before: str = "") -> tuple[str, str] | None:
    """The first date `text` names, when it names it without its year (8日, 8月8日, 昨天, 今年), with the date it
    means by the article's publication date: ("8日", "2023年8月8日"). None when the first date is already whole,
    there is none, or the publication date is unknown. A bare 日 later than the publication day is taken to be in
    the month before; 月日 is taken to be in the publication year.
    A bare 日 that the article's text `before` it dates within a month (7月13日…17日) is of that month, with or
    without a publication date: ("17日", "7月17日")."""
    match = _DATE_MENTION.search(text)
    if match is None or match.group("full"):
        return None
    told = _month_told(before, int(match.group("day"))) if match.group("day") else None
    try:
        day = date.fromisoformat((published or "")[:10])
    except ValueError:
        return (match.group(0), f"{told}月{match.group('day')}日") if told else None
    if told:
        return match.group(0), f"{day.year}年{told}月{match.group('day')}日"
    try:
        if match.group("month"):
            meant = date(day.year, int(match.group("month")), int(match.group("mday")))
        elif match.group("day"):
            n = int(match.group("day"))
            if n <= day.day:
                meant = day.replace(day=n)
            else:
                previous = day.replace(day=1) - timedelta(days=1)
                meant = previous.replace(day=n)
        elif match.group("relative"):
            meant = day - timedelta(days=_DAYS_BACK[match.group("relative")])
        else:
            year = day.year - (match.group("year") == "去年")
            return match.group(0), f"{year}年"
    except ValueError:  # 2月30日, 31日 of a 30-day month
        return None
    return match.group(0), f"{meant.year}年{meant.month}月{meant.day}日"
