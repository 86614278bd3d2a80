"""Who may use the bot: the allow-list and the admins. How often is bot/core/ratelimit.py's business."""

from __future__ import annotations

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
