"""Leader views: progress, ranking, who is silent, charts (plain Python over bot.core.rollup and storage).

Scope rule: a caller sees only units of their own subtree (global admins: everything). Unit names
are matched diacritics-insensitively inside that subtree only, so a name outside it reads as unknown
and nothing about other communes leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.core import fmt
from bot.core.access import Caller
from bot.core.collation import vn_key
from bot.core.commands import Role
from bot.core.days import take_day
from bot.core.days import when as when_text
from bot.core.parsing import match_unit, normalize
from bot.core.rollup import (
    MetricFigures,
    Rollup,
    UnitFigures,
    compute_history,
    compute_ranking,
    compute_rollup,
)
from bot.core.services import Services
from bot.texts import t
from storage import repo, views_repo
from storage.models import Unit

MAX_CHARS = 3900  # under Telegram's 4096 per message, with room for HTML tags
HISTORY_DAYS = 30


# ---- resolving which unit a view is about --------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None


@dataclass
class Resolved:
    unit: UnitRef | None = None
    error: str | None = None  # catalog key
    error_args: dict[str, object] = field(default_factory=dict)


def _ref(u: Unit) -> UnitRef:
    return UnitRef(u.id, u.code, u.name, u.kind, u.path, u.parent_id)


def split_metric(words: list[str], metrics: Sequence[str]) -> tuple[list[str], str | None]:
    """Take a trailing metric (``l2``, ``m2``, ``mức 2``, ``muc2``) off the argument words."""
    if not words:
        return words, None
    codes = {m.lower() for m in metrics}
    last = normalize(words[-1]).replace(" ", "")
    if last in codes:
        return words[:-1], last
    if len(last) == 2 and last[0] == "m" and f"l{last[1]}" in codes:
        return words[:-1], f"l{last[1]}"
    if last.startswith("muc") and f"l{last[3:]}" in codes:
        return words[:-1], f"l{last[3:]}"
    if len(words) >= 2 and normalize(words[-2]) == "muc" and f"l{last}" in codes:
        return words[:-2], f"l{last}"
    return words, None


def view_args(text: str, today: date, metrics: Sequence[str] | None = None) -> tuple[str, str | None, date]:
    """(unit name, metric or None, day) from a view command's arguments: ``[unit] [m1|m2] [hqua|dd/mm]``.
    `metrics` None: the command takes no metric. Raises bot.core.days.DayError."""
    words, day = take_day(text.split(), today)
    metric = None
    if metrics is not None:
        words, metric = split_metric(words, metrics)
    return " ".join(words), metric, day


class Views:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    @property
    def default_metric(self) -> str:
        return self.svc.settings.default_metric

    def metric_names(self, lang: str) -> dict[str, str]:
        """Active metrics, code -> name (bot.core.metrics.metric_name), in display order."""
        from bot.core.metrics import metric_names

        return metric_names(self.svc.db, lang)

    def resolve(self, caller: Caller, chat_id: str | None, name: str, channel: str = "telegram") -> Resolved:
        """The unit a view is about (see `_resolve`), refused when the chat is bound to an unrelated unit:
        one commune's figures are never posted into another commune's group."""
        found = self._resolve(caller, chat_id, name, channel)
        if found.unit is None or caller.global_admin or chat_id is None:
            return found
        with self.svc.db.session() as s:
            bound = views_repo.chat_unit(s, channel, chat_id)
            if bound is not None and not (found.unit.path.startswith(bound.path) or bound.path.startswith(found.unit.path)):
                return Resolved(error="view.foreign_chat")
        return found

    def _resolve(self, caller: Caller, chat_id: str | None, name: str, channel: str = "telegram") -> Resolved:
        """The unit a view is about: the named one (code or name, inside the caller's scope), else the
        chat's bound unit if the caller may see it, else the caller's own unit."""
        name = name.strip()
        with self.svc.db.session() as s:
            own = repo.unit_by_id(s, caller.unit_id) if caller.unit_id is not None else None
            if not name:
                bound = views_repo.chat_unit(s, channel, chat_id) if chat_id is not None else None
                if bound is not None and caller.within(bound) and caller.has_role(Role.LEADER):
                    return Resolved(_ref(bound))
                if own is not None:
                    return Resolved(_ref(own))
                if bound is not None and caller.global_admin:
                    return Resolved(_ref(bound))
                return Resolved(error="view.need_unit")
            scope = None if caller.global_admin else own
            if scope is None and not caller.global_admin:
                return Resolved(error="view.need_unit")
            by_code = views_repo.units_by_code(s, name)
            if by_code is not None and caller.within(by_code):
                return Resolved(_ref(by_code))
            units = views_repo.units_in(s, scope)
            by_name: dict[str, list[Unit]] = {}
            for u in units:
                by_name.setdefault(u.name, []).append(u)
            found = [u for n in match_unit(name, list(by_name)) for u in by_name[n]]
            if len(found) == 1:
                return Resolved(_ref(found[0]))
            if not found:
                return Resolved(error="view.unknown_unit", error_args={"name": fmt.esc(name[:60])})
            parents = repo.units_by_ids(s, [u.parent_id for u in found[:6] if u.parent_id is not None])
            options = ", ".join(
                f"{fmt.esc(u.name)} ({fmt.esc(parents[u.parent_id].name) + ', ' if u.parent_id in parents else ''}"
                f"<code>{fmt.esc(u.code)}</code>)"
                for u in found[:6]
            )
            more = len(found) - 6
            return Resolved(error="view.ambiguous_unit",
                            error_args={"name": fmt.esc(name[:60]), "options": options + (" …" if more > 0 else "")})

    # ---- progress ---------------------------------------------------------------------------------

    def progress(self, caller: Caller, unit: UnitRef, day: date) -> ProgressView:
        r = compute_rollup(self.svc.db, unit.id, day, default_metric=self.default_metric)
        own: dict[str, tuple[int, int]] | None = None
        if caller.member_id is not None and not caller.has_role(Role.LEADER):
            with self.svc.db.session() as s:
                own = views_repo.member_totals(s, caller.member_id, day)
        from bot.core.official import official_lines

        official = official_lines(self.svc, unit.id, day, {m: f.cumulative for m, f in r.unit.metrics.items()},
                                  r.metrics)
        return ProgressView(r, self.metric_names(caller.language), own, self.svc.today(), official)

    # ---- ranking ---------------------------------------------------------------------------------

    def ranking(self, caller: Caller, unit: UnitRef, day: date, metric: str | None = None) -> RankView:
        metric = metric or self.default_metric
        today, before = compute_ranking(self.svc.db, unit.id, day, default_metric=metric)
        changes: dict[int, int | None] = {}
        for c in today.children:
            prev = before.get(c.unit_id)
            changes[c.unit_id] = None if prev is None or c.rank is None else prev - c.rank
        return RankView(today, today.default_metric, self.metric_names(caller.language), changes, self.svc.today())

    # ---- who is silent ---------------------------------------------------------------------------

    def missing(self, caller: Caller, unit: UnitRef, day: date) -> MissingView:
        with self.svc.db.session() as s:
            root = repo.unit_by_id(s, unit.id)
            assert root is not None
            all_leaves = views_repo.leaves(s, root)
            reported = views_repo.reported_unit_ids(s, root, day)
            members = views_repo.members_in(s, root)
            reporters = views_repo.reporters_on(s, root, day)
            kids = {k.path: k for k in repo.children(s, root)}
            s.expunge_all()
        all_leaves.sort(key=lambda lf: (vn_key(lf.name), lf.code))  # by unit, then (below) by name
        members.sort(key=lambda m: vn_key(m.name))
        silent = [lf for lf in all_leaves if lf.unit_id not in reported]
        silent_ids = {lf.unit_id for lf in silent}
        by_unit: dict[int, list[views_repo.MemberRow]] = {}
        for m in members:
            if m.unit_id in silent_ids and m.member_id not in reporters:
                by_unit.setdefault(m.unit_id, []).append(m)
        # the count is of reporters: leaders and admins read the figures, they are not "silent members"
        reporting = [m for m in members if m.role == Role.MEMBER.name.lower()]
        groups: list[MissingGroup] = []
        if kids and not all(lf.parent_id == unit.id for lf in all_leaves):
            # a province or higher: count the silent villages under each child
            for path, kid in kids.items():
                under = [lf for lf in all_leaves if lf.path.startswith(path)]
                if not under:
                    continue
                quiet = [lf for lf in under if lf.unit_id in silent_ids]
                groups.append(MissingGroup(kid.name, len(quiet), len(under), [lf.name for lf in quiet]))
            groups.sort(key=lambda g: (-g.silent / max(g.total, 1), vn_key(g.name)))
        silent_members = [m for m in reporting if m.member_id not in reporters]
        return MissingView(
            unit=unit,
            day=day,
            leaves_total=len(all_leaves),
            silent=[(lf, by_unit.get(lf.unit_id, [])) for lf in silent],
            groups=groups,
            members_total=len(reporting),
            members_silent=len(silent_members),
            today=self.svc.today(),
        )

    # ---- charts ----------------------------------------------------------------------------------

    def chart_data(self, unit_id: int, day: date, metric: str | None = None) -> tuple[Rollup, list[tuple[date, int]]]:
        """What a unit's progress chart draws: the roll-up of the day and the last HISTORY_DAYS days
        (bot/present/charts.py draws it)."""
        metric = metric or self.default_metric
        r = compute_rollup(self.svc.db, unit_id, day, default_metric=metric)
        hist = compute_history(self.svc.db, unit_id, r.default_metric, day - timedelta(days=HISTORY_DAYS - 1), day)
        return r, hist


# ---- view data ----------------------------------------------------------------------------------


@dataclass
class ProgressView:
    rollup: Rollup
    metric_names: dict[str, str]
    own: dict[str, tuple[int, int]] | None = None  # a member's own (today, total) per metric
    today: date | None = None  # the real today (the view's day may be earlier)
    official: list[Any] = field(default_factory=list)  # bot.core.official.OfficialLine: official figures beside ours


@dataclass
class RankView:
    rollup: Rollup
    metric: str
    metric_names: dict[str, str]
    changes: dict[int, int | None]  # unit id -> places gained since yesterday (None: no rank before)
    today: date | None = None


@dataclass
class MissingGroup:
    name: str
    silent: int
    total: int
    names: list[str]


@dataclass
class MissingView:
    unit: UnitRef
    day: date
    leaves_total: int
    silent: list[tuple[views_repo.Leaf, list[views_repo.MemberRow]]]
    groups: list[MissingGroup]
    members_total: int  # reporters (role member) of the subtree
    members_silent: int
    today: date | None = None


# ---- rendering (HTML) ---------------------------------------------------------------------------


def dec(x: float | None, lang: str) -> str:
    if x is None:
        return "–"
    s = f"{x:.1f}"
    return s.replace(".", ",") if lang == "vi" else s


def _finish(m: MetricFigures, lang: str, ref: date) -> str:
    if m.remaining == 0 and m.target is not None:
        return t("view.done", lang)
    return fmt.day(m.projected_finish, lang, ref=ref) if m.projected_finish else "–"


def _table(rows: list[tuple[str, list[str]]], header: list[str]) -> str:
    label_w = max(len(r[0]) for r in rows)
    widths = [max(len(header[i]), *(len(r[1][i]) for r in rows)) for i in range(len(header))]
    lines = [" " * label_w + "".join("  " + h.rjust(w) for h, w in zip(header, widths, strict=True))]
    for label, vals in rows:
        lines.append(label.ljust(label_w) + "".join("  " + v.rjust(w) for v, w in zip(vals, widths, strict=True)))
    return "<pre>" + fmt.esc("\n".join(lines)) + "</pre>"


def render_progress(v: ProgressView, lang: str) -> str:
    r = v.rollup
    u = r.unit
    when = when_text(r.day, v.today, lang)
    ms = [m for m in r.metrics if m in u.metrics]  # the metrics' own order: l1 and l2 side by side
    names = [v.metric_names.get(m, m.upper()) for m in ms]
    f = [u.metrics[m] for m in ms]
    day_label = t("view.row.today", lang) if v.today in (None, r.day) else t("fig.row_day", lang, day=fmt.day(r.day, lang, ref=v.today))
    rows: list[tuple[str, list[str]]] = [
        (day_label, [fmt.num(x.today, lang) for x in f]),
        (t("view.row.cumulative", lang), [fmt.num(x.cumulative, lang) for x in f]),
        (t("view.row.target", lang), [fmt.num(x.target, lang) for x in f]),
        (t("view.row.pct", lang), [fmt.pct(x.pct, lang) for x in f]),
        (t("view.row.remaining", lang), [fmt.num(x.remaining, lang) for x in f]),
        (t("view.row.pace7", lang), [dec(x.pace7, lang) for x in f]),
    ]
    if any(x.deadline for x in f):
        rows.append((t("view.row.deadline", lang),
                     [fmt.day(x.deadline, lang, ref=r.day) if x.deadline else "–" for x in f]))
        if any(x.needed_pace is not None for x in f):
            rows.append((t("view.row.needed", lang), [dec(x.needed_pace, lang) for x in f]))
    rows.append((t("view.row.finish", lang), [_finish(x, lang, r.day) for x in f]))
    parts = [t("view.progress.head", lang, unit=fmt.esc(u.name), day=fmt.day(r.day, lang, year=True)), _table(rows, names)]
    for name, x in zip(names, f, strict=True):
        if x.overdue_days is not None and x.deadline is not None:
            parts.append(t("fig.overdue", lang, metric=fmt.esc(name), deadline=fmt.day(x.deadline, lang, year=True),
                           days=fmt.num(x.overdue_days, lang)))
    if v.official:
        from bot.core.official import render_official

        parts += render_official(v.official, v.metric_names, lang, v.today or r.day)
    main = u.metrics.get(r.default_metric)
    if main is not None and main.target is None:
        parts.append(t("view.progress.no_target", lang))
    if r.children:
        done = sum(1 for c in r.children if c.reported_today)
        parts.append(t("view.progress.reported", lang, done=done, total=len(r.children), when=when))
    else:
        parts.append(t("view.progress.unit_reported" if u.reported_today else "view.progress.unit_silent", lang,
                       when=when))
    if v.own is not None:
        own = [
            t("view.progress.own_metric", lang, metric=v.metric_names.get(m, m.upper()),
              today=fmt.num(v.own.get(m, (0, 0))[0], lang), total=fmt.num(v.own.get(m, (0, 0))[1], lang))
            for m in ms
        ]
        parts.append(t("view.progress.own", lang, figures="; ".join(own)))
    elif r.children:
        parts.append(t("view.progress.more", lang))
    return "\n".join(parts)


def _change(c: int | None, lang: str) -> str:
    if c is None:
        return t("view.rank.new", lang)
    if c > 0:
        return f"↑{c}"
    if c < 0:
        return f"↓{-c}"
    return "="


def render_rank(v: RankView, lang: str) -> list[str]:
    r = v.rollup
    head = t("view.rank.head", lang, unit=fmt.esc(r.unit.name), metric=v.metric_names.get(v.metric, v.metric.upper()),
             day=fmt.day(r.day, lang, ref=v.today))
    if not r.children:
        return [t("view.rank.no_children", lang, unit=fmt.esc(r.unit.name))]
    lines = []
    when = when_text(r.day, v.today, lang)
    for c in r.children:
        m = c.metrics[v.metric]
        if c.rank is None:
            lines.append(t("view.rank.line_no_target", lang, name=fmt.esc(c.name), cum=fmt.num(m.cumulative, lang)))
        else:
            lines.append(t("view.rank.line", lang, rank=c.rank, name=fmt.esc(c.name), pct=fmt.pct(m.pct, lang),
                           cum=fmt.num(m.cumulative, lang), target=fmt.num(m.target, lang),
                           today=day_figure(c, v.metric, when, lang), change=_change(v.changes.get(c.unit_id), lang)))
    return chunk([head, *lines, t("view.rank.legend", lang)])


def day_figure(c: UnitFigures, metric: str, when: str, lang: str) -> str:
    """"hôm nay +12", or "chưa báo cáo" for a unit with no report that day (missing is not zero)."""
    if not c.reported_today:
        return t("fig.not_reported", lang)
    return t("fig.day_add", lang, when=when, n=fmt.num(c.metrics[metric].today, lang))


def _member_name(m: views_repo.MemberRow) -> str:
    name = fmt.esc(m.name)
    return f"{name} (@{fmt.esc(m.username)})" if m.username else name


def render_missing(v: MissingView, lang: str) -> list[str]:
    day = fmt.day(v.day, lang, ref=v.today)
    when = when_text(v.day, v.today, lang, with_day=True)
    unit = fmt.esc(v.unit.name)
    if v.leaves_total == 0:
        return [t("view.missing.no_units", lang, unit=unit)]
    if not v.silent:
        return [t("view.missing.all", lang, unit=unit, day=day, total=v.leaves_total, when=when)]
    head = t("view.missing.head", lang, unit=unit, day=day, silent=len(v.silent), total=v.leaves_total, when=when)
    lines = [head]
    if v.groups:
        for g in v.groups:
            if g.silent == 0:
                continue
            shown = ", ".join(fmt.esc(n) for n in g.names[:8]) + (" …" if len(g.names) > 8 else "")
            lines.append(t("view.missing.group", lang, name=fmt.esc(g.name), silent=g.silent, total=g.total,
                           names=shown))
    else:
        for leaf, members in v.silent:
            if members:
                who = ", ".join(_member_name(m) for m in members[:6]) + (" …" if len(members) > 6 else "")
                lines.append(t("view.missing.unit", lang, name=fmt.esc(leaf.name), members=who))
            else:
                lines.append(t("view.missing.unit_nobody", lang, name=fmt.esc(leaf.name)))
    lines.append(t("view.missing.members", lang, silent=v.members_silent, total=v.members_total, when=when))
    lines.append(t("view.missing.zero_hint", lang))
    return chunk(lines)


def chunk(lines: list[str], limit: int = MAX_CHARS) -> list[str]:
    """Join lines into messages under Telegram's length limit, never splitting a line."""
    out: list[str] = []
    cur: list[str] = []
    size = 0
    for line in lines:
        line = line[:limit]
        if cur and size + len(line) + 1 > limit:
            out.append("\n".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        out.append("\n".join(cur))
    return out


def unit_figures_line(c: UnitFigures, metric: str, lang: str) -> str:
    """One compact line for a unit (used by summaries): name — pct (cum/target), today +n."""
    m = c.metrics[metric]
    return t("view.rank.line_plain", lang, name=fmt.esc(c.name), pct=fmt.pct(m.pct, lang), cum=fmt.num(m.cumulative, lang),
             target=fmt.num(m.target, lang), today=day_figure(c, metric, t("fig.when_today", lang), lang))
