"""Failed-attempt throttling (issue 15 item 11): `/dangky` with wrong codes, per user and per chat."""

from __future__ import annotations

from collections import defaultdict, deque

PER_USER = 5  # failed join codes per user in the window
PER_CHAT = 20  # failed join codes in one chat (all users) in the window
WINDOW_S = 600.0


class FailureThrottle:
    """Sliding window of failures per key. ``blocked`` before trying; ``failed`` after a failure returns
    whether this failure is worth an audit line (the first of a window, and the one that reaches a limit)."""

    def __init__(self, per_user: int = PER_USER, per_chat: int = PER_CHAT, window_s: float = WINDOW_S) -> None:
        self.per_user, self.per_chat, self.window_s = per_user, per_chat, window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def _count(self, key: str, now: float) -> int:
        q = self._hits.get(key)
        if q is None:
            return 0
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if not q:
            del self._hits[key]
            return 0
        return len(q)

    def blocked(self, user: str, chat: str | None, now: float) -> bool:
        if self._count("u:" + user, now) >= self.per_user:
            return True
        return chat is not None and self._count("c:" + chat, now) >= self.per_chat

    def failed(self, user: str, chat: str | None, now: float) -> bool:
        audit = False
        for key, limit in (("u:" + user, self.per_user), ("c:" + chat if chat else "", self.per_chat)):
            if not key:
                continue
            n = self._count(key, now) + 1
            self._hits[key].append(now)
            audit = audit or (key.startswith("u:") and n == 1) or n == limit
        if len(self._hits) > 100_000:  # bounded memory under a flood of distinct users
            self._hits.clear()
        return audit
