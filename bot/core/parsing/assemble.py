"""Segments -> report lines, and the parser's entry points (errors, metric words)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache

from bot.core.parsing.folding import _fold_lines, _fold_one
from bot.core.parsing.model import REPORT_COMMANDS, Mode, ParsedReport, ReportLine
from bot.core.parsing.scan import _analyse_line
from bot.core.parsing.tokens import _NO_WORDS, _Line, _Mention, _MetricWordsKey, _Seg, _WordsRe
from bot.core.parsing.units import _WORD_RE, _unit_table, _UnitTable
from bot.texts import CATALOG, t

# ---------------------------------------------------------------------------------------------
# Segments -> report lines
# ---------------------------------------------------------------------------------------------


class _LineError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def _pair(
    counts: list[tuple[int, int, Mode]], metrics: list[tuple[int, str]], default_metric: str | None
) -> list[tuple[int, int, Mode, str | None]]:
    """(pos, value, mode, metric) for each daily figure of a segment."""
    if not metrics:
        if len(counts) != 1:
            raise _LineError("bad_line", "several")
        pos, value, mode = counts[0]
        return [(pos, value, mode, default_metric)]
    if len(metrics) != len(counts):
        raise _LineError("bad_line", "mismatch")
    if len(metrics) == 1:
        pos, value, mode = counts[0]
        return [(pos, value, mode, metrics[0][1])]
    # several metrics: "m1 4, m2 9" (metric first) or "4 mức 1 và 6 mức 2" (figure first)
    events = sorted([(p, "m") for p, _ in metrics] + [(p, "c") for p, _, _ in counts])
    order = "".join(k for _, k in events)
    if order not in ("mc" * len(metrics), "cm" * len(metrics)):
        raise _LineError("bad_line", "mismatch")
    return [(c[0], c[1], c[2], m[1]) for c, m in zip(counts, metrics, strict=True)]


def _segment_lines(seg: _Seg, unit: str | None, default_metric: str | None) -> list[ReportLine] | None:
    """Report lines of one segment, None when it has no figure at all; raises _LineError."""
    if seg.negative:
        raise _LineError("negative", seg.negative)
    if seg.bad_metric:
        raise _LineError("unknown_metric", seg.bad_metric)
    counts = seg.counts
    if not counts:
        if seg.no_report:
            metric = seg.metrics[0][1] if len(seg.metrics) == 1 else default_metric
            return [ReportLine(unit=unit, metric=metric, no_report=True)]
        if not seg.zero or seg.cums:
            return None
        counts = [(seg.start, 0, "set")]  # "không phát sinh"
    elif seg.no_report:
        raise _LineError("bad_line", "no_report_and_value")
    if seg.decimal:
        raise _LineError("bad_number", seg.decimal)
    pairs = _pair(counts, seg.metrics, default_metric)
    cums: dict[int, tuple[int, int | None]] = {}
    for cpos, cum, tgt, cmetric in seg.cums:
        if cmetric is not None and len(pairs) > 1:  # "LK m2: 402/600"
            same = [k for k, p in enumerate(pairs) if p[3] == cmetric]
            if len(same) != 1:
                raise _LineError("bad_line", "cumulative_metric")
            idx = same[0]
        elif len(pairs) == 1:
            if cmetric is not None and pairs[0][3] not in (None, cmetric):
                raise _LineError("bad_line", "cumulative_metric")
            idx = 0
        else:
            before = [k for k, p in enumerate(pairs) if p[0] < cpos]
            idx = before[-1] if before else 0
        if idx in cums:
            raise _LineError("bad_line", "several_cumulative")
        cums[idx] = (cum, tgt)
    if not cums:
        return [ReportLine(unit=unit, metric=metric, value=value, mode=mode) for _, value, mode, metric in pairs]
    return [
        ReportLine(
            unit=unit,
            metric=metric,
            value=value,
            mode=mode,
            cumulative=cums.get(k, (None, None))[0],
            target=cums.get(k, (None, None))[1],
        )
        for k, (_, value, mode, metric) in enumerate(pairs)
    ]


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

# a report needs a digit, or a "no report" / "none today" phrase (see `_Line.reportish`)
_MAYBE_REPORT_RE = re.compile(r"\d|(?<![a-z])(?:chua|khong|ko|k)(?![a-z])")
# a bare figure: "12", "hôm nay 6", "hqua: 5 tk", "ngày 13/8 được 4 m2" (no unit, no other word)
_BARE_RE = re.compile(
    r"(?:(?:hom nay|hnay|hom qua|hqua|ngay \d{1,2}/\d{1,2}(?:/\d{2,4})?)\s*[:,\-]?\s*)?(?:(?:duoc|dc|dat)\s+)?"
    r"\+?\d{1,4}\s*(?:tk|tai khoan)?\s*(?:m[12]|muc [12])?\s*(?:a|nhe|nha|ah)?\s*[.!]?"
)
_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?=\s|$)")


def _fmt_day(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


# the units the reporter may report for (parse_report(allowed=...)): hints and examples name only these
_ALLOWED: ContextVar[tuple[str, ...] | None] = ContextVar("vneid_allowed_units", default=None)


def _hint_names(table: _UnitTable) -> tuple[str, ...]:
    allowed = _ALLOWED.get()
    return table.names if allowed is None else tuple(n for n in table.names if n in set(allowed))


def _example_unit(table: _UnitTable, lang: str) -> str:
    names = _hint_names(table)
    return names[0] if names else t("prs.example_unit", lang)


def _error_text(code: str, detail: str, table: _UnitTable, mention: _Mention | None = None, lang: str = "vi") -> str:
    """The explanation of an error, from the message catalog (bot/texts/parsing.py)."""
    ex = _example_unit(table, lang)
    if code in ("unknown_unit", "ambiguous_unit") and mention is not None:
        if code == "unknown_unit" and len(mention.candidates) == 1:
            return t("prs.unknown_unit_one", lang, name=mention.text, cand=mention.candidates[0])
        if code == "ambiguous_unit":
            return t("prs.ambiguous_unit", lang, name=mention.text, cands=", ".join(mention.candidates),
                     first=mention.candidates[0])
        names = _hint_names(table)
        known = ", ".join(names[:8]) + (", …" if len(names) > 8 else ".")
        where = t("prs.known_units", lang, known=known) if names else ""
        return t("prs.unknown_unit", lang, name=mention.text, where=where, ex=ex)
    if code == "bad_date" and detail == "mixed":
        return t("prs.bad_date_mixed", lang, ex=ex)
    if code == "duplicate" and not detail:  # the reporter's own unit (a line without a unit name)
        detail = t("prs.own_unit", lang)
    key = f"prs.{code}" if f"prs.{code}" in CATALOG["vi"] else "prs.no_value"
    return t(key, lang, detail=detail, ex=ex)


def _error(
    code: str, table: _UnitTable, *, line: _Line | None = None, multi: bool = False, detail: str = "",
    mention: _Mention | None = None, is_command: bool = False, lang: str = "vi",
) -> ParsedReport:
    text = _error_text(code, detail, table, mention, lang)
    line_no = line.no if (line is not None and multi) else None
    if line_no is not None and line is not None:
        text = t("prs.line", lang, no=line_no, line=line.text, text=text)
    return ParsedReport(kind="error", error=text, error_code=code, error_line=line_no, is_command=is_command)


@lru_cache(maxsize=64)
def _metric_sets(metrics: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """All metric codes, and those that are written as words (not lN, which "mức N" / "mN" names)."""
    codes = frozenset(str(m) for m in metrics)
    return codes, frozenset(m for m in codes if m.isalnum() and not re.fullmatch(r"l\d{1,2}", m))




def _metric_words_key(metric_words: Mapping[str, Sequence[str]] | None) -> _MetricWordsKey:
    """A hashable, bounded form of `metric_words` (codes and words as given; bad entries dropped)."""
    if not metric_words:
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    try:
        items = list(metric_words.items())[:64]
    except (AttributeError, TypeError):
        return ()
    for code, words in items:
        if not isinstance(code, str) or not code or isinstance(words, str):
            continue
        try:
            kept = tuple(w for w in list(words)[:32] if isinstance(w, str) and 0 < len(w) <= 80)
        except TypeError:
            continue
        if kept:
            out.append((code, kept))
    return tuple(out)


def _first_words(code_of: dict[str, str]) -> frozenset[str]:
    """First words of the extra metric words: they end a unit name ("Thôn 3 BDHVS 5")."""
    return frozenset(w.split(" ")[0] for w in code_of) | frozenset(code_of.values())


@lru_cache(maxsize=64)
def _metric_words_regex(key: _MetricWordsKey) -> _WordsRe:
    """One regex for the extra metric words (plain, word-bounded, longest first) and word -> code."""
    code_of: dict[str, str] = {}
    for code, words in key:
        for w in words:
            plain = " ".join(_WORD_RE.findall(_fold_one(w)[2]))
            if plain and plain not in code_of:
                code_of[plain] = code
    if not code_of:
        return _NO_WORDS
    alts = sorted(code_of, key=lambda x: (-len(x), x))
    body = "|".join(r"[\s\-]+".join(re.escape(part) for part in a.split(" ")) for a in alts)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"), code_of, _first_words(code_of)


def parse_report(
    text: str,
    *,
    today: date,
    units: Sequence[str],
    metrics: Sequence[str] = ("l1", "l2"),
    metric_words: Mapping[str, Sequence[str]] | None = None,
    unit_known: bool = False,
    lang: str = "vi",
    allowed: Sequence[str] | None = None,
) -> ParsedReport:
    """Parse one chat message (or a whole ``/baocao ...`` / ``/report@Bot ...`` command) into a report.

    `today`: the local date the message arrived (``hôm qua`` is the day before; later days are refused);
    `units`: the unit names the reporter may name (lines carry these canonical names, or None = own unit);
    `metrics`: the metric codes that exist (``mức 2`` / ``m2`` is ``l2``; None on a line = default metric);
    `metric_words`: extra vocabulary from the database, metric code -> the words members type for it
    (``{"bdhvs": ["bình dân học vụ số", "bdhvs"]}``), matched without case or diacritics, alongside the
    built-in mức 1 / mức 2 words; its codes count as existing metrics;
    `unit_known`: the chat or the member determines the unit (a village member, a group bound to one village):
    a bare figure ("12", "hôm nay 6", "hqua 5 tk") is then a report for the own unit (unit None); without it
    such a message is the error ``no_unit`` (a hint: name the unit);
    `lang`: the language of `error` (``vi`` by default, ``en``), from the message catalog (bot/texts/parsing.py).
    `allowed`: of `units`, those the reporter may report for: the hints and examples of errors name only these
    (None = all of `units`).

    Returns kind ``report`` (day + lines), ``not_report`` (chatter, or a command other than /baocao and
    /report: `is_command` tells) or ``error`` (`error` in `lang`, `error_code` from ERROR_CODES,
    `error_line` when the message has several lines). Never raises.
    """
    token = _ALLOWED.set(tuple(allowed) if allowed is not None else None)
    try:
        return _parse_report(text, today=today, units=units, metrics=metrics, metric_words=metric_words,
                             unit_known=unit_known, lang=lang)
    finally:
        _ALLOWED.reset(token)


def _parse_report(text: str, *, today: date, units: Sequence[str], metrics: Sequence[str],
                  metric_words: Mapping[str, Sequence[str]] | None, unit_known: bool, lang: str) -> ParsedReport:
    if isinstance(today, datetime):
        today = today.date()
    table = _unit_table(tuple(units))
    words_key = _metric_words_key(metric_words)
    metric_set, extra_metrics = _metric_sets(tuple(metrics) + tuple(code for code, _ in words_key))
    words_re = _metric_words_regex(words_key) if words_key else _NO_WORDS
    if not isinstance(text, str):
        text = ""
    folded = _fold_lines(text)

    is_command = False
    first = 0
    while first < len(folded) and not folded[first][0]:
        first += 1
    if first < len(folded) and folded[first][0][0] == "/":
        cmd = _COMMAND_RE.match(folded[first][0])
        if cmd:
            is_command = True
            if cmd.group(1).lower() not in REPORT_COMMANDS:
                return ParsedReport(kind="not_report", is_command=True)
            cut = cmd.end()
            c, a, p = folded[first]
            folded[first] = (c[cut:].strip(), a[cut:].strip(), p[cut:].strip())

    # (one search over the joined lines: a newline is neither a letter nor a digit, like a line's ends)
    plain_all = folded[0][2] if len(folded) == 1 else "\n".join(p for _, _, p in folded)
    if not is_command and not _MAYBE_REPORT_RE.search(plain_all):
        return ParsedReport(kind="not_report")  # no digit, no "chưa bc" / "không có": chatter
    lines: list[_Line] = []
    for k, (c, a, p) in enumerate(folded):
        ln = _analyse_line(k + 1, c, a, p, table, today, metric_set, extra_metrics, words_re)
        if ln is not None:
            lines.append(ln)
    multi = len(lines) > 1

    if not is_command and len(lines) == 1 and not lines[0].reportish and _BARE_RE.fullmatch(lines[0].plain):
        if unit_known:
            lines[0].reportish = True
        elif not lines[0].plain.isdigit():  # "hôm nay 6": a hint; a lone "12" may answer anything: silence
            return _error("no_unit", table, lang=lang)
    if not is_command and not any(ln.reportish for ln in lines):
        return ParsedReport(kind="not_report")
    if is_command and not lines:
        return _error("usage", table, is_command=True, lang=lang)
    return _assemble(lines, table, today, multi=multi, is_command=is_command, lang=lang)


def _heading(ln: _Line) -> bool:
    """A heading that names the metric of the lines below (one metric) or the table's columns (several)."""
    if ln.units or ln.mentions or ln.prefix is not None or ln.has_number:
        return False
    metrics = ln.segs[0].metrics
    return bool(metrics) and len({code for _, code in metrics}) == len(metrics)


