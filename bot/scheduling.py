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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import warnings
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import audit, fmt, names, reminders, summaries
from bot.access import Caller
from bot.commands import Role
from bot.fmt import esc
from bot.parsing import match_unit, normalize
from bot.rollup import Rollup, compute_history, compute_rollup
from bot.services import Services
from bot.texts import t
from storage import link_repo, repo, schedule_repo, zalo_repo
from storage.db import Database
from storage.models import Unit
from storage.schedule_repo import BoundChat

log = logging.getLogger(__name__)

TICK_SECONDS = 30
#: the advisory lock key of the scheduler ("vneidSCH"), one per database
LOCK_KEY = 0x766E_6569_6453_4348
KINDS = ("reminder", "escalation", "daily", "weekly")
KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
FINAL = ("sent", "skipped", "dead")
CHANNEL = "telegram"
HISTORY_DAYS = 30


# ---------------------------------------------------------------------------------------------
# What is due (pure)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    chat: BoundChat
    kind: str
    day: date
    due_at: datetime
    off_day: bool = False  # a holiday or one of the chat's skip weekdays


@dataclass(frozen=True)
class Defaults:
    reminder_time: time
    summary_time: time
    weekly_day: int
    grace: timedelta


def chat_times(chat: BoundChat, d: Defaults) -> tuple[time, time, int]:
    return (chat.reminder_time or d.reminder_time, chat.summary_time or d.summary_time,
            d.weekly_day if chat.weekly_day is None else chat.weekly_day)


def due_for_chat(chat: BoundChat, now: datetime, d: Defaults, holidays: Container[date]) -> list[Due]:
    """What of `chat` is due at `now`: its time on that day has passed, at most `grace` ago.

    Days from (now - grace) to now are looked at, so a summary at 23:30 caught up after midnight is
    still the previous day's. Reminders and escalations are not due on holidays or skip weekdays;
    summaries are (the sender skips them when nobody reported that day).
    """
    tz = now.tzinfo
    reminder_at, summary_at, weekly_day = chat_times(chat, d)
    skip = reminders.parse_weekdays(chat.skip_weekdays)
    out: list[Due] = []
    day = (now - d.grace).date()
    while day <= now.date():
        off = not reminders.is_working_day(day, skip, holidays)
        candidates: list[tuple[str, time]] = []
        if chat.reminders_enabled and not off:
            candidates.append(("reminder", reminder_at))
            if chat.has_children:  # a unit that reports itself has nobody below it to escalate
                candidates.append(("escalation", reminder_at))
        if chat.summaries_enabled:
            candidates.append(("daily", summary_at))
            if day.weekday() == weekly_day:
                candidates.append(("weekly", summary_at))
        for kind, at in candidates:
            due_at = datetime.combine(day, at, tzinfo=tz)
            if due_at <= now <= due_at + d.grace:
                out.append(Due(chat, kind, day, due_at, off))
        day += timedelta(days=1)
    out.sort(key=lambda x: (x.due_at, KIND_ORDER[x.kind]))
    return out


def pending(row_status: str | None, next_attempt_at: datetime | None, now: datetime) -> bool:
    """Whether an outbox row (None: no row yet) may be claimed at `now`."""
    if row_status is None:
        return True
    if row_status in FINAL:
        return False
    return next_attempt_at is None or next_attempt_at <= now


def backoff(attempts: int, base: float = 60.0, cap: float = 1800.0) -> timedelta:
    """60 s, 2 min, 4 min, ... up to 30 min."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Pacer:
    """Lets concurrent senders through evenly spaced, so that at most `limit` sends fall in any `window`.

    Why: PTB's AIORateLimiter is a leaky bucket. After an idle period it lets a burst of 30 through and
    then 30/s, i.e. up to ~60 messages in the first second, which a strict 30-per-second window
    (Telegram's, and the emulator's) answers with 429s; each 429 pauses every request for
    retry_after + 0.1 s, and the requests held during the pause then go out together and cause more.
    Measured on 1,000 groups: ~650 429s and 1.65x the ideal time. Pacing the broadcast just under the
    limit keeps the limiter (still in the path, with its RetryAfter retries and the per-group limit)
    from ever having to throttle.

    How: slots `window / limit` apart are reserved without awaiting (concurrent callers get
    consecutive slots); then a guard counts every send that is still in flight or completed less than
    `window` ago and waits while that reaches `limit`. Telegram receives a request between its release
    and its completion, so any `window` at Telegram's end holds at most `limit` of our sends, however
    the event loop or the network delays them (and requests stuck in a limiter pause are counted too).
    The price is one round trip per window: at 50 ms per request, 29 per 1.05 s.
    """

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.interval = window / self.limit
        self._next = 0.0
        self._inflight = 0
        self._done: deque[float] = deque()
        self._changed = asyncio.Event()

    async def run(self, send: Callable[[], Awaitable[Message]]) -> Message:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        while True:
            now = loop.time()
            while self._done and self._done[0] <= now - self.window:
                self._done.popleft()
            if self._inflight + len(self._done) < self.limit:
                break
            self._changed.clear()
            timeout = self._done[0] + self.window - now if self._done else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        self._inflight += 1
        try:
            return await send()
        finally:
            self._inflight -= 1
            self._done.append(loop.time())
            self._changed.set()


# ---------------------------------------------------------------------------------------------
# One scheduler per database
# ---------------------------------------------------------------------------------------------


class LeaderLock:
    """A PostgreSQL session-level advisory lock held on a dedicated connection for the process's life."""

    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self.db.dialect != "postgresql"

    def acquire(self) -> bool:
        """True when this process is (still) the scheduler; cheap to call on every tick."""
        if self.db.dialect != "postgresql":
            return True
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                self._conn.commit()
                return True
            except Exception:  # noqa: BLE001 - the connection died: the server dropped our lock
                log.warning("scheduler lock connection lost; trying to take the lock again")
                self._discard()
        conn: Connection | None = None
        try:
            conn = self.db.engine.connect()
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()
        except Exception:  # noqa: BLE001 - database unreachable: not the leader this tick
            log.warning("cannot reach the database for the scheduler lock", exc_info=True)
            if conn is not None:
                conn.invalidate()
                conn.close()
            return False
        if got:
            log.info("this process is now the scheduler (advisory lock %d)", self.key)
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
            self._conn.close()
        except Exception:  # noqa: BLE001
            self._discard()
        self._conn = None

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
        self._conn = None


