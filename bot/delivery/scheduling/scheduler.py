"""The scheduler tick: claim in the outbox, build (texts, charts), send, record; exactly once."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.core import fmt
from bot.core.fmt import esc
from bot.core.metrics import metric_name
from bot.core.rollup import Rollup, compute_history, compute_rollup
from bot.core.services import Services
from bot.delivery.scheduling.lock import LeaderLock
from bot.delivery.scheduling.rules import (
    CHANNEL,
    HISTORY_DAYS,
    Defaults,
    Due,
    Pacer,
    backoff,
    due_for_chat,
    pending,
)
from bot.delivery.sender import ChartRef, Gone, Moved, Refused, Retry, Sender
from bot.present import reminders, summaries
from bot.present.chart_render import ChartRenderer, History, shared_renderer
from bot.texts import t
from storage import repo, schedule_repo
from storage.db import Database
from storage.schedule_repo import BoundChat

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------------


@dataclass
class Content:
    text: str
    chart: Rollup | None = None  # the roll-up whose progress chart follows the text
    caption: str | None = None


@dataclass(frozen=True)
class _ChartJob:
    """A daily summary whose text went out; its chart (drawn ahead, while the texts are paced) is sent
    after every text of the tick."""

    item: Due
    claim: schedule_repo.Claim
    content: Content
    text_id: int
    png: asyncio.Task[bytes | None] | None  # None: the sender draws nothing (a chart link)


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
    """`bot.present.charts.progress_chart` (imported on first use: matplotlib is slow to import; tests swap in None)."""
    from bot.present.charts import progress_chart

    return progress_chart


def _is_progress_chart(fn: Any) -> bool:
    """The real chart (drawn through the cache and the pool); a stand-in a test swapped in is called as is."""
    from bot.present.charts import progress_chart

    return fn is progress_chart


#: broadcast pace: at most this many scheduler sends in any second (Telegram allows 30; one is left for
#: replies to users). The Pacer's guarantee is strict, so this cannot cause 429s by itself.
BROADCAST_RATE = 29


class Scheduler:
    """Delivers what is due to the bound chats of one channel, through that channel's `Sender`."""

    def __init__(self, svc: Services, sender: Sender, *, channel: str = CHANNEL, lock_key: int | None = None,
                 concurrency: int = 30, lease: timedelta = timedelta(minutes=10), max_attempts: int = 10,
                 notify_admins: bool = True, rate: int | None = BROADCAST_RATE,
                 renderer: ChartRenderer | None = None) -> None:
        self.svc = svc
        self.sender = sender
        self.channel = channel  # the chats this scheduler delivers to ("telegram", "zalo", "zalo_oa")
        self.concurrency = concurrency
        self.pacer = Pacer(rate) if rate else None  # shared by every tick of this scheduler
        self.lease = lease
        self.max_attempts = max_attempts
        self.notify_admins = notify_admins
        self.lock = LeaderLock(svc.db) if lock_key is None else LeaderLock(svc.db, key=lock_key)
        self._tick_lock = asyncio.Lock()
        self._rollups: dict[tuple[int, date], Rollup] = {}
        # charts: one cache and pool per process (chart_render); per tick, one drawing per (unit, day, language)
        self.renderer = renderer or shared_renderer(svc.settings.chart_workers)
        self._charts: dict[tuple[int, date, str], asyncio.Task[bytes | None]] = {}
        self._pool_tick = False
        self._drawing = asyncio.Semaphore(1)
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
            self._start_charts(items)
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

            # every text first (the pacer sets the pace) while the charts are drawn ahead, then the charts
            try:
                await asyncio.gather(*(run(v) for v in by_chat.values()))
                charts, self._chart_jobs = self._chart_jobs, []
                if charts:
                    await asyncio.gather(*(self._finish_chart(job, now, report) for job in charts))
            finally:
                await self._stop_charts()
            self._rollups.clear()
            self._reminder_data.clear()
            self._escalation_data.clear()
            self._holidays.clear()
            if report.sent or report.failed or report.disabled:
                log.info("scheduler tick: %d due, %d sent, %d skipped, %d failed, %d chats disabled",
                         report.due, report.sent, report.skipped, report.failed, report.disabled)
            return report

    def close(self) -> None:
        """The application's shutdown: the leader lock released, the chart workers stopped and joined."""
        self.lock.release()
        self.renderer.close()

    # ---- charts --------------------------------------------------------------------------------

    def _start_charts(self, items: list[Due]) -> None:
        """A broadcast of many summaries draws in the process pool, a few charts ahead of the sends."""
        self._charts.clear()
        self._pool_tick = sum(1 for i in items if i.kind == "daily") >= self.svc.settings.chart_pool_min
        if self._pool_tick and self.renderer.start():
            ahead = 4 * self.renderer.workers
        else:
            self._pool_tick = False
            ahead = max(1, min(4, os.cpu_count() or 1))  # drawing threads
        self._drawing = asyncio.Semaphore(ahead)

    async def _stop_charts(self) -> None:
        """Drawings nobody waits for any more (their text failed) are cancelled, not left behind."""
        tasks = list(self._charts.values())
        self._charts.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def chart_task(self, r: Rollup, lang: str) -> asyncio.Task[bytes | None]:
        """The drawing of (unit, day, language) this tick: started now, once, awaited when it is sent."""
        key = (r.unit.unit_id, r.day, lang)
        task = self._charts.get(key)
        if task is None:
            task = self._charts[key] = asyncio.create_task(self._chart_png(r, lang))
        return task

    async def _chart_png(self, r: Rollup, lang: str) -> bytes | None:
        fn = chart_function()
        if fn is None:
            return None
        async with self._drawing:
            try:
                history = await asyncio.to_thread(chart_history, self.svc.db, r)
                if _is_progress_chart(fn):
                    png = await self.renderer.render(r, history, lang, metric_name(r.default_metric, lang),
                                                     pool=self._pool_tick)
                else:
                    png = await asyncio.to_thread(fn, r, history, lang)
            except Exception:  # noqa: BLE001 - a chart is a bonus: the text is what matters
                log.exception("chart for unit %s failed", r.unit.unit_id)
                return None
        return _png_or_none(png)

    # ---- one delivery --------------------------------------------------------------------------

    async def _deliver(self, item: Due, now: datetime, report: TickReport) -> str:
        """Claim, build and send one item (a daily summary's chart is queued for after the texts)."""
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
        png = None
        if content.chart is not None and self.sender.needs_png:  # drawn while the texts are sent
            png = self.chart_task(content.chart, self._lang(chat))
        text_id = claim.sent_message_id  # a previous attempt already sent the text: only the chart is left
        if text_id is None:
            lang = self._lang(chat)
            outcome, sent_id = await self._attempt(item, claim, now, report,
                                                   lambda cid: self.sender.send_text(cid, content.text, lang))
            if sent_id is None:
                return outcome
            text_id = sent_id
            if content.chart is not None:
                with self.svc.db.session() as s:
                    schedule_repo.record_part(s, claim.id, text_id, now)
        if content.chart is not None:
            self._chart_jobs.append(_ChartJob(item, claim, content, text_id, png))
            return "deferred"
        self._sent(claim, text_id, now, report)
        return "sent"

    async def _finish_chart(self, job: _ChartJob, now: datetime, report: TickReport) -> None:
        png = await job.png if job.png is not None else None
        if png or job.png is None:
            chat = job.item.chat
            ref = ChartRef(chat.unit_id, job.item.day, self._lang(chat))

            async def send(cid: str) -> int:
                await self.sender.send_chart(cid, ref, png, job.content.caption)
                return job.text_id

            _outcome, sent_id = await self._attempt(job.item, job.claim, now, report, send)
            if sent_id is None:
                return
        self._sent(job.claim, job.text_id, now, report)

    def _sent(self, claim: schedule_repo.Claim, message_id: int, now: datetime, report: TickReport) -> None:
        with self.svc.db.session() as s:
            schedule_repo.mark_sent(s, claim.id, message_id, now)
        report.sent += 1

    async def _attempt(self, item: Due, claim: schedule_repo.Claim, now: datetime, report: TickReport,
                       send: Callable[[str], Awaitable[int]]) -> tuple[str, int | None]:
        """One send to the item's chat; a failure is recorded on the delivery: (outcome, None)."""
        chat = item.chat
        try:
            return "ok", await self._call(chat, send, self._moved.get(chat.id, chat.external_id))
        except Gone as exc:
            await self._disable(chat, claim.id, exc.detail, exc.reason_key, now, report)
            return "disabled", None
        except Refused as exc:
            log.error("%s refused %s for chat %s: %s", self.channel, item.kind, chat.external_id, exc.detail)
            with self.svc.db.session() as s:
                schedule_repo.mark_failed(s, claim.id, exc.detail, None, now, dead=True)
            report.failed += 1
            return "failed", None
        except Retry as exc:
            self._failed(claim.id, claim.attempts, exc.detail, now, report, at_least=exc.after)
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

    async def _call(self, chat: BoundChat, send: Callable[[str], Awaitable[int]], chat_id: str) -> int:
        try:
            return await self._paced(lambda: send(chat_id))
        except Moved as exc:
            new_id = exc.new_id
            with self.svc.db.session() as s:
                moved = schedule_repo.migrate_chat(s, chat.id, new_id)
            log.info("chat %s became supergroup %s%s", chat.external_id, new_id, "" if moved else " (already known)")
            self._moved[chat.id] = new_id
            return await self._paced(lambda: send(new_id))

    async def _paced(self, send: Callable[[], Awaitable[int]]) -> int:
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
            await self.sender.tell_admin(admin, message)

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
            body = reminders.escalation_text(chat.unit_name, streaks, lang, today=item.day)
            return Content(body) if body else None
        if item.off_day:
            with self.svc.db.session() as s:
                if not schedule_repo.subtree_has_reports(s, chat.unit_path, item.day):
                    return None  # a day off and nobody worked: no summary
        if item.kind == "daily":
            r = self.rollup(chat.unit_id, item.day)
            from bot.core.official import official_lines, render_official

            names = self.metric_names(lang)
            official = official_lines(self.svc, chat.unit_id, item.day,
                                      {m: f.cumulative for m, f in r.unit.metrics.items()}, r.metrics)
            body = summaries.daily_text(r, lang, names=names, official=render_official(official, names, lang, item.day))
            if chart_function() is None:
                return Content(body)
            caption = t("sum.chart_caption", lang, unit=esc(r.unit.name), day=fmt.day(r.day, lang))
            return Content(body, r, caption)
        if item.kind == "weekly":
            r = self.rollup(chat.unit_id, item.day)
            prev = self.rollup(chat.unit_id, item.day - timedelta(days=7))
            return Content(summaries.weekly_text(r, prev, lang, names=self.metric_names(lang)))
        raise ValueError(f"unknown delivery kind {item.kind}")


def chart_history(db: Database, r: Rollup) -> History:
    """The cumulative series under the chart: the last HISTORY_DAYS days of the roll-up's default metric."""
    return compute_history(db, r.unit.unit_id, r.default_metric, r.day - timedelta(days=HISTORY_DAYS - 1), r.day)


def _png_or_none(png: object) -> bytes | None:
    return bytes(png) if isinstance(png, bytes | bytearray) and png else None


def render_chart(db: Database, r: Rollup, lang: str) -> bytes | None:
    """The summary's chart drawn now, in this thread, through the process's chart cache (/tonghop, the Zalo
    chart link: one chart for one reader)."""
    fn = chart_function()
    if fn is None:
        return None
    try:
        history = chart_history(db, r)
        if _is_progress_chart(fn):
            png: object = shared_renderer().render_now(r, history, lang, metric_name(r.default_metric, lang))
        else:
            png = fn(r, history, lang)
    except Exception:  # noqa: BLE001 - a chart is a bonus: the text is what matters
        log.exception("chart for unit %s failed", r.unit.unit_id)
        return None
    return _png_or_none(png)
