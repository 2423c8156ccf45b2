"""Wiring the scheduler into PTB's JobQueue (one repeating job, started with the application), with the
Telegram sender."""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.telegram.sender import TelegramSender
from bot.delivery.scheduling import TICK_SECONDS, Scheduler

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# JobQueue wiring
# ---------------------------------------------------------------------------------------------


def scheduler_of(app: Any) -> Scheduler:
    """The application's scheduler (created on first use)."""
    sched: Scheduler | None = app.bot_data.get("scheduler")
    if sched is None:
        sched = app.bot_data["scheduler"] = Scheduler(app.bot_data["container"].svc, TelegramSender(app.bot))
    return sched


async def tick_job(context: Any) -> None:
    sched = scheduler_of(context.application)
    if sched.busy:
        return  # the previous tick is still sending a big broadcast
    try:
        await sched.tick()
    except Exception:  # noqa: BLE001 - never let the repeating job die
        log.exception("scheduler tick failed")


def install(app: Any, interval: float = TICK_SECONDS) -> None:
    """Add the repeating tick (first run at start) unless the app was built with start_scheduler=False."""
    if not app.bot_data.get("start_scheduler", True):
        return
    if app.job_queue is None:
        log.warning("no JobQueue: install python-telegram-bot[job-queue]; reminders and summaries are off")
        return
    # APScheduler computes an interval job's first run as the next interval boundary *after* the
    # scheduler starts, so the run at start is a one-off job (a date trigger runs however late it starts)
    app.job_queue.run_once(tick_job, when=0, name="vneid-scheduler-start",
                           job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_repeating(
        tick_job, interval=interval, first=interval, name="vneid-scheduler",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
    previous = app.post_shutdown

    async def release(application: Any) -> None:
        if previous is not None:
            await previous(application)
        sched = application.bot_data.get("scheduler")
        if sched is not None:
            sched.close()

    app.post_shutdown = release