class _Fail(Exception):
    """The message is refused: error `code` about `line`."""

    def __init__(self, code: str, line: _Line | None, detail: str = "", mention: _Mention | None = None) -> None:
        super().__init__(code)
        self.code, self.line, self.detail, self.mention = code, line, detail, mention


class _Assembly:
    """Report lines of a whole message, line by line (all or nothing: the first bad line raises _Fail)."""

    def __init__(self, lines: list[_Line], multi: bool) -> None:
        self.multi = multi
        self.out: list[ReportLine] = []
        self.origin: list[_Line] = []  # the line each report line came from
        self.day: date | None = None
        self.day_line: _Line | None = None
        self.context: str | None = None  # unit named by an earlier line
        self.headers: dict[str, tuple[_Line, bool]] = {}  # unit header lines (unit, no figure) -> used?
        self.has_totals = any(ln.total for ln in lines) and any(
            not ln.total and (ln.units or ln.has_number) for ln in lines
        )
        self.heading_metric: str | None = None  # "BÁO CÁO ... MỨC 1 NGÀY 13/8" over village lines
        self.columns: list[str] = []  # "Đơn vị | Mức 1 | Mức 2" over a table

    def add_line(self, ln: _Line) -> None:
        if ln.mentions:
            m = ln.mentions[0]
            raise _Fail("ambiguous_unit" if len(m.candidates) > 1 else "unknown_unit", ln, mention=m)
        if ln.day_error:
            raise _Fail(ln.day_error[0], ln, ln.day_error[1])
        for d in ln.days:
            if self.day is None:
                self.day, self.day_line = d, ln
            elif d != self.day:
                raise _Fail("bad_date", ln, "mixed")
        if ln.total and self.has_totals:
            return  # "Tổng: 43" under a leader's table
        if self.multi and _heading(ln):
            codes = [code for _, code in ln.segs[0].metrics]
            if len(codes) == 1:
                self.heading_metric = codes[0]
            else:
                self.columns = codes
            return
        default_metric = self._prefix_metric(ln)
        for seg in ln.segs:
            self._add_segment(ln, seg, default_metric)
        if len(ln.units) == 1:
            self.context = ln.units[0]

    def _prefix_metric(self, ln: _Line) -> str | None:
        """The metric for the line's units: named before the first unit, else the heading's."""
        prefix = ln.prefix
        if prefix is None:
            return self.heading_metric
        if prefix.counts or prefix.negative or prefix.cums:
            raise _Fail("bad_line", ln)
        if prefix.bad_metric:
            raise _Fail("unknown_metric", ln, prefix.bad_metric)
        if len(prefix.metrics) > 1:
            raise _Fail("bad_line", ln)
        return prefix.metrics[0][1] if prefix.metrics else self.heading_metric

    def _add_segment(self, ln: _Line, seg: _Seg, default_metric: str | None) -> None:
        if ln.prefix is not None and ln.prefix.no_report and not seg.counts:
            seg.no_report = True  # "Chưa bc: Thôn 3, Thôn 5"
        unit = seg.unit if seg.unit is not None else self.context
        if self.columns and not seg.metrics and len(seg.counts) == len(self.columns):
            seg.metrics = [(pos - 1, code) for (pos, _, _), code in zip(seg.counts, self.columns, strict=True)]
        try:
            got = _segment_lines(seg, unit, default_metric)
        except _LineError as exc:
            raise _Fail(exc.code, ln, exc.detail) from None
        if got is None:
            self._no_figure(ln, seg, unit)
            return
        if seg.unit is None and unit is not None and unit in self.headers:
            self.headers[unit] = (self.headers[unit][0], True)
        self.out.extend(got)
        self.origin.extend([ln] * len(got))

    def _no_figure(self, ln: _Line, seg: _Seg, unit: str | None) -> None:
        """A segment without a daily figure: a unit header, a cumulative under the figure, or a bad line."""
        if seg.decimal and not seg.pct and not seg.cums:
            raise _Fail("bad_number", ln, seg.decimal)
        out = self.out
        if seg.unit is not None:
            if seg.pct or seg.cums or len(ln.segs) > 1:
                raise _Fail("no_value", ln)
            self.headers.setdefault(seg.unit, (ln, False))
        elif len(seg.cums) == 1 and out and out[-1].unit == unit and out[-1].value is not None:
            # "Lũy kế 412/530" on the line under the figure
            _, cum, tgt, cmetric = seg.cums[0]
            if out[-1].cumulative is None and cmetric in (None, out[-1].metric):
                out[-1] = replace(out[-1], cumulative=cum, target=tgt)

    def result(self, lines: list[_Line], today: date, is_command: bool) -> ParsedReport:
        out = self.out
        unused = [h for h, used in self.headers.values() if not used and not any(r.unit == h.units[0] for r in out)]
        if unused:
            raise _Fail("no_value", min(unused, key=lambda h: h.no))
        if not out:
            raise _Fail("usage" if is_command else "no_value", lines[0] if len(lines) == 1 and not is_command else None)
        seen: set[tuple[str | None, str | None]] = set()
        for r, ln in zip(out, self.origin, strict=True):
            key = (r.unit, r.metric)
            if key in seen:
                raise _Fail("duplicate", ln, r.unit or "")  # "": the own unit (_error_text names it)
            seen.add(key)
        day = self.day if self.day is not None else today
        if day > today:
            raise _Fail("future_day", self.day_line, _fmt_day(day))
        return ParsedReport(kind="report", day=day, lines=out, is_command=is_command)


def _assemble(
    lines: list[_Line], table: _UnitTable, today: date, *, multi: bool, is_command: bool, lang: str = "vi"
) -> ParsedReport:
    asm = _Assembly(lines, multi)
    try:
        for ln in lines:
            asm.add_line(ln)
        return asm.result(lines, today, is_command)
    except _Fail as f:
        return _error(f.code, table, line=f.line, multi=multi, detail=f.detail, mention=f.mention,
                      is_command=is_command, lang=lang)
