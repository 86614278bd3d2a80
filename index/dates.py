"""Publication-date ranges: the --since/--until filter, and the month a question names (2022年6月)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass


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
