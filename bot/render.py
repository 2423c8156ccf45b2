"""Turn service outcomes into chat text (through the message catalog)."""

from __future__ import annotations

from datetime import date

from bot import fmt
from bot.reports import LineResult, Outcome
from bot.texts import CATALOG, t


def metric_name(code: str, lang: str) -> str:
    key = f"metric.{code}"
    return t(key, lang) if key in CATALOG.get(lang, CATALOG["vi"]) else code.upper()


def _line(r: LineResult, lang: str, *, with_unit: bool = True) -> str:
    value = fmt.num(r.new, lang) if r.old is None or r.old == r.new else f"{fmt.num(r.old, lang)} → {fmt.num(r.new, lang)}"
    if r.target:
        cum = t("rep.cum_target", lang, cum=fmt.num(r.cumulative, lang), target=fmt.num(r.target, lang),
                pct=fmt.pct(r.pct, lang))
    else:
        cum = t("rep.cum", lang, cum=fmt.num(r.cumulative, lang))
    return t("rep.line", lang, unit=fmt.esc(r.unit_name), metric=metric_name(r.metric, lang), value=value, cum=cum)


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


def stored(out: Outcome, lang: str) -> str:
    days = sorted({r.day for r in out.lines})
    head_key = "rep.updated" if out.edited else "rep.stored"
    parts = [t(head_key, lang, day=", ".join(fmt.day(d, lang) for d in days))]
    parts += [_line(r, lang) for r in out.lines]
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
                       day=fmt.day(r.day, lang), old=fmt.num(r.old, lang), new=fmt.num(r.new, lang)))
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
    if lang == "vi" and out.parse_error:
        body = fmt.esc(out.parse_error)
        if "ví dụ" in out.parse_error.lower():  # the parser's explanation already carries an example
            return body
    else:
        code = out.parse_error_code or "generic"
        key = f"parse.{code}"
        body = t(key, lang) if key in CATALOG["vi"] else t("parse.generic", lang)
    return body + "\n" + t("rep.example", lang)


def refused(out: Outcome, lang: str) -> str:
    args = {k: (fmt.day(v, lang) if isinstance(v, date) else fmt.esc(v)) for k, v in out.error_args.items()}
    return t(out.error_key or "parse.generic", lang, **args)
