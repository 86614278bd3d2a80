"""Who may use the bot (allow-list, admins) and how often (a per-user sliding-window rate limit)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Access:
    allowed_ids: frozenset[int] = frozenset()  # users or chats; empty: everyone
    admin_ids: frozenset[int] = frozenset()

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        if not self.allowed_ids or self.is_admin(user_id):
            return True
        return user_id in self.allowed_ids or chat_id in self.allowed_ids

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


WINDOW_S = 60.0
KEPT_USERS = 50_000  # a hard cap on the table beside the time limit; only a burst of more users in a minute hits it


class RateLimit:
    """At most `per_minute` questions per user in any 60 seconds.

    The table is bounded: a user who has not asked for 60 seconds has nothing left to count and is forgotten
    (users are kept in the order they last asked, so the stale ones are at the front), and beyond `max_users`
    the least recent are dropped. 100k users passing through no longer pin their entries for good.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_users: int = KEPT_USERS):
        self.per_minute = per_minute
        self.clock = clock
        self.max_users = max_users
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def wait(self, user_id: int) -> float:
        """0 and the question counts, or the seconds until this user may ask again."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        self._forget_idle(now)
        seen = self._seen.pop(user_id, None) or deque()
        self._seen[user_id] = seen  # now the most recent
        while seen and now - seen[0] >= WINDOW_S:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return WINDOW_S - (now - seen[0])
        seen.append(now)
        while len(self._seen) > self.max_users:
            self._seen.popitem(last=False)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        while self._seen:
            seen = next(iter(self._seen.values()))
            if seen and now - seen[-1] < WINDOW_S:
                return
            self._seen.popitem(last=False)