# ---------------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------------


@dataclass
class Content:
    text: str
    photo: Callable[[], bytes | None] | None = None  # rendered only when sent
    caption: str | None = None


@dataclass(frozen=True)
class _ChartJob:
    """A daily summary whose text went out; its chart is drawn and sent after every text of the tick."""

    item: Due
    claim: schedule_repo.Claim
    content: Content
    text_id: int


@dataclass
class TickReport:
    leader: bool = True
    due: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    busy: int = 0  # claimed by someone else / not yet retryable
    disabled: int = 0
    errors: list[str] = field(default_factory=list)


def chart_function() -> Callable[..., bytes] | None:
    """`bot.charts.progress_chart` (imported on first use: matplotlib is slow to import; tests swap in None)."""
    from bot.charts import progress_chart

    return progress_chart


#: broadcast pace: at most this many scheduler sends in any second (Telegram allows 30; one is left for
#: replies to users). The Pacer's guarantee is strict, so this cannot cause 429s by itself.
BROADCAST_RATE = 29


class Scheduler:
    channel = CHANNEL  # the chats this scheduler delivers to (the Zalo scheduler overrides it)

    def __init__(self, svc: Services, bot: Bot, *, concurrency: int = 30, lease: timedelta = timedelta(minutes=10),
                 max_attempts: int = 10, notify_admins: bool = True, rate: int | None = BROADCAST_RATE) -> None:
        self.svc = svc
        self.bot = bot
        self.concurrency = concurrency
        self.pacer = Pacer(rate) if rate else None  # shared by every tick of this scheduler
        self.lease = lease
        self.max_attempts = max_attempts
        self.notify_admins = notify_admins
        self.lock = LeaderLock(svc.db)
        self._tick_lock = asyncio.Lock()
        self._rollups: dict[tuple[int, date], Rollup] = {}
        self._charts: dict[tuple[int, date, str], bytes | None] = {}
        self._metric_names: dict[str, dict[str, str]] = {}
        self._moved: dict[int, str] = {}  # chat id -> new external id (group upgraded during this tick)
        self._reminder_data: dict[date, reminders.ReminderData] = {}
        self._escalation_data: dict[date, reminders.EscalationData] = {}
        self._chart_jobs: list[_ChartJob] = []
        self._holidays: dict[date, schedule_repo.HolidayCalendar] = {}  # escalation day -> its look-back

    # ---- public ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._tick_lock.locked()

    def defaults(self) -> Defaults:
        st = self.svc.settings
        return Defaults(st.default_reminder_time, st.default_summary_time, st.default_weekly_day,
                        timedelta(hours=st.catchup_grace_hours))

    def due(self, now: datetime) -> list[Due]:
        """Everything due at `now` that the outbox does not hold as done (or not yet retryable)."""
        d = self.defaults()
        first = (now - d.grace).date()
        with self.svc.db.session() as s:
            chats = schedule_repo.active_bound_chats(s, self.channel)
            if not chats:
                return []
            holidays = schedule_repo.holiday_calendar(s, first, now.date())
            rows = schedule_repo.deliveries_between(s, first, now.date())
            state = {k: (r.status, r.next_attempt_at, r.attempts) for k, r in rows.items()}
        out: list[Due] = []
        for chat in chats:
            # national holidays and the days off of the chat's unit and its ancestors (not other communes')
            for item in due_for_chat(chat, now, d, holidays.dates_for(chat.unit_path)):
                st = state.get((chat.id, item.kind, item.day))
                if st is not None and st[2] >= self.max_attempts and st[0] != "sending":
                    continue
                if pending(st[0] if st else None, st[1] if st else None, now):
                    out.append(item)
        return out

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Send everything that is due. Ticks never overlap; a standby process does nothing."""
        async with self._tick_lock:
            if not self.lock.acquire():
                return TickReport(leader=False)
            now = now or self.svc.now()
            self._rollups.clear()
            self._charts.clear()
            self._metric_names.clear()
            self._moved.clear()
            items = self.due(now)
            report = TickReport(due=len(items))
            if not items:
                return report
            self._prepare(items)
            by_chat: dict[int, list[Due]] = defaultdict(list)
            for item in items:
                by_chat[item.chat.id].append(item)
            sem = asyncio.Semaphore(self.concurrency)
            self._chart_jobs = []

            async def run(chat_items: list[Due]) -> None:
                async with sem:
                    for item in chat_items:
                        outcome = await self._deliver(item, now, report)
                        if outcome == "disabled":
                            break

            # every text first (the limiter sets the pace), then the charts, which are slow to draw
            await asyncio.gather(*(run(v) for v in by_chat.values()))
            charts, self._chart_jobs = self._chart_jobs, []
            if charts:
                drawing = asyncio.Semaphore(max(1, min(4, os.cpu_count() or 1)))
                await asyncio.gather(*(self._finish_chart(job, now, report, drawing) for job in charts))
            self._rollups.clear()
            self._charts.clear()
            self._reminder_data.clear()
            self._escalation_data.clear()
            self._holidays.clear()
            if report.sent or report.failed or report.disabled:
                log.info("scheduler tick: %d due, %d sent, %d skipped, %d failed, %d chats disabled",
                         report.due, report.sent, report.skipped, report.failed, report.disabled)
            return report

    def close(self) -> None:
        self.lock.release()

    # ---- one delivery --------------------------------------------------------------------------

    async def _deliver(self, item: Due, now: datetime, report: TickReport) -> str:
        """Claim, build and send one item (a daily summary's chart is queued for after the texts).

        Subclasses (bot/zalo/delivery.py) override this with their own transport: keep its signature,
        and those of `_failed`, `_disable`, `_build` and `due`, stable."""
        chat = item.chat
        with self.svc.db.session() as s:
            claim = schedule_repo.claim_delivery(s, chat.id, item.kind, item.day, now, now + self.lease,
                                                 self.max_attempts)
        if claim is None:
            report.busy += 1
            return "busy"
        try:
            content = self._build(item)
        except Exception as exc:  # noqa: BLE001 - a bug in building must not stop other chats
            log.exception("cannot build %s for chat %s", item.kind, chat.external_id)
            self._failed(claim.id, claim.attempts, f"build: {exc!r}", now, report)
            return "failed"
        if content is None:
            with self.svc.db.session() as s:
                schedule_repo.mark_skipped(s, claim.id, "nothing to send", now)
            report.skipped += 1
            return "skipped"
        text_id = claim.sent_message_id  # a previous attempt already sent the text: only the chart is left
        if text_id is None:
            outcome, msg = await self._attempt(item, claim, now, report, lambda cid: self.bot.send_message(
                cid, content.text, parse_mode=ParseMode.HTML))
            if msg is None:
                return outcome
            text_id = msg.message_id
            if content.photo is not None:
                with self.svc.db.session() as s:
                    schedule_repo.record_part(s, claim.id, text_id, now)
        if content.photo is not None:
            self._chart_jobs.append(_ChartJob(item, claim, content, text_id))
            return "deferred"
        self._sent(claim, text_id, now, report)
        return "sent"

    async def _finish_chart(self, job: _ChartJob, now: datetime, report: TickReport,
                            drawing: asyncio.Semaphore) -> None:
        assert job.content.photo is not None
        async with drawing:
            png = await asyncio.to_thread(job.content.photo)  # matplotlib: keep the event loop free
        if png:
            _outcome, msg = await self._attempt(job.item, job.claim, now, report, lambda cid: self.bot.send_photo(
                cid, png, caption=job.content.caption, parse_mode=ParseMode.HTML))
            if msg is None:
                return
        self._sent(job.claim, job.text_id, now, report)

    def _sent(self, claim: schedule_repo.Claim, message_id: int, now: datetime, report: TickReport) -> None:
        with self.svc.db.session() as s:
            schedule_repo.mark_sent(s, claim.id, message_id, now)
        report.sent += 1

    async def _attempt(self, item: Due, claim: schedule_repo.Claim, now: datetime, report: TickReport,
                       send: Callable[[int | str], Awaitable[Message]]) -> tuple[str, Message | None]:
        """One send to the item's chat; a failure is recorded on the delivery: (outcome, None)."""
        chat = item.chat
        external = self._moved.get(chat.id, chat.external_id)
        chat_id: int | str = int(external) if external.lstrip("-").isdigit() else external
        try:
            return "ok", await self._call(chat, send, chat_id)
        except Forbidden as exc:
            await self._disable(chat, claim.id, f"forbidden: {exc.message}", "adm.reason_blocked", now, report)
            return "disabled", None
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self._disable(chat, claim.id, f"not found: {exc.message}", "adm.reason_not_found", now, report)
                return "disabled", None
            log.error("Telegram refused %s for chat %s: %s", item.kind, chat.external_id, exc.message)
            with self.svc.db.session() as s:
                schedule_repo.mark_failed(s, claim.id, f"bad request: {exc.message}", None, now, dead=True)
            report.failed += 1
            return "failed", None
        except RetryAfter as exc:
            self._failed(claim.id, claim.attempts, f"429: {exc.message}", now, report, at_least=retry_after(exc))
            return "failed", None
        except (NetworkError, TelegramError) as exc:
            self._failed(claim.id, claim.attempts, f"{type(exc).__name__}: {exc.message}", now, report)
            return "failed", None

    def _failed(self, delivery_id: int, attempts: int, error: str, now: datetime, report: TickReport,
                at_least: timedelta = timedelta(0)) -> None:
        dead = attempts >= self.max_attempts
        nxt = now + max(backoff(attempts), at_least)
        log.warning("delivery %d failed (attempt %d%s): %s", delivery_id, attempts, ", giving up" if dead else "",
                    error)
        with self.svc.db.session() as s:
            schedule_repo.mark_failed(s, delivery_id, error, nxt, now, dead=dead)
        report.failed += 1
        report.errors.append(error)

    async def _call(self, chat: BoundChat, send: Callable[[int | str], Awaitable[Message]], chat_id: int | str) -> Message:
        try:
            return await self._paced(lambda: send(chat_id))
        except ChatMigrated as exc:
            moved_to = exc.new_chat_id
            new_id = str(moved_to)
            with self.svc.db.session() as s:
                moved = schedule_repo.migrate_chat(s, chat.id, new_id)
            log.info("chat %s became supergroup %s%s", chat.external_id, new_id, "" if moved else " (already known)")
            self._moved[chat.id] = new_id
            return await self._paced(lambda: send(moved_to))

    async def _paced(self, send: Callable[[], Awaitable[Message]]) -> Message:
        return await (self.pacer.run(send) if self.pacer is not None else send())

    async def _disable(self, chat: BoundChat, delivery_id: int, reason: str, reason_key: str, now: datetime,
                       report: TickReport) -> None:
        with self.svc.db.session() as s:
            schedule_repo.mark_failed(s, delivery_id, reason, None, now, dead=True)
            switched = schedule_repo.disable_chat(s, chat.id, reason)
        report.failed += 1
        if not switched:
            return
        report.disabled += 1
        log.warning("chat %s (%s) disabled: %s", chat.external_id, chat.title, reason)
        if self.notify_admins:
            await self.tell_admins(t("adm.chat_disabled", self.svc.settings.language,
                                     title=esc(chat.title or chat.external_id), unit=esc(chat.unit_name),
                                     reason=t(reason_key, self.svc.settings.language)))

    async def tell_admins(self, message: str) -> None:
        for admin in self.svc.settings.admin_ids:
            try:
                await self.bot.send_message(admin, message, parse_mode=ParseMode.HTML)
            except TelegramError as exc:
                log.warning("cannot tell admin %s: %s", admin, exc)

    # ---- building content ----------------------------------------------------------------------

    def _lang(self, chat: BoundChat) -> str:
        return chat.language or self.svc.settings.language

    def rollup(self, unit_id: int, day: date) -> Rollup:
        key = (unit_id, day)
        r = self._rollups.get(key)
        if r is None:
            r = self._rollups[key] = compute_rollup(self.svc.db, unit_id, day,
                                                    default_metric=self.svc.settings.default_metric)
        return r

    def metric_names(self, lang: str) -> dict[str, str]:
        names = self._metric_names.get(lang)
        if names is None:
            with self.svc.db.session() as s:
                names = {m.code: (m.name_vi if lang == "vi" else m.name_en) for m in repo.metrics(s)}
            self._metric_names[lang] = names
        return names

    def chart(self, r: Rollup, lang: str) -> bytes | None:
        key = (r.unit.unit_id, r.day, lang)
        if key in self._charts:
            return self._charts[key]
        png = render_chart(self.svc.db, r, lang)
        self._charts[key] = png
        return png

    def _prepare(self, items: list[Due]) -> None:
        """Load, in bulk, what the reminders and escalations of this tick need (a few queries per day)."""
        wanted: dict[tuple[str, date], set[int]] = defaultdict(set)
        for item in items:
            if item.kind in ("reminder", "escalation"):
                wanted[(item.kind, item.day)].add(item.chat.unit_id)
        if not wanted:
            return
        with self.svc.db.session() as s:
            for (kind, day), unit_ids in wanted.items():
                if kind == "reminder":
                    self._reminder_data[day] = reminders.load_reminder_data(s, sorted(unit_ids), day)
                else:
                    self._escalation_data[day] = reminders.load_escalation_data(s, sorted(unit_ids), day)
                    self._holidays[day] = reminders.holidays_window(s, day)

    def _build(self, item: Due) -> Content | None:
        chat, lang = item.chat, self._lang(item.chat)
        if item.kind == "reminder":
            data = self._reminder_data.get(item.day)
            if data is None or chat.unit_id not in data.units:
                with self.svc.db.session() as s:
                    data = reminders.load_reminder_data(s, [chat.unit_id], item.day)
            plan = reminders.plan_for(data, chat.unit_id)
            body = reminders.reminder_text(plan, item.day, lang) if plan else None
            return Content(body) if body else None
        if item.kind == "escalation":
            edata = self._escalation_data.get(item.day)
            calendar = self._holidays.get(item.day)
            if edata is None or chat.unit_id not in edata.units or calendar is None:
                with self.svc.db.session() as s:
                    edata = reminders.load_escalation_data(s, [chat.unit_id], item.day)
                    calendar = self._holidays[item.day] = reminders.holidays_window(s, item.day)
            streaks = reminders.streaks_for(edata, chat.unit_id, self.svc.settings.escalate_after_days,
                                            reminders.parse_weekdays(chat.skip_weekdays),
                                            calendar.dates_for(chat.unit_path), self.svc.settings.tz)
            body = reminders.escalation_text(chat.unit_name, streaks, lang)
            return Content(body) if body else None
        if item.off_day:
            with self.svc.db.session() as s:
                if not schedule_repo.subtree_has_reports(s, chat.unit_path, item.day):
                    return None  # a day off and nobody worked: no summary
        if item.kind == "daily":
            r = self.rollup(chat.unit_id, item.day)
            from bot.official import official_lines, render_official

            names = self.metric_names(lang)
            official = official_lines(self.svc, chat.unit_id, item.day,
                                      {m: f.cumulative for m, f in r.unit.metrics.items()}, r.metrics)
            body = summaries.daily_text(r, lang, names=names, official=render_official(official, names, lang, item.day))
            if chart_function() is None:
                return Content(body)
            caption = t("sum.chart_caption", lang, unit=esc(r.unit.name), day=fmt.day(r.day, lang))
            return Content(body, lambda: self.chart(r, lang), caption)
        if item.kind == "weekly":
            r = self.rollup(chat.unit_id, item.day)
            prev = self.rollup(chat.unit_id, item.day - timedelta(days=7))
            return Content(summaries.weekly_text(r, prev, lang, names=self.metric_names(lang)))
        raise ValueError(f"unknown delivery kind {item.kind}")


def retry_after(exc: RetryAfter) -> timedelta:
    """The wait Telegram asked for (read without PTB's int/timedelta deprecation warning)."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ra = exc.retry_after
    return ra if isinstance(ra, timedelta) else timedelta(seconds=float(ra))


def render_chart(db: Database, r: Rollup, lang: str) -> bytes | None:
    fn = chart_function()
    if fn is None:
        return None
    try:
        history = compute_history(db, r.unit.unit_id, r.default_metric, r.day - timedelta(days=HISTORY_DAYS - 1), r.day)
        png = fn(r, history, lang)
    except Exception:  # noqa: BLE001 - a chart is a bonus: the text is what matters
        log.exception("chart for unit %s failed", r.unit.unit_id)
        return None
    return png if isinstance(png, bytes | bytearray) and png else None


# ---------------------------------------------------------------------------------------------
# /tonghop and /lich (the services behind the thin handlers)
# ---------------------------------------------------------------------------------------------


@dataclass
class Reply:
    text: str
    photo: bytes | None = None
    caption: str | None = None


_TIME_RE = re.compile(r"^(\d{1,2})\s*(?:(?:[:h.g]|gio)\s*(\d{1,2})?\s*(?:p|phut|m)?)?$")
_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_WEEKDAY_WORDS = {
    "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_WEEKDAY_PHRASES = [
    (re.compile(r"\bchu\s*nhat\b"), "cn"),
    (re.compile(r"\bthu\s*hai\b"), "t2"), (re.compile(r"\bthu\s*ba\b"), "t3"), (re.compile(r"\bthu\s*tu\b"), "t4"),
    (re.compile(r"\bthu\s*nam\b"), "t5"), (re.compile(r"\bthu\s*sau\b"), "t6"), (re.compile(r"\bthu\s*bay\b"), "t7"),
    (re.compile(r"\bthu\s*([2-7])\b"), r"t\1"),
]
NONE_WORDS = {"khong", "none", "-", "0", "het", "bo"}
ON_WORDS = {"bat", "on", "mo"}
OFF_WORDS = {"tat", "off", "dung", "ngung"}


def parse_time(value: str) -> time | None:
    m = _TIME_RE.match(normalize(value).replace(" ", ""))
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2) or 0)
    if hh > 23 or mm > 59:
        return None
    return time(hh, mm)


def parse_weekdays(value: str) -> frozenset[int] | None:
    """'T7,CN', 'thứ 7 và chủ nhật', 'sat sun' -> {5, 6}; None if a word is not a weekday."""
    s = normalize(value)
    for rx, rep in _WEEKDAY_PHRASES:
        s = rx.sub(rep, s)
    words = [w for w in re.split(r"[,;/+&\s]+", s) if w and w not in ("va", "and")]
    if not words:
        return None
    out = set()
    for w in words:
        if w not in _WEEKDAY_WORDS:
            return None
        out.add(_WEEKDAY_WORDS[w])
    return frozenset(out)


def parse_date(value: str, today: date) -> date | None:
    m = _DATE_RE.match(value.strip())
    if not m:
        return None
    dd, mm = int(m.group(1)), int(m.group(2))
    yy = m.group(3)
    try:
        if yy is None:
            d = date(today.year, mm, dd)
            return d if d >= today else date(today.year + 1, mm, dd)
        year = int(yy) + (2000 if len(yy) == 2 else 0)
        return date(year, mm, dd)
    except ValueError:
        return None


def _hhmm(x: time | None) -> str | None:
    return None if x is None else x.strftime("%H:%M")


def _chat_state(chat: Any) -> dict[str, Any]:
    return {
        "reminder_time": _hhmm(chat.reminder_time), "summary_time": _hhmm(chat.summary_time),
        "weekly_day": chat.weekly_day, "skip_weekdays": chat.skip_weekdays or "",
        "reminders_enabled": chat.reminders_enabled, "summaries_enabled": chat.summaries_enabled,
        "active": chat.active,
    }


class ScheduleService:
    """/tonghop and /lich: plain Python over storage, called by handlers/schedule.py."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    # ---- /tonghop ------------------------------------------------------------------------------

    def summary(self, caller: Caller, chat_external_id: str, arg: str = "", *, channel: str = CHANNEL) -> Reply:
        """/tonghop [unit] [hqua|dd/mm]: the summary of today or of a chosen day (without a unit: the one
        the chat is bound to, else the caller's)."""
        from bot.days import DayError, error_text, take_day

        lang = caller.language
        today = self.svc.today()
        try:
            words, day = take_day(arg.split(), today)
        except DayError as exc:
            return Reply(error_text(exc, "tonghop", lang))
        arg = " ".join(words)
        with self.svc.db.session() as s:
            unit: Unit | None = None
            if arg:
                unit, err = self._find_unit(s, caller, arg, lang)
                if err:
                    return Reply(err)
            else:
                chat = repo.chat_by_external(s, channel, chat_external_id)
                if chat is not None and chat.unit_id is not None:
                    unit = repo.unit_by_id(s, chat.unit_id)
                elif caller.unit_id is not None:
                    unit = repo.unit_by_id(s, caller.unit_id)
            if unit is None:
                return Reply(t("th.no_unit", lang))
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "tonghop", reason="scope", unit_id=unit.id)
                return Reply(t("th.scope", lang, unit=esc(unit.name)))
            unit_id = unit.id
        r = compute_rollup(self.svc.db, unit_id, day, default_metric=self.svc.settings.default_metric)
        with self.svc.db.session() as s:
            names = {m.code: (m.name_vi if lang == "vi" else m.name_en) for m in repo.metrics(s)}
        from bot.official import official_lines, render_official

        official = official_lines(self.svc, unit_id, day, {m: f.cumulative for m, f in r.unit.metrics.items()},
                                  r.metrics)
        body = summaries.daily_text(r, lang, names=names, today=today,
                                    official=render_official(official, names, lang, today))
        png = render_chart(self.svc.db, r, lang)
        caption = t("sum.chart_caption", lang, unit=esc(r.unit.name), day=fmt.day(r.day, lang, ref=today)) if png else None
        return Reply(body, png, caption)

    def _find_unit(self, s: Any, caller: Caller, name: str, lang: str) -> tuple[Unit | None, str | None]:
        by_code = repo.unit_by_code(s, name)
        if by_code is not None and caller.within(by_code):
            return by_code, None
        if caller.unit_id is not None:
            scope_root = repo.unit_by_id(s, caller.unit_id)
            pool = repo.subtree(s, scope_root) if scope_root else []
        elif caller.global_admin:
            pool = [u for root in repo.roots(s) for u in repo.subtree(s, root)]
        else:
            pool = []
        found = match_unit(name, [u.name for u in pool])
        if not found:
            return None, t("th.unknown_unit", lang, name=esc(name))
        if len(found) > 1:
            return None, t("th.ambiguous", lang, name=esc(name), names=", ".join(esc(n) for n in found[:8]))
        return next(u for u in pool if u.name == found[0]), None

    # ---- /lich ---------------------------------------------------------------------------------

    def lich(self, caller: Caller, chat_external_id: str, args: str) -> str:
        lang = caller.language
        orig = args.split()
        words = [normalize(w) for w in orig]
        # multi-word sub-commands: "tổng hợp", "bỏ nghỉ", "ngày nghỉ", "không nhắc"
        if len(words) >= 2 and (words[0], words[1]) in {("tong", "hop"), ("bo", "nghi"), ("ngay", "nghi"),
                                                          ("khong", "nhac"), ("xoa", "nghi")}:
            joined = words[0] + words[1]
            orig = [orig[0] + " " + orig[1], *orig[2:]]
            words = [joined, *words[2:]]
        sub = words[0] if words else ""
        rest, rest_orig = words[1:], orig[1:]
        usage = t("err.usage", lang, usage=t("usage.lich", lang))
        if sub in ("?", "help", "huongdan", "trogiup"):
            return usage
        if sub in ("nghi", "ngaynghi", "holiday", "holidays", "le"):
            return self._holiday_add(caller, rest_orig, lang) if rest else self._holidays(caller, lang)
        if sub in ("bonghi", "xoanghi", "unholiday"):
            return self._holiday_remove(caller, rest_orig, lang, usage)

        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, CHANNEL, chat_external_id)
            unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
            if chat is None or unit is None:
                return t("lich.unbound", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "lich", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            if not sub:
                return self._show(s, chat, unit, lang)
            before = _chat_state(chat)
            change = self._change(sub, rest, " ".join(rest_orig), lang)
            if isinstance(change, str):
                return change
            if change is None:
                return usage
            values, what = change
            schedule_repo.update_chat(s, chat.id, **values)
            s.refresh(chat)
            after = _chat_state(chat)
            unit_id = unit.id
        audit.record(self.svc, caller, "schedule.change", unit_id=unit_id,
                     before={k: v for k, v in before.items() if before[k] != after[k]},
                     after={k: v for k, v in after.items() if before[k] != after[k]})
        return t("lich.saved", lang, what=what)

    def _change(self, sub: str, rest: list[str], rest_text: str, lang: str) -> tuple[dict[str, Any], str] | str | None:
        arg = rest[0] if rest else ""
        if sub in ("tat", "off") and not rest:
            return {"reminders_enabled": False, "summaries_enabled": False}, t("lich.w_all_off", lang)
        if sub in ("bat", "on") and not rest:
            return ({"reminders_enabled": True, "summaries_enabled": True, "active": True, "disabled_reason": None},
                    t("lich.w_all_on", lang))
        if sub in ("nhac", "reminder", "remind", "tonghop", "th", "summary"):
            reminder = sub in ("nhac", "reminder", "remind")
            flag = "reminders_enabled" if reminder else "summaries_enabled"
            if not rest:
                return None
            if arg in OFF_WORDS:
                return {flag: False}, t("lich.w_rem_off" if reminder else "lich.w_sum_off", lang)
            if arg in ON_WORDS:
                return ({flag: True, "active": True, "disabled_reason": None},
                        t("lich.w_rem_on" if reminder else "lich.w_sum_on", lang))
            at = parse_time(rest_text)
            if at is None:
                return t("lich.bad_time", lang, value=esc(rest_text))
            col = "reminder_time" if reminder else "summary_time"
            return ({col: at, flag: True},
                    t("lich.w_reminder" if reminder else "lich.w_summary", lang, value=at.strftime("%H:%M")))
        if sub in ("tuan", "weekly", "week"):
            if not rest:
                return None
            days = parse_weekdays(rest_text)
            if days is None or len(days) != 1:
                return t("lich.bad_weekday", lang, value=esc(rest_text))
            (wd,) = days
            return {"weekly_day": wd, "summaries_enabled": True}, t("lich.w_weekly", lang, value=t(f"wd.{wd}", lang))
        if sub in ("bo", "khongnhac", "skip"):
            if not rest:
                return None
            if rest_text.strip() and normalize(rest_text) in NONE_WORDS:
                return {"skip_weekdays": ""}, t("lich.w_skip", lang, value=t("lich.none", lang))
            days = parse_weekdays(rest_text)
            if days is None:
                return t("lich.bad_weekday", lang, value=esc(rest_text))
            label = ", ".join(t(f"wd.{d}", lang) for d in sorted(days))
            return {"skip_weekdays": reminders.format_weekdays(days)}, t("lich.w_skip", lang, value=label)
        return None

    def _show(self, s: Any, chat: Any, unit: Unit, lang: str) -> str:
        st = self.svc.settings

        def at(value: time | None, default: time, enabled: bool) -> str:
            if not enabled:
                return t("lich.off", lang)
            return (value or default).strftime("%H:%M") + ("" if value else t("lich.default", lang))

        weekly_day = st.default_weekly_day if chat.weekly_day is None else chat.weekly_day
        weekly = (t("lich.weekly", lang, day=t(f"wd.{weekly_day}", lang),
                    time=(chat.summary_time or st.default_summary_time).strftime("%H:%M"))
                  if chat.summaries_enabled else t("lich.off", lang))
        skip = reminders.parse_weekdays(chat.skip_weekdays)
        # what applies to this chat: national holidays and the days off of its unit and the units above it
        upcoming = schedule_repo.upcoming_holidays(s, self.svc.today(), 3, schedule_repo.path_ids(unit.path))
        text_ = t("lich.show", lang, unit=esc(unit.name),
                  reminder=at(chat.reminder_time, st.default_reminder_time, chat.reminders_enabled),
                  summary=at(chat.summary_time, st.default_summary_time, chat.summaries_enabled),
                  weekly=weekly,
                  skip=", ".join(t(f"wd.{d}", lang) for d in sorted(skip)) or t("lich.none", lang),
                  holidays="; ".join(f"{fmt.day(h.day, lang, year=True)} {esc(h.name)} ({self._holiday_label(h, lang)})"
                                     for h in upcoming)
                  or t("lich.none", lang))
        if not chat.active:
            text_ += "\n" + t("lich.inactive", lang, reason=esc(chat.disabled_reason or "?"))
        return text_

    # ---- holidays (issue 15 item 4): national ones for global admins, days off of a unit for its admins ----
    # The scope rule lives here so that every channel gets it: a global admin (ADMIN_IDS) edits the national
    # holidays; a scoped admin adds/removes the days off of their own scope root and never touches a national one.

    def _holiday_label(self, h: schedule_repo.HolidayItem, lang: str) -> str:
        if h.unit_id is None:
            return t("lich.scope_national", lang)
        return t("lich.scope_unit", lang, unit=esc(h.unit_name or "?"))

    def _holidays(self, caller: Caller, lang: str) -> str:
        """Upcoming national holidays and the days off of the caller's unit (and of the units above it)."""
        with self.svc.db.session() as s:
            rows = schedule_repo.upcoming_holidays(s, self.svc.today(), 15,
                                                   schedule_repo.path_ids(caller.unit_path))
        if not rows:
            return t("lich.no_holidays", lang)
        lines = "\n".join(t("lich.holiday_line", lang, day=fmt.day(h.day, lang, year=True),
                            weekday=t(f"wd.{h.day.weekday()}", lang), name=esc(h.name),
                            scope=self._holiday_label(h, lang)) for h in rows)
        return t("lich.holidays", lang, lines=lines)

    def _holiday_scope(self, caller: Caller, action: str, lang: str) -> tuple[int | None, str] | str:
        """(unit id or None for national, unit name) the caller edits, or the refusal text."""
        if caller.global_admin:
            return None, ""
        if not caller.has_role(Role.ADMIN) or caller.unit_id is None:
            audit.log_refusal(self.svc, caller, action, reason="not admin")
            return t("lich.holiday_admin", lang)
        with self.svc.db.session() as s:
            unit = repo.unit_by_id(s, caller.unit_id)
            name = unit.name if unit is not None else "?"
        return caller.unit_id, name

    def _national_refusal(self, caller: Caller, action: str, unit_id: int, day: date, lang: str) -> str | None:
        """A scoped admin's edit on a day that is a national holiday: refused and audited (nothing changes)."""
        with self.svc.db.session() as s:
            national = schedule_repo.holiday_on(s, day)
            name = national.name if national is not None else None
        if name is None:
            return None
        audit.log_refusal(self.svc, caller, action, reason="national holiday", unit_id=unit_id)
        return t("lich.holiday_national", lang, day=fmt.day(day, lang, year=True), name=esc(name))

    def _holiday_add(self, caller: Caller, rest: list[str], lang: str) -> str:
        scope = self._holiday_scope(caller, "lich.nghi", lang)
        if isinstance(scope, str):
            return scope
        unit_id, unit_name = scope
        day = parse_date(rest[0], self.svc.today())
        if day is None:
            return t("lich.bad_date", lang, value=esc(rest[0]))
        if day < self.svc.today():  # usually a typo in the year; a past day off changes nothing
            return t("lich.holiday_past", lang, day=fmt.day(day, lang, year=True))
        typed = names.clean(" ".join(rest[1:]))  # NFC; bidi/control characters refused (issue 15 item 12)
        if typed is None:
            return t("org.name_control", lang)
        name = typed[:120] or t("lich.holiday_default", lang)
        if unit_id is not None:
            refused = self._national_refusal(caller, "lich.nghi", unit_id, day, lang)
            if refused:
                return refused
        with self.svc.db.session() as s:
            _row, old = schedule_repo.add_holiday(s, day, name, unit_id)
        dd = fmt.day(day, lang, year=True)
        if old == name:
            return t("lich.holiday_same", lang, day=dd, name=esc(name))
        kind = {"scope": "national" if unit_id is None else "unit"}
        audit.record(self.svc, caller, "holiday.add", unit_id=unit_id,
                     before={"day": day.isoformat(), "name": old, **kind} if old else None,
                     after={"day": day.isoformat(), "name": name, **kind})
        if unit_id is None:
            if old is not None:
                return t("lich.holiday_renamed", lang, day=dd, old=esc(old), name=esc(name))
            return t("lich.holiday_added", lang, day=dd, name=esc(name))
        if old is not None:
            return t("lich.holiday_renamed_unit", lang, day=dd, old=esc(old), name=esc(name), unit=esc(unit_name))
        return t("lich.holiday_added_unit", lang, day=dd, name=esc(name), unit=esc(unit_name))

    def _holiday_remove(self, caller: Caller, rest: list[str], lang: str, usage: str) -> str:
        if not rest:
            return usage
        scope = self._holiday_scope(caller, "lich.bonghi", lang)
        if isinstance(scope, str):
            return scope
        unit_id, unit_name = scope
        day = parse_date(rest[0], self.svc.today())
        if day is None:
            return t("lich.bad_date", lang, value=esc(rest[0]))
        with self.svc.db.session() as s:
            name = schedule_repo.remove_holiday(s, day, unit_id)
        dd = fmt.day(day, lang, year=True)
        if name is None:
            if unit_id is None:
                return t("lich.holiday_missing", lang, day=dd)
            refused = self._national_refusal(caller, "lich.bonghi", unit_id, day, lang)
            return refused or t("lich.holiday_missing_unit", lang, day=dd, unit=esc(unit_name))
        audit.record(self.svc, caller, "holiday.remove", unit_id=unit_id,
                     before={"day": day.isoformat(), "name": name, "scope": "national" if unit_id is None else "unit"},
                     after=None)
        if unit_id is None:
            return t("lich.holiday_removed", lang, day=dd, name=esc(name))
        return t("lich.holiday_removed_unit", lang, day=dd, name=esc(name), unit=esc(unit_name))


# ---------------------------------------------------------------------------------------------
# JobQueue wiring
# ---------------------------------------------------------------------------------------------


def scheduler_of(app: Any) -> Scheduler:
    """The application's scheduler (created on first use)."""
    sched: Scheduler | None = app.bot_data.get("scheduler")
    if sched is None:
        sched = app.bot_data["scheduler"] = Scheduler(app.bot_data["container"].svc, app.bot)
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


__all__ = [
    "Content", "Defaults", "Due", "LeaderLock", "Reply", "ScheduleService", "Scheduler", "TickReport",
    "due_for_chat", "install", "parse_date", "parse_time", "parse_weekdays", "scheduler_of",
]


# ---------------------------------------------------------------------------------------------
# A chat's own settings where the channel has no full /lich (Zalo): show/switch, message budget,
# leaders' private chats, the question waiting for a typed answer
# ---------------------------------------------------------------------------------------------

ZALO_ON_WORDS = frozenset({"bat", "bật", "on", "mo", "mở"})
ZALO_OFF_WORDS = frozenset({"tat", "tắt", "off", "dung", "dừng"})
BUDGET_WORDS: dict[str, str] = {"gop": "batched", "gộp": "batched", "batch": "batched", "tonghop": "summaries",
                                "tổnghợp": "summaries", "summaries": "summaries", "tat": "full", "tắt": "full",
                                "off": "full"}
PENDING_MAX_AGE = timedelta(days=1)


class ChatService:
    """Per-chat settings of a channel, by its external chat id (the Zalo `lich`, `tietkiem`, private chats)."""

    def __init__(self, svc: Services, channel: str) -> None:
        self.svc = svc
        self.channel = channel

    def _bound(self, s: Any, chat_id: str) -> tuple[Any, Unit | None]:
        chat = repo.chat_by_external(s, self.channel, chat_id)
        unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
        return chat, unit

    def lich(self, caller: Caller, chat_id: str, args: str) -> str:
        """Show this chat's schedule; ``lich tat`` / ``lich bat`` switch its reminders and summaries."""
        lang = caller.language
        word = args.strip().lower()
        st = self.svc.settings
        with self.svc.db.session() as s:
            chat, unit = self._bound(s, chat_id)
            if chat is None or unit is None:
                return t("lich.unbound", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "lich", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            if word not in ZALO_ON_WORDS | ZALO_OFF_WORDS:
                off = t("zalo.off", lang)
                return t("zalo.lich_show", lang, unit=esc(unit.name),
                         reminder=(chat.reminder_time or st.default_reminder_time).strftime("%H:%M")
                         if chat.reminders_enabled else off,
                         summary=(chat.summary_time or st.default_summary_time).strftime("%H:%M")
                         if chat.summaries_enabled else off)
            on = word in ZALO_ON_WORDS
            schedule_repo.update_chat(s, chat.id, reminders_enabled=on, summaries_enabled=on, active=True,
                                      disabled_reason=None)
            unit_id = unit.id
        audit.record(self.svc, caller, "schedule.change", unit_id=unit_id, after={"chat": chat_id, "enabled": on})
        return t("zalo.lich_on" if on else "zalo.lich_off", lang)

    def budget(self, caller: Caller, chat_id: str, is_group: bool, args: str) -> str:
        """``tietkiem`` shows, ``tietkiem gop|tonghop|tat`` sets a group's budget mode (leaders of its unit)."""
        lang = caller.language
        word = args.strip().lower().replace(" ", "")
        minutes = fmt.num(self.svc.settings.zalo_batch_minutes, lang)
        with self.svc.db.session() as s:
            chat, unit = self._bound(s, chat_id)
            if not is_group or chat is None or unit is None:
                return t("zalo.budget_group_only", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "tietkiem", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            if not word:
                current = zalo_repo.budget_mode(s, self.channel, chat_id)
                return t("zalo.budget_show", lang, mode=t(f"zalo.budget_mode.{current}", lang), minutes=minutes)
            mode = BUDGET_WORDS.get(word)
            if mode is None:
                return t("err.usage", lang, usage=t("usage.tietkiem", lang))
            zalo_repo.set_budget_mode(s, chat.id, mode)
            unit_id = unit.id
        audit.record(self.svc, caller, "chat.budget", unit_id=unit_id, after={"chat": chat_id, "mode": mode})
        return t("zalo.budget_set", lang, mode=t(f"zalo.budget_mode.{mode}", lang))

    def budget_mode(self, chat_id: str) -> str:
        with self.svc.db.session() as s:
            return zalo_repo.budget_mode(s, self.channel, chat_id)

    def bind_private(self, caller: Caller, chat_id: str) -> str | None:
        """A leader's first private message binds that chat to their unit; the text telling them so, or None."""
        if caller.unit_id is None or not caller.has_role(Role.LEADER):
            return None
        st = self.svc.settings
        with self.svc.db.session() as s:
            if repo.chat_by_external(s, self.channel, chat_id) is not None:
                return None
            unit = repo.unit_by_id(s, caller.unit_id)
            if unit is None:
                return None
            chat = repo.get_or_create_chat(s, self.channel, chat_id, caller.name)
            repo.bind_chat(s, chat, unit)
            unit_name, unit_id = unit.name, unit.id
        audit.record(self.svc, caller, "chat.bind", unit_id=unit_id,
                     after={"chat": chat_id, "channel": self.channel, "private": True})
        return t("zalo.private_bound", caller.language, unit=esc(unit_name),
                 reminder=st.default_reminder_time.strftime("%H:%M"), summary=st.default_summary_time.strftime("%H:%M"))

    def pending_token(self, caller: Caller, chat_id: str) -> str | None:
        """The caller's newest question in this chat still waiting for a typed answer."""
        if caller.member_id is None:
            return None
        with self.svc.db.session() as s:
            pending = link_repo.latest_pending(s, caller.member_id, self.channel, chat_id,
                                               self.svc.clock() - PENDING_MAX_AGE)
            return pending.token if pending is not None else None

    def is_linked(self, user_id: str) -> bool:
        """This account is the second account of a linked member."""
        with self.svc.db.session() as s:
            row = repo.member_by_external(s, self.channel, user_id)
            return row is not None and row.linked_member_id is not None
