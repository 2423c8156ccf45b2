"""Long work (imports, exports, charts, /nhap downloads) leaves the ordered intake.

The handler answers «⏳ Đang xử lý…» at once and returns, so that the next `getUpdates` (which waits until
every fetched update was handled, see bot.app.AckAfterProcessingRequest) and the other chats are not held
up; the work runs as a task (at most BACKGROUND_SLOTS at a time), editing that message with its progress,
and replies when done. Durability: before the handler returns, the update's intake row is marked
`background` with its payload; it becomes `done` (or `failed`) when the work ends. If the process dies
first, the next process handles the update again from the payload (bot/app.py `_post_init`), counting the
attempt, so that work that kills the process is parked after MAX_UPDATE_ATTEMPTS (bot.intake).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.intake import current_attempt
from bot.texts import t
from handlers.base import Ctx, reply
from storage.db import unavailable

log = logging.getLogger(__name__)

BACKGROUND_SLOTS = 2  # long jobs at the same time (memory: an import or an export each)
SWITCH_INTERVAL = 0.0005  # GIL slice while long work runs (Python's default: 0.005 s)
PROGRESS_EVERY = 2.0  # seconds between two edits of the progress message

#: progress(stage, done, total), callable from any thread
Progress = Callable[[str, int, int], None]
Work = Callable[[Progress], Awaitable[None]]


def _slots(context: Ctx) -> asyncio.Semaphore:
    bg = context.container.background
    if bg.slots is None:
        bg.slots = asyncio.Semaphore(BACKGROUND_SLOTS)
    return bg.slots


def active(context: Ctx) -> int:
    """Long jobs running now (the conversation core's Worker moves SQLite work off the event loop meanwhile)."""
    return context.container.worker.background_active


async def in_background(update: Update, context: Ctx, lang: str, work: Work) -> None:
    """Acknowledge with a progress message, run `work` as a task, return at once."""
    worker, bg = context.container.worker, context.container.background
    status = await reply(update, t("bg.working", lang))
    attempt = current_attempt()
    intake = context.application.bot_data.get("intake")
    if attempt is not None and intake is not None:
        attempt.background = True
        try:
            await asyncio.to_thread(intake.to_background, attempt.key, update.to_dict())
        except Exception as exc:  # noqa: BLE001 - the work still runs; only a crash would lose it
            log.warning("could not keep the background update (%s)", type(exc).__name__)
    loop = asyncio.get_running_loop()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if status is None or now - last[0] < PROGRESS_EVERY or total <= 0:
            return
        last[0] = now
        text = t("bg.progress", lang, pct=min(100, 100 * done // total))
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(_edit(status, text)))

    async def run() -> None:
        error: str | None = None
        worker.background_active += 1
        if worker.background_active == 1:
            # the work's thread holds the GIL in 5 ms slices by default: the event loop (every other
            # chat) would wait up to that at each of its many hand-overs. Shorter slices while it runs.
            bg.switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            async with _slots(context):
                await work(progress)
        except Exception as exc:  # noqa: BLE001 - told to the user as the error handler would
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if unavailable(exc):
                log.warning("database unavailable during background work: %s", type(exc).__name__)
                await _safe_reply(update, t("rep.db_busy", lang))
            else:
                log.error("error in background work", exc_info=exc)
                await _safe_reply(update, t("err.internal", lang))
        finally:
            worker.background_active -= 1
            if not worker.background_active:
                sys.setswitchinterval(bg.switch_interval)
        if status is not None:
            await _edit(status, t("bg.failed" if error else "bg.done", lang))
        if attempt is not None and intake is not None:
            try:
                await asyncio.to_thread(intake.finish, attempt.key, error, attempt.attempts)
            except Exception as exc:  # noqa: BLE001 - a restart would run it again (counted)
                log.warning("could not record the end of background work (%s)", type(exc).__name__)
            intake.running.discard(attempt.key)

    if attempt is not None and intake is not None:
        intake.running.add(attempt.key)
    context.application.create_task(run(), update=update, name="vneid-background")


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except TelegramError as exc:  # "message is not modified", or gone: progress is best effort
        log.debug("progress message not edited: %s", exc)


async def _safe_reply(update: Update, text: str) -> None:
    try:
        await reply(update, text)
    except TelegramError:
        log.warning("could not tell the user about the background error")


def run_sync(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    """Synchronous long work (SQL, openpyxl, matplotlib) in a worker thread."""
    return asyncio.to_thread(fn, *args, **kwargs)
