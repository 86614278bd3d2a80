"""Who may use the bot (allow-list, admins) and how often (a per-user sliding-window rate limit)."""

from __future__ import annotations

import time
from collections import defaultdict, deque
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


class RateLimit:
    """At most `per_minute` questions per user in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def wait(self, user_id: int) -> float:
        """0 and the question counts, or the seconds until this user may ask again."""
        if self.per_minute <= 0:
            return 0.0
        now, seen = self.clock(), self._seen[user_id]
        while seen and now - seen[0] >= 60:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return 60 - (now - seen[0])
        seen.append(now)
        return 0.0
