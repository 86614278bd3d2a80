"""How often one client may ask: a sliding-window limit per key (a Telegram user, an HTTP client address),
shared by every front end."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

WINDOW_S = 60.0
KEPT_USERS = 50_000  # a hard cap on the table beside the time limit; only a burst of more users in a minute hits it


class RateLimit:
    """At most `per_minute` questions per user (or client) in any 60 seconds.

    The table is bounded: a user who has not asked for 60 seconds has nothing left to count and is forgotten
    (users are kept in the order they last asked, so the stale ones are at the front), and beyond `max_users`
    the least recent are dropped. 100k users passing through no longer pin their entries for good.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_users: int = KEPT_USERS):
        self.per_minute = per_minute
        self.clock = clock
        self.max_users = max_users
        self._seen: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def wait(self, key: Hashable) -> float:
        """0 and the question counts, or the seconds until this key may ask again."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        self._forget_idle(now)
        seen = self._seen.pop(key, None) or deque()
        self._seen[key] = seen  # now the most recent
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
