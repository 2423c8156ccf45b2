"""Turn service outcomes into chat text (through the message catalog)."""

from __future__ import annotations

from datetime import date

from bot.core import fmt
from bot.core.reports import LineResult, Outcome
from bot.texts import CATALOG, t


def metric_name(code: str, lang: str) -> str:
    from bot.core.metrics import metric_name as name

    return name(code, lang)


def _line(r: LineResult, lang: str, ref: date | None = None) -> str:
    value = fmt.num(r.new, lang) if r.old is None or r.old == r.new else f"{fmt.num(r.old, lang)} → {fmt.num(r.new, lang)}"
    if r.target:
        cum = t("rep.cum_target", lang, cum=fmt.num(r.cumulative, lang), target=fmt.num(r.target, lang),
                pct=fmt.pct(r.pct, lang))
    else:
        cum = t("rep.cum", lang, cum=fmt.num(r.cumulative, lang))
    line = t("rep.line", lang, unit=fmt.esc(r.unit_name), metric=metric_name(r.metric, lang), value=value, cum=cum)
    if r.held_by_baseline is not None:
        line += "\n" + t("rep.held_by_baseline", lang, unit=fmt.esc(r.unit_name), day=fmt.day(r.day, lang, ref=ref),
                          base=fmt.day(r.held_by_baseline, lang, ref=ref))
    return line


def _checks(r: LineResult, lang: str) -> list[str]:
    out = []
    if r.stated_cumulative is not None and r.stated_cumulative != r.cumulative:
        out.append(t("rep.cum_mismatch", lang, unit=fmt.esc(r.unit_name), stated=fmt.num(r.stated_cumulative, lang),
                     ours=fmt.num(r.cumulative, lang)))
    if r.stated_target is not None and r.stated_target != r.target:
        ours = fmt.num(r.target, lang) if r.target else t("rep.no_target", lang)
        out.append(t("rep.target_mismatch", lang, unit=fmt.esc(r.unit_name), stated=fmt.num(r.stated_target, lang),
                     ours=ours))
    return out


def _when(day: date, is_today: bool, lang: str, ref: date | None = None) -> str:
    return t("rep.day_today", lang) if is_today else t("rep.day_on", lang, day=fmt.day(day, lang, ref=ref))


def _people(parts: list[tuple[str, int]], lang: str) -> str:
    return " + ".join(t("rep.day_part", lang, name=fmt.esc(n), value=fmt.num(v, lang)) for n, v in parts)


def day_total(r: LineResult, lang: str, ref: date | None = None) -> str:
    """"📊 Thôn 3 hôm nay: 24 = Lan 12 + Hùng 12": the unit's figure for the day and who it comes from."""
    return t("rep.day_total", lang, unit=fmt.esc(r.unit_name), when=_when(r.day, r.is_today, lang, ref),
             total=fmt.num(r.day_total, lang), parts=_people(r.contributors, lang) or t("rep.day_none", lang))


def _with_totals(r: LineResult, lang: str, ref: date | None) -> list[str]:
    out = [day_total(r, lang, ref)]
    if r.replaced:
        out.append(t("rep.day_replaced", lang, unit=fmt.esc(r.unit_name), parts=_people(r.replaced, lang)))
    return out


def stored(out: Outcome, lang: str) -> str:
    days = sorted({r.day for r in out.lines})
    head_key = "rep.updated" if out.edited else "rep.stored"
    ref = out.today
    parts = [t(head_key, lang, day=", ".join(fmt.day(d, lang, ref=ref) for d in days))]
    for r in out.lines:
        parts += [_line(r, lang, ref), *_with_totals(r, lang, ref)]
    for r in out.lines:
        parts += _checks(r, lang)
    if out.no_report_units:
        parts.append(t("rep.no_report_noted", lang, units=", ".join(fmt.esc(u) for u in out.no_report_units)))
    parts.append(t("rep.undo_hint", lang))
    return "\n".join(parts)


def removed(out: Outcome, lang: str) -> str:
    parts = [t("rep.removed", lang)]
    for r in out.lines:
        parts.append(t("rep.removed_line", lang, unit=fmt.esc(r.unit_name), metric=metric_name(r.metric, lang),
                       day=fmt.day(r.day, lang, ref=out.today), old=fmt.num(r.old, lang), new=fmt.num(r.new, lang)))
        parts.append(day_total(r, lang, out.today))
    return "\n".join(parts)


def share_question(out: Outcome, lang: str) -> str:
    """Another reporter has a figure for that unit/day: does this one add to it, or is it the total?"""
    parts = [t("rep.share_head", lang)]
    for unit, metric, day, is_today, value, others in out.share_lines:
        parts.append(t("rep.share_line", lang, unit=fmt.esc(unit), when=_when(day, is_today, lang, out.today),
                       metric=metric_name(metric, lang),
                       parts=_people(others, lang), value=fmt.num(value, lang)))
    parts.append(t("rep.share_tail", lang))
    return "\n".join(parts)


def fixed(out: Outcome, lang: str) -> str:
    """A leader's correction (/sua), told in the chat as a reply to the reporter's message."""
    head = "rep.fix_done" if out.edited else "rep.fix_removed"
    parts = [t(head, lang, fixer=fmt.esc(out.fixer_name), reporter=fmt.esc(out.reporter_name))]
    for r in out.lines:
        parts.append(t("rep.fix_line", lang, unit=fmt.esc(r.unit_name), metric=metric_name(r.metric, lang),
                       day=fmt.day(r.day, lang, ref=out.today), old=fmt.num(r.old, lang), new=fmt.num(r.new, lang)))
        parts.append(day_total(r, lang, out.today))
    if out.note:
        parts.append(t("rep.fix_reason", lang, note=fmt.esc(out.note)))
    return "\n".join(parts)


def confirm_question(out: Outcome, lang: str) -> str:
    parts = [t("rep.confirm_head", lang)]
    for reason in out.reasons:
        kind, unit, value, limit = reason.split(":", 3)
        parts.append(t(f"rep.confirm_{kind}", lang, unit=fmt.esc(unit), value=fmt.num(int(value), lang),
                       limit=fmt.num(int(limit), lang)))
    parts.append(t("rep.confirm_tail", lang))
    return "\n".join(parts)


def parse_error(out: Outcome, lang: str) -> str:
    if out.parse_error:  # the parser's explanation (in the caller's language) already carries an example
        body = fmt.esc(out.parse_error)
        if any(t("prs.example_marker", x) in out.parse_error.lower() for x in ("vi", "en")):
            return body
    else:
        code = out.parse_error_code or "generic"
        key = f"parse.{code}"
        body = t(key, lang) if key in CATALOG["vi"] else t("parse.generic", lang)
    return body + "\n" + t("rep.example", lang)


def refused(out: Outcome, lang: str) -> str:
    args = {k: (fmt.day(v, lang, ref=out.today) if isinstance(v, date) else fmt.esc(v))
            for k, v in out.error_args.items()}
    return t(out.error_key or "parse.generic", lang, **args)
