"""Summary texts built from a roll-up (plain Python, no I/O).

The daily summary reads well on a phone: the unit's totals first (every metric, the default one
first), then the children by % done, then the ones that have not reported. It always fits one
Telegram message: the children list (and the silent list) is cut with "… và N đơn vị khác".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from bot.core import fmt
from bot.core.days import when as when_text
from bot.core.fmt import esc
from bot.core.rollup import MetricFigures, Rollup, UnitFigures
from bot.texts import t

#: Telegram allows 4096 characters; keep a margin for emoji counted as two UTF-16 units.
LIMIT = 4000
#: share of the message the silent list may take when the children list is long
SILENT_SHARE = 0.3


def metric_name(code: str, lang: str, names: Mapping[str, str] | None = None) -> str:
    from bot.core.metrics import metric_name as name

    return name(code, lang, names)


def fit(head: Sequence[str], items: Sequence[str], tail: Sequence[str], lang: str, limit: int = LIMIT) -> str:
    """head + as many items as fit + "… và N đơn vị khác" + tail, joined by newlines, within `limit`."""
    fixed = len("\n".join([*head, *tail])) + 1
    kept: list[str] = []
    used = fixed
    for i, item in enumerate(items):
        left = len(items) - i - 1
        more = len(t("sum.more", lang, n=left)) + 1 if left else 0
        if used + len(item) + 1 + more > limit:
            break
        kept.append(item)
        used += len(item) + 1
    lines = [*head, *kept]
    if len(kept) < len(items):
        lines.append(t("sum.more", lang, n=len(items) - len(kept)))
    return "\n".join([*lines, *tail])


def join_fitting(names: Sequence[str], budget: int, lang: str, sep: str = ", ") -> str:
    """names joined by `sep`, cut with "… và N đơn vị khác" to stay within `budget` characters."""
    out: list[str] = []
    used = 0
    for i, name in enumerate(names):
        left = len(names) - i - 1
        more = len(sep) + len(t("sum.more", lang, n=left)) if left else 0
        add = len(name) + (len(sep) if out else 0)
        if used + add + more > budget and out:
            return sep.join(out) + sep + t("sum.more", lang, n=len(names) - len(out))
        out.append(name)
        used += add
    return sep.join(out)


def ordered_metrics(r: Rollup) -> list[str]:
    """The default metric first, then the others in catalog order."""
    return [r.default_metric] + [m for m in r.metrics if m != r.default_metric]


def _metric_line(key: str, m: MetricFigures, name: str, lang: str, **extra: object) -> str:
    if m.target:
        return t(key, lang, metric=esc(name), today=fmt.num(m.today, lang), cum=fmt.num(m.cumulative, lang),
                 target=fmt.num(m.target, lang), pct=fmt.pct(m.pct, lang), **extra)
    return t(key + "_nt", lang, metric=esc(name), today=fmt.num(m.today, lang), cum=fmt.num(m.cumulative, lang),
             **extra)


def _pace_line(m: MetricFigures, name: str, lang: str, ref: date | None = None) -> str | None:
    if m.target and m.remaining == 0:
        return t("sum.done", lang, metric=esc(name))
    if m.remaining and m.overdue_days is not None and m.deadline is not None:
        return t("fig.sum_overdue", lang, remaining=fmt.num(m.remaining, lang), days=fmt.num(m.overdue_days, lang),
                 deadline=fmt.day(m.deadline, lang, year=True), pace=fmt.num(m.pace7, lang))
    if m.remaining and m.needed_pace is not None and m.deadline is not None:
        return t("sum.pace", lang, remaining=fmt.num(m.remaining, lang), needed=fmt.num(math.ceil(m.needed_pace), lang),
                 deadline=fmt.day(m.deadline, lang, ref=ref), pace=fmt.num(m.pace7, lang))
    return None


def _pct_text(u: UnitFigures, metric: str, lang: str) -> str:
    p = u.pct(metric)
    return t("sum.no_pct", lang) if p is None else fmt.pct(p, lang)


def daily_text(r: Rollup, lang: str = "vi", *, names: Mapping[str, str] | None = None, limit: int = LIMIT,
               today: date | None = None, official: Sequence[str] = ()) -> str:
    """The evening summary of `r.unit` for `r.day` (a chosen past day when `today` is later)."""
    dm = r.default_metric
    when = when_text(r.day, today, lang)
    head = [t("sum.title", lang, unit=esc(r.unit.name), day=fmt.day(r.day, lang, year=True)), ""]
    for code in ordered_metrics(r):
        m = r.unit.metrics.get(code)
        if m is not None:
            head.append(_metric_line("sum.metric", m, metric_name(code, lang, names), lang, when=when))
    main = r.unit.metrics.get(dm)
    if main is not None and (pace := _pace_line(main, metric_name(dm, lang, names), lang, r.day)):
        head.append(pace)
    head += list(official)  # official figures beside ours (bot.core.official.render_official)
    if not r.children:
        if not r.unit.reported_today:
            head += ["", t("sum.unit_silent", lang, unit=esc(r.unit.name), when=when)]
        return fit(head, [], [], lang, limit)

    reported = sum(1 for c in r.children if c.reported_today)
    head += [t("sum.reported", lang, n=reported, total=len(r.children), when=when), "",
             t("sum.children", lang, metric=esc(metric_name(dm, lang, names)))]
    items = []
    for c in r.children:
        day_value = c.metrics[dm].today if dm in c.metrics else 0
        items.append(t("sum.child", lang, rank=c.rank if c.rank is not None else "–", name=esc(c.name),
                       pct=_pct_text(c, dm, lang),
                       today=t("sum.child_today", lang, n=fmt.num(day_value, lang)) if c.reported_today else ""))
    if r.silent:
        fixed = len("\n".join(head)) + len(t("sum.silent", lang, n=len(r.silent), names="", when=when)) + 2
        budget = max(200, min(int(limit * SILENT_SHARE), limit - fixed - 200))
        names_text = join_fitting([esc(s.name) for s in r.silent], budget, lang)
        tail = ["", t("sum.silent", lang, n=len(r.silent), names=names_text, when=when)]
    else:
        tail = ["", t("sum.all_reported", lang, when=when)]
    return fit(head, items, tail, lang, limit)


def _week_total(m: MetricFigures | None) -> int:
    return 0 if m is None else int(round(m.pace7 * 7))


def _move(prev_rank: int | None, rank: int | None, lang: str) -> str:
    if rank is None:
        return ""
    if prev_rank is None:
        return t("wk.new", lang)
    if prev_rank > rank:
        return t("wk.up", lang, n=prev_rank - rank)
    if prev_rank < rank:
        return t("wk.down", lang, n=rank - prev_rank)
    return t("wk.same", lang)


def week_change(cur: int, prev: int, lang: str) -> str:
    """' (+12%)' this week against the previous one ('' when the previous week had nothing)."""
    if prev <= 0:
        return ""
    change = 100.0 * (cur - prev) / prev
    return " (" + ("+" if change >= 0 else "") + fmt.pct(change, lang, 0) + ")"


def weekly_text(r: Rollup, prev: Rollup | None, lang: str = "vi", *, names: Mapping[str, str] | None = None,
                limit: int = LIMIT) -> str:
    """The week ending on `r.day`: totals added this week, then the ranking and its change since `prev`
    (the roll-up of the same unit seven days earlier)."""
    dm = r.default_metric
    start = r.day - timedelta(days=6)
    head = [t("wk.title", lang, start=fmt.day(start, lang, ref=r.day), end=fmt.day(r.day, lang),
              unit=esc(r.unit.name)), ""]
    for code in ordered_metrics(r):
        m = r.unit.metrics.get(code)
        if m is None:
            continue
        name = metric_name(code, lang, names)
        if m.target:
            head.append(t("wk.metric", lang, metric=esc(name), week=fmt.num(_week_total(m), lang),
                          cum=fmt.num(m.cumulative, lang), target=fmt.num(m.target, lang), pct=fmt.pct(m.pct, lang)))
        else:
            head.append(t("wk.metric_nt", lang, metric=esc(name), week=fmt.num(_week_total(m), lang),
                          cum=fmt.num(m.cumulative, lang)))
    main = r.unit.metrics.get(dm)
    if prev is not None and main is not None:
        cur_w, prev_w = _week_total(main), _week_total(prev.unit.metrics.get(dm))
        head.append(t("wk.vs_prev", lang, prev=fmt.num(prev_w, lang), change=week_change(cur_w, prev_w, lang)))
    if main is not None and (pace := _pace_line(main, metric_name(dm, lang, names), lang, r.day)):
        head.append(pace)
    if not r.children:
        return fit(head, [], [], lang, limit)

    best = max(r.children, key=lambda c: (_week_total(c.metrics.get(dm)), c.name), default=None)
    head += ["", t("wk.children", lang, metric=esc(metric_name(dm, lang, names)))]
    items = []
    for c in r.children:
        before = prev.child(c.unit_id) if prev is not None else None
        items.append(t("wk.child", lang, rank=c.rank if c.rank is not None else "–", name=esc(c.name),
                       pct=_pct_text(c, dm, lang), week=fmt.num(_week_total(c.metrics.get(dm)), lang),
                       move=_move(before.rank if before else None, c.rank, lang) if prev is not None else "").rstrip())
    tail: list[str] = []
    if best is not None and _week_total(best.metrics.get(dm)) > 0:
        tail = ["", t("wk.best", lang, name=esc(best.name), week=fmt.num(_week_total(best.metrics.get(dm)), lang))]
    return fit(head, items, tail, lang, limit)


def week_end_for(day: date, weekly_day: int) -> date:
    """The most recent `weekly_day` (0 = Monday) on or before `day`."""
    return day - timedelta(days=(day.weekday() - weekly_day) % 7)
