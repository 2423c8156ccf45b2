"""Where the conversation core's database work runs: the same way for every command.

On PostgreSQL in a worker thread, so that the waits (round trips, commit flushes) of turns handled
concurrently overlap; on SQLite inline (one writer at a time), except while long work runs in the
background: then a wait for its write lock must not freeze the event loop for every chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from storage.db import Database

T = TypeVar("T")


class Worker:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.background_active = 0  # long jobs running now (handlers/background.py counts them)

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.db.dialect == "sqlite" and not self.background_active:
            return fn(*args, **kwargs)
        return await asyncio.to_thread(fn, *args, **kwargs)

    @staticmethod
    async def thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """CPU-heavy work (a chart, a workbook) always leaves the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)
