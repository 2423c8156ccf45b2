"""One audit entry as a Vietnamese (or English) sentence for /nhatky: no raw keys, no ISO dates, no
True/False. `sentence()` returns HTML (user-supplied values are escaped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.core import fmt
from bot.texts import CATALOG, t

ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def _has(key: str) -> bool:
    return key in CATALOG["vi"]


def value_text(field: str, v: Any, lang: str, *, today: date, names: Mapping[str, str]) -> str:
    """A stored audit value as a reader writes it."""
    if v is None or v == "":
        return t("audit.none", lang)
    if isinstance(v, bool):
        return t("audit.on" if v else "audit.off", lang)
    if isinstance(v, int | float):
        if field in ("weekly_day",) and isinstance(v, int) and 0 <= v <= 6:
            return t(f"wd.{v}", lang)
        return fmt.num(v, lang)
    if isinstance(v, list):
        return ", ".join(value_text(field, x, lang, today=today, names=names) for x in v[:8]) + (
            "…" if len(v) > 8 else "")
    if isinstance(v, dict):
        return "; ".join(f"{field_label(k, lang)} {value_text(k, x, lang, today=today, names=names)}"
                         for k, x in v.items())
    s = str(v)
    if field == "member":
        return fmt.esc(names.get(s, s))
    if field == "role" and _has(f"role.{s}"):
        return t(f"role.{s}", lang)
    if field == "metric" and _has(f"metric.{s}"):
        return t(f"metric.{s}", lang)
    if field == "skip_weekdays":
        days = [int(x) for x in re.findall(r"\d", s) if 0 <= int(x) <= 6]
        return ", ".join(t(f"wd.{d}", lang) for d in days) or t("audit.none", lang)
    m = ISO_DAY.match(s)
    if m:
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return fmt.day(d, lang, ref=today)
    m = CLOCK.match(s)
    if m:
        return f"{int(m[1]):02d}:{m[2]}"
    return fmt.esc(s[:80])


def field_label(field: str, lang: str) -> str:
    key = f"audit.field.{field}"
    return t(key, lang) if _has(key) else t("audit.field.other", lang)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any], lang: str, *, today: date,
             names: Mapping[str, str], skip: tuple[str, ...] = ()) -> str:
    parts = []
    for k in dict.fromkeys([*before, *after]):
        if k in skip:
            continue
        b, a = before.get(k), after.get(k)
        if k in before and k in after and b == a:
            continue
        label = field_label(k, lang)
        if k not in before:
            parts.append(f"{label} {value_text(k, a, lang, today=today, names=names)}")
        else:
            parts.append(t("audit.change", lang, field=label, old=value_text(k, b, lang, today=today, names=names),
                           new=value_text(k, a, lang, today=today, names=names)))
    return "; ".join(parts)


def _reason(reason: Any, lang: str) -> str:
    r = str(reason or "").lower()
    for word in ("national", "scope", "peer", "self", "above", "role", "admin", "leader", "member", "bound"):
        if word in r:
            return t(f"audit.why.{word}", lang)
    return t("audit.why.other", lang)


def sentence(action: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, lang: str, *,
             unit: str, refused: bool, today: date, names: Mapping[str, str]) -> str:
    """'đặt chỉ tiêu Mức 2 cho Thôn 3: 500 → 530' (without the time and the actor)."""
    b, a = dict(before or {}), dict(after or {})
    v = lambda field, x: value_text(field, x, lang, today=today, names=names)  # noqa: E731
    args = {
        "unit": fmt.esc(unit) if unit else t("audit.everywhere", lang),
        "member": v("member", a.get("member", b.get("member"))),
        "metric": v("metric", a.get("metric", b.get("metric"))),
        "old": v(action.rsplit(".", 1)[-1], None),
        "new": "",
        "changes": "",
    }
    if refused:
        key = f"org.act.{action}"
        what = t(key, lang) if _has(key) else t("audit.act.other", lang)
        return t("audit.refused", lang, what=what, unit=args["unit"], why=_reason(a.get("reason") or b.get("reason"),
                                                                                   lang))
    if action == "unit.rename":
        args.update(old=v("name", b.get("name")), new=v("name", a.get("name")))
    elif action == "member.role":
        args.update(old=v("role", b.get("role")), new=v("role", a.get("role")))
    elif action in ("target.set", "baseline.set", "official.set"):
        args.update(old=v("value", b.get("value")) if "value" in b else "", new=v("value", a.get("value")))
        day = a.get("deadline") if action == "target.set" else a.get("as_of")
        args["changes"] = t(f"audit.extra.{action}", lang, day=v("day", day)) if day else ""
        if "value" in b and b.get("value") != a.get("value"):
            args["new"] = t("audit.change_short", lang, old=args["old"], new=args["new"])
    elif action == "target.clear":
        args.update(old=v("value", b.get("value")))
    elif action in ("holiday.add", "holiday.remove"):
        src = a or b
        args.update(new=v("day", src.get("day")), old=v("name", src.get("name")))
        # "scope": "unit" = a day off of the entry's unit only; absent (entries before issue 15 item 4) = national
        args["where"] = (t("audit.holiday.unit", lang, unit=args["unit"]) if src.get("scope") == "unit"
                         else t("audit.holiday.national", lang))
        if action == "holiday.add" and b.get("name") and b.get("name") != a.get("name"):
            args["changes"] = t("audit.renamed", lang, old=v("name", b.get("name")))
    elif action in ("report.fix", "report.remove"):
        a, b = _english_keys(a), _english_keys(b)
        day = str(a.get("day") or "")
        m = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", day)
        args.update(member=fmt.esc(str(a.get("reporter") or "?")),
                    new=t("audit.change_short", lang, old=v("value", b.get("value")), new=v("value", a.get("value"))),
                    old=fmt.day(date(int(m[3]), int(m[2]), int(m[1])), lang, ref=today) if m else fmt.esc(day),
                    changes=fmt.esc(str(a.get("reason") or "–")))
    elif action == "chat.confirm_style":
        style_key = f"cfs.style.{a.get('style')}"
        args["new"] = t(style_key, lang) if _has(style_key) else v("style", a.get("style"))
    elif action == "import":
        args["changes"] = _changes({}, a, lang, today=today, names=names)
    else:
        args["changes"] = _changes(b, a, lang, today=today, names=names, skip=("member", "chat"))
    key = f"audit.s.{action}"
    if not _has(key):
        name_key = f"org.act.{action}"
        args["what"] = t(name_key, lang) if _has(name_key) else t("audit.act.other", lang)
        key = "audit.s.other"
    text = t(key, lang, **args)
    return re.sub(r"\s+([:;,.])", r"\1", text).rstrip(" :;,")


#: the keys corrections were recorded with before they were English (audit rows are kept for ever)
_LEGACY_ALIASES = {"số": "value", "người báo": "reporter", "ngày": "day", "lý do": "reason"}


def _english_keys(d: dict[str, Any]) -> dict[str, Any]:
    return {_LEGACY_ALIASES.get(k, k): v for k, v in d.items()}
