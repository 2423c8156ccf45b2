"""/tonghop and /lich: a unit's summary on demand, a chat's schedule, holidays and days off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.core import audit, fmt, names
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.fmt import esc
from bot.core.parsing import match_unit, normalize
from bot.core.rollup import compute_rollup
from bot.core.services import Services
from bot.delivery.scheduling.rules import CHANNEL
from bot.delivery.scheduling.scheduler import render_chart
from bot.present import reminders, summaries
from bot.texts import t
from storage import repo, schedule_repo
from storage.models import Unit

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
        from bot.core.days import DayError, error_text, take_day

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
        from bot.core.official import official_lines, render_official

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

    @staticmethod
    def _words(args: str) -> tuple[str, list[str], list[str]]:
        """(sub-command, its folded arguments, the arguments as typed)."""
        orig = args.split()
        words = [normalize(w) for w in orig]
        # multi-word sub-commands: "tổng hợp", "bỏ nghỉ", "ngày nghỉ", "không nhắc"
        if len(words) >= 2 and (words[0], words[1]) in {("tong", "hop"), ("bo", "nghi"), ("ngay", "nghi"),
                                                          ("khong", "nhac"), ("xoa", "nghi")}:
            joined = words[0] + words[1]
            orig = [orig[0] + " " + orig[1], *orig[2:]]
            words = [joined, *words[2:]]
        return (words[0] if words else ""), words[1:], orig[1:]

    def holiday_command(self, caller: Caller, args: str) -> str | None:
        """``nghi [day name]`` / ``bonghi day`` of /lich on any channel (Telegram, Zalo): the answer, or None
        when `args` is another /lich sub-command. The scope rule of holidays (issue 15 item 4) is here."""
        lang = caller.language
        sub, rest, rest_orig = self._words(args)
        if sub in ("nghi", "ngaynghi", "holiday", "holidays", "le"):
            return self._holiday_add(caller, rest_orig, lang) if rest else self._holidays(caller, lang)
        if sub in ("bonghi", "xoanghi", "unholiday"):
            return self._holiday_remove(caller, rest_orig, lang, t("err.usage", lang, usage=t("usage.lich", lang)))
        return None

    def lich(self, caller: Caller, chat_external_id: str, args: str) -> str:
        lang = caller.language
        sub, rest, rest_orig = self._words(args)
        usage = t("err.usage", lang, usage=t("usage.lich", lang))
        if sub in ("?", "help", "huongdan", "trogiup"):
            return usage
        holiday = self.holiday_command(caller, args)
        if holiday is not None:
            return holiday

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
