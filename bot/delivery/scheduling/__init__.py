"""The scheduler: reminders, escalations, daily and weekly summaries, delivered exactly once.

Design (restart-safe by construction):

* A JobQueue job runs :meth:`Scheduler.tick` every ``TICK_SECONDS`` (and once at start). Nothing is
  scheduled in memory: each tick reads the active bound chats from the database and works out, for
  each, what is due (its time today has passed, within ``catchup_grace_hours``, and it is not yet
  delivered). Changing a chat's times with ``/lich`` therefore needs no restart, and after a restart a
  summary missed within the grace window is sent once.
* Every message goes through the ``deliveries`` outbox, unique per (chat, kind, day): the row is
  inserted or claimed first, in its own transaction (status ``sending``, with a lease), then the
  message is sent, then the row is marked ``sent`` with the message id. A ``sent`` row is never sent
  again; a crash between claim and send leaves ``sending``, retried once the lease has run out; a
  failed send is retried with exponential backoff (``attempts``, ``next_attempt_at``, ``last_error``).
  A chat that blocked the bot is switched off and the admins are told.
* Only one process ticks per database: on PostgreSQL the scheduler holds ``pg_try_advisory_lock``
  on a dedicated connection for the life of the process (standby processes keep trying each tick).
  On SQLite one process is assumed.
* Sends of one tick run concurrently (bounded by a semaphore) so that PTB's rate limiter, not a
  sequential loop, sets the pace of a broadcast.

The package: `rules` (what is due), `lock` (one leader per database), `scheduler` (the outbox tick),
`service` (/tonghop, /lich), `jobqueue` (PTB wiring), `chats` (Zalo chat settings).
"""

from __future__ import annotations

from bot.delivery.scheduling.chats import (
    BUDGET_WORDS,
    PENDING_MAX_AGE,
    ZALO_OFF_WORDS,
    ZALO_ON_WORDS,
    ChatService,
)
from bot.delivery.scheduling.lock import LeaderLock
from bot.delivery.scheduling.rules import (
    CHANNEL,
    FINAL,
    HISTORY_DAYS,
    KIND_ORDER,
    KINDS,
    LOCK_KEY,
    TICK_SECONDS,
    Defaults,
    Due,
    Pacer,
    backoff,
    chat_times,
    due_for_chat,
    pending,
)
from bot.delivery.scheduling.scheduler import (
    BROADCAST_RATE,
    Content,
    Scheduler,
    TickReport,
    _ChartJob,
    chart_function,
    render_chart,
)
from bot.delivery.scheduling.service import (
    _DATE_RE,
    _TIME_RE,
    _WEEKDAY_PHRASES,
    _WEEKDAY_WORDS,
    NONE_WORDS,
    OFF_WORDS,
    ON_WORDS,
    Reply,
    ScheduleService,
    _chat_state,
    _hhmm,
    parse_date,
    parse_time,
    parse_weekdays,
)

__all__ = ['CHANNEL', 'Defaults', 'Due', 'FINAL', 'HISTORY_DAYS', 'KINDS', 'KIND_ORDER', 'LOCK_KEY', 'Pacer', 'TICK_SECONDS', 'backoff', 'chat_times', 'due_for_chat', 'pending', 'LeaderLock', 'BROADCAST_RATE', 'Content', 'Scheduler', 'TickReport', '_ChartJob', 'chart_function', 'render_chart', 'NONE_WORDS', 'OFF_WORDS', 'ON_WORDS', 'Reply', 'ScheduleService', '_DATE_RE', '_TIME_RE', '_WEEKDAY_PHRASES', '_WEEKDAY_WORDS', '_chat_state', '_hhmm', 'parse_date', 'parse_time', 'parse_weekdays', 'BUDGET_WORDS', 'ChatService', 'PENDING_MAX_AGE', 'ZALO_OFF_WORDS', 'ZALO_ON_WORDS']
