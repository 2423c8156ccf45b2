"""Line analysis: units, days and figures of one line."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.core.parsing.tokens import (
    _BULLET_RE,
    _DIGITS_RE,
    _KIND_WORD_RE,
    _LEAD_NAME_RE,
    _NEXT_WORD_RE,
    _NOT_COUNT_SUFFIX_RE,
    _TARGET_NEEDLES,
    _TARGET_RE,
    _TOKEN_RE,
    _TOTAL_LINE_RE,
    _URL_RE,
    _drop_non_counts,
    _has_any,
    _is_count,
    _Line,
    _Mention,
    _plan_clauses,
    _Seg,
    _to_int,
    _WordsRe,
)
from bot.core.parsing.units import (
    _KIND_ACCENTS,
    _KINDS_BY_FIRST,
    _NUMERIC_WORD_RE,
    _STOP,
    _WEAK_KINDS,
    _WORD_RE,
    _tie_break,
    _UnitTable,
)

# ---------------------------------------------------------------------------------------------
# Line analysis
# ---------------------------------------------------------------------------------------------


def _scan_units(
    cased: str, acc: str, plain: str, table: _UnitTable, extra_stop: frozenset[str] = frozenset()
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, _Mention]]]:
    """Known unit spans and spans that name a unit we do not know (or that is ambiguous)."""
    known: list[tuple[int, int, str]] = []
    mentions: list[tuple[int, int, _Mention]] = []
    free: list[tuple[int, int]] = []  # (start, end) of the text between names
    free_start = 0
    caps = cased.isupper()  # a line in capitals (pasted from Word): "THÔN 3 SỬA 7" is Thôn 3
    if table.regex is not None:
        matched = table.matched
        for m in table.regex.finditer(plain):  # leftmost-longest unit names
            s, e = m.span()
            name = m.group()
            cands = matched.get(name)
            if cands is None:
                cands = table.aliases[tuple(_WORD_RE.findall(name))]
                if len(matched) < 4096:  # bounded: odd spacing ("thôn - - 3") makes new texts
                    matched[name] = cands
            if len(cands) > 1:
                cands = _tie_break(cands, acc[s:e], table)
            nxt = _NEXT_WORD_RE.match(plain, e) if plain.startswith(" ", e) else None
            if (nxt and nxt.group(1) not in _STOP and nxt.group(1) not in extra_stop
                    and cased[nxt.start(1)].isupper() and not (caps and name[-1].isdigit())):
                e = nxt.end()
                mentions.append((s, e, _Mention(cased[s:e], ())))  # "Thôn Hạ Long" ≠ "Thôn Hạ"
            elif len(cands) == 1:
                known.append((s, e, cands[0]))
            else:
                mentions.append((s, e, _Mention(cased[s:e], cands)))
            free.append((free_start, s))
            free_start = e
    free.append((free_start, len(plain)))
    # a kind word (thôn, xóm, tổ...) outside the names found: maybe a unit we do not know.  Names start and
    # end at word boundaries, so scanning the gaps between them finds the same words as scanning the line.
    kind_starts = {k.start() for s, e in free if s < e for k in _KIND_WORD_RE.finditer(plain, s, e)}
    if not kind_starts:
        return known, mentions
    words = [(*m.span(), m.group()) for m in _WORD_RE.finditer(plain)]
    gaps = [plain[words[k][1] : words[k + 1][0]] for k in range(len(words) - 1)]
    spaced = [not g.strip(" -") for g in gaps]

    def joined(i: int, j: int) -> bool:  # words i..j-1 separated by spaces (or hyphens) only
        return all(spaced[i : j - 1])

    found: list[tuple[int, int, _Mention]] = []
    i = 0
    while i < len(words):
        start = words[i][0]
        if start in kind_starts:
            mention = _kind_mention(i, words, cased, acc, table, joined)
            if mention is not None:
                end_index, named = mention
                found.append((start, words[end_index][1], named))
                i = end_index + 1
                continue
        i += 1
    if found:  # a longer unknown name wins over a known name inside it ("Thôn Hòa Đồng Tâm")
        known = [k for k in known if not any(s < k[1] and k[0] < e for s, e, _ in found)]
        mentions = sorted(mentions + found, key=lambda x: x[0])
    return known, mentions


def _kind_mention(
    i: int,
    words: list[tuple[int, int, str]],
    cased: str,
    acc: str,
    table: _UnitTable,
    joined: Callable[[int, int], bool],
) -> tuple[int, _Mention] | None:
    """`words[i]` starts a kind word (thôn, xóm, tổ...) followed by a name we do not know."""
    n = len(words)
    for kind in _KINDS_BY_FIRST.get(words[i][2], ()):
        k = len(kind)
        if i + k > n or tuple(x[2] for x in words[i : i + k]) != kind:
            continue
        first_acc = acc[words[i][0] : words[i][1]]
        if first_acc != words[i][2] and first_acc not in _KIND_ACCENTS[kind]:
            continue  # "bạn" is not "bản", "tờ" is not "tổ"
        if k > 1 and not joined(i, i + k):
            continue
        name: list[int] = []
        j = i + k
        while j < n and len(name) < 4:
            prev_end = words[j - 1][1]
            if cased[prev_end : words[j][0]] != " ":
                break
            w = words[j][2]
            if _NUMERIC_WORD_RE.fullmatch(w):
                if not name:
                    name.append(j)
                break
            if w in _STOP or not w.isalpha():
                break
            name.append(j)
            j += 1
        if not name:
            return None
        last = name[-1]
        s, e = words[i][0], words[last][1]
        text = cased[s:e]
        name_words = tuple(words[x][2] for x in name)
        if _NUMERIC_WORD_RE.fullmatch(name_words[0]):
            return last, _Mention(text, ())
        for p in range(len(name_words), 0, -1):
            cands = table.prefixes.get(kind + name_words[:p])
            if cands and p < len(name_words):  # "Thôn Nhân Lí": the whole name, with a suggestion
                return last, _Mention(text, _near(table, kind + name_words) or cands)
            if cands:
                return name[p - 1], _Mention(cased[s : words[name[p - 1]][1]], cands)
        near = _near(table, kind + name_words)
        if near:
            return last, _Mention(text, near)
        weak = kind in _WEAK_KINDS or (kind == ("ban",) and first_acc == "ban")  # "ban" is also "bạn"
        if not weak or cased[words[name[0]][0]].isupper():
            return last, _Mention(text, ())
        return None
    return None


def _one_letter_apart(a: str, b: str) -> bool:
    """One letter changed, added or dropped ("li" / "ly", "trunq" / "trung")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _near(table: _UnitTable, words: tuple[str, ...]) -> tuple[str, ...]:
    """Units whose name is one letter away from `words` (a suggestion only, never a match)."""
    joined = " ".join(words)
    if len(joined) < 6 or any(w.isdigit() for w in words):
        return ()
    return tuple(u for u in table.names if _one_letter_apart(" ".join(table.words[u]), joined))


def _resolve_day(nums: list[int], today: date) -> tuple[date | None, tuple[str, str] | None]:
    """Numbers of a date token ([d], [d, m] or [d, m, y]) -> a date, or an error (code, detail)."""
    d = nums[0]
    if len(nums) == 1:
        m, y, explicit_year = today.month, today.year, True
    else:
        m = nums[1]
        explicit_year = len(nums) > 2
        y = nums[2] if explicit_year else today.year
        if explicit_year and y < 100:
            y += 2000
    shown = "/".join(str(x) for x in nums)
    try:
        day = date(y, m, d)
    except (ValueError, OverflowError):
        if explicit_year:
            return None, ("bad_date", shown)
        try:
            day = date(y - 1, m, d)  # 29/2 of last year
        except (ValueError, OverflowError):
            return None, ("bad_date", shown)
    if not explicit_year and day > today and (day - today).days > 183:
        try:
            day = date(y - 1, m, d)  # "31/12" written on 2 January
        except (ValueError, OverflowError):
            return None, ("bad_date", shown)
    return day, None


def _day_word(word: str, today: date) -> date:
    w = word.replace(" ", "")
    if w.endswith("nay"):
        return today
    if w.endswith("qua"):
        return today - timedelta(days=1)
    if w.endswith("kia"):
        return today - timedelta(days=2)
    return today + timedelta(days=1)  # ngày mai


_Span = tuple[int, int, str]
_MentionSpan = tuple[int, int, _Mention]


def _find_units(
    cased: str, acc: str, plain: str, table: _UnitTable, extra_stop: frozenset[str]
) -> tuple[list[_Span], list[_MentionSpan]]:
    """Unit names of a line; a capitalised short name leading the line ("Thượng: 25", "Đông 6") too."""
    known, mentions = _scan_units(cased, acc, plain, table, extra_stop)
    if not known and not mentions and table.short:
        lead = _LEAD_NAME_RE.match(plain)
        if lead and lead.group(1) in table.short and cased[0].isupper():
            cands = _tie_break(table.short[lead.group(1)], acc[: lead.end(1)], table)
            if len(cands) == 1:
                known = [(0, lead.end(1), cands[0])]
            else:
                mentions = [(0, lead.end(1), _Mention(cased[: lead.end(1)], cands))]
    return known, mentions


def _mask_names(plain: str, known: list[_Span], mentions: list[_MentionSpan]) -> str:
    """The line with unit names blanked (their digits are not figures); "Thôn 3-12": the dash is a separator."""
    if len(known) + len(mentions) == 1:  # the usual case: one name
        s, e, _ = known[0] if known else mentions[0]
        if known and plain.startswith("-", e):
            e += 1
        text = plain[:s] + " " * (e - s) + plain[e:]
    elif known or mentions:
        masked = list(plain)
        for s, e, _ in known:
            masked[s:e] = " " * (e - s)
        for s, e, _ in mentions:
            masked[s:e] = " " * (e - s)
        for _, e, _ in known:
            if e < len(masked) and masked[e] == "-":
                masked[e] = " "
        text = "".join(masked)
    else:
        text = plain
    if "http" in text or "www." in text or "@" in text or "#" in text:
        text = _URL_RE.sub(lambda m: " " * len(m.group()), text)
    return text


def _segments(known: list[_Span], length: int) -> tuple[list[_Seg], _Seg | None]:
    """One segment per unit; with several units the text before the first one is a shared prefix."""
    if len(known) <= 1:
        return [_Seg(known[0][2] if known else None, 0, length)], None
    prefix = _Seg(None, 0, known[0][0])
    segs = [_Seg(u, e, known[k + 1][0] if k + 1 < len(known) else length) for k, (_, e, u) in enumerate(known)]
    return segs, prefix


class _Scan:
    """The tokens of one line, each handled by the method named after its kind (``_TOKEN_RE`` groups)."""

    def __init__(self, line: _Line, text: str, cased: str, today: date, metrics: frozenset[str],
                 extra_after: frozenset[str], not_after: int) -> None:
        self.line, self.text, self.cased, self.today, self.metrics = line, text, cased, today, metrics
        self.extra_after = extra_after
        self.plans = _plan_clauses(text)
        self.not_after = not_after  # numbers after a target, a phone or a code word are not counts
        segs, prefix = line.segs, line.prefix
        self.single = segs[0] if prefix is None and len(segs) == 1 else None

    def seg_at(self, pos: int) -> _Seg:
        if self.single is not None:
            return self.single
        prefix = self.line.prefix
        if prefix is not None and pos < prefix.end:
            return prefix
        for seg in self.line.segs:
            if seg.start <= pos < seg.end:
                return seg
        return self.line.segs[-1]

    def counted(self, start: int, end: int) -> bool:
        """A number here is a daily count: not after a target word, not in a plan, nothing else around it;
        not in a question ("hôm qua 6 hay 8 ạ?"); not "30 độ" (plain "do" is also "do mất sóng": because)."""
        if start > self.not_after or self.line.question or any(a <= start < b for a, b in self.plans):
            return False
        if self.cased[end : end + 3].lower() == " độ":
            return False
        return _is_count(self.text, start, end, self.extra_after)

    def run(self) -> None:
        handlers = _HANDLERS
        for m in _TOKEN_RE.finditer(self.text):
            handler = handlers.get(m.lastgroup or "")
            if handler is not None:  # ord, phone, area: never counts
                handler(self, m)

    def num(self, m: re.Match[str]) -> None:
        pos = m.start()
        sign, number, pct, other = m.group("sign", "nv", "pct", "other")
        if pos > self.not_after or other is not None:  # a target; a duration, an amount...
            return
        if pct is not None:
            self.seg_at(pos).pct = True
            return
        value = _to_int(number)
        if value is None or (number[0] == "0" and len(number) > 2):  # an id, a phone number...
            return
        if not self.counted(pos, m.end()):
            self.line.other_number = True
        elif sign is None:
            self.seg_at(pos).counts.append((pos, value, "set"))
        elif sign[0] == "+":
            self.seg_at(pos).counts.append((pos, value, "add"))
        else:
            seg = self.seg_at(pos)
            seg.negative = seg.negative or m.group()

    def kw(self, m: re.Match[str]) -> None:
        self.line.keyword = True

    def add(self, m: re.Match[str]) -> None:
        value = _to_int(m.group("av"))
        if value is None or _NOT_COUNT_SUFFIX_RE.match(self.text, m.end()) or not self.counted(m.start(), m.end()):
            return
        self.seg_at(m.start()).counts.append((m.start(), value, "add"))

    def glued(self, m: re.Match[str]) -> None:
        # "12m2": 12 at level 2 - but only next to a unit name or a report keyword ("nhà 50m2" is an area)
        pos = m.start()
        value = _to_int(m.group("gv"))
        code = f"l{m.group('gm')}"
        if value is not None and code in self.metrics:
            self.seg_at(pos).counts.append((pos, value, "set"))
            self.seg_at(pos).metrics.append((pos + len(m.group("gv")), code))

    def metric(self, m: re.Match[str]) -> None:
        self.line.metric_word = True
        code = f"l{int(m.group('mn') or m.group('mn2'))}"
        if code in self.metrics:
            self.seg_at(m.start()).metrics.append((m.start(), code))
        else:
            self.seg_at(m.start()).bad_metric = self.cased[m.start() : m.end()]

    def cum(self, m: re.Match[str]) -> None:
        self.line.keyword = True
        pos = m.start()
        if not self.counted(pos, m.end()):
            return
        cum = _to_int(m.group("cv"))
        cm = f"l{m.group('cm')}" if m.group("cm") else None
        if cm is not None and cm not in self.metrics:
            self.seg_at(pos).bad_metric = self.cased[m.start() : m.end()]
        elif cum is not None:
            self.seg_at(pos).cums.append((pos, cum, _to_int(m.group("ct") or ""), cm))

    def cumpost(self, m: re.Match[str]) -> None:  # "1.204 lũy kế"
        self.line.keyword = True
        pos = m.start()
        cum = _to_int(m.group("pv"))
        if cum is not None and self.counted(pos, pos + len(m.group("pv"))):
            self.seg_at(pos).cums.append((pos, cum, None, None))

    def frac(self, m: re.Match[str]) -> None:
        pos = m.start()
        if not self.counted(pos, m.end()):
            return
        a, b = m.group().split("/")
        cum = _to_int(a)
        if cum is not None:
            self.seg_at(pos).cums.append((pos, cum, _to_int(b), None))

    def dec(self, m: re.Match[str]) -> None:
        seg = self.seg_at(m.start())
        if m.group("decpct") is not None:
            seg.pct = True  # 79,7%
        else:
            seg.decimal = seg.decimal or m.group()

    def nr(self, m: re.Match[str]) -> None:
        self.seg_at(m.start()).no_report = True
        self.line.keyword = True

    def zero(self, m: re.Match[str]) -> None:
        self.seg_at(m.start()).zero = True

    def date(self, m: re.Match[str]) -> None:
        day, err = _resolve_day([int(x) for x in _DIGITS_RE.findall(m.group())], self.today)
        if err is not None:
            self.line.day_error = self.line.day_error or err
        elif day is not None:
            self.line.days.append(day)

    def dayw(self, m: re.Match[str]) -> None:
        try:
            self.line.days.append(_day_word(m.group(), self.today))
        except OverflowError:
            self.line.day_error = self.line.day_error or ("bad_date", m.group())

    def time(self, m: re.Match[str]) -> None:
        self.line.timed = True


_HANDLERS: dict[str, Callable[[_Scan, re.Match[str]], None]] = {
    "num": _Scan.num, "kw": _Scan.kw, "add": _Scan.add, "glued": _Scan.glued, "metric": _Scan.metric,
    "cum": _Scan.cum, "cumpost": _Scan.cumpost, "frac": _Scan.frac, "dec": _Scan.dec, "nr": _Scan.nr,
    "nr2": _Scan.nr, "zero": _Scan.zero, "zero2": _Scan.zero, "date": _Scan.date, "wdate": _Scan.date,
    "dayw": _Scan.dayw, "time": _Scan.time, "wtime": _Scan.time,
}


def _take_phrases(text: str, words_re: _WordsRe) -> tuple[str, list[tuple[int, str]]]:
    """The database's metric words found (and blanked, so that "số" of "học vụ số" is not a reference)."""
    phrase_re, code_of, _ = words_re
    phrases: list[tuple[int, str]] = []
    if phrase_re is not None:
        for w in phrase_re.finditer(text):
            phrases.append((w.start(), code_of[" ".join(_WORD_RE.findall(w.group()))]))
            text = text[: w.start()] + " " * (w.end() - w.start()) + text[w.end() :]
    return text, phrases


def _analyse_line(
    no: int, cased: str, acc: str, plain: str, table: _UnitTable, today: date, metrics: frozenset[str],
    extra_metrics: frozenset[str], words_re: _WordsRe,
) -> _Line | None:
    bullet = _BULLET_RE.match(plain) if plain and not plain[0].isalpha() else None  # bullets: 1. - • ...
    if bullet:
        cut = bullet.end()
        cased, acc, plain = cased[cut:], acc[cut:], plain[cut:]
    if not plain.strip():
        return None
    known, mentions = _find_units(cased, acc, plain, table, words_re[2])
    text, phrases = _take_phrases(_mask_names(plain, known, mentions), words_re)
    # (before the references are blanked: "sđt 0385 112 233")
    target = _TARGET_RE.search(text) if _has_any(text, _TARGET_NEEDLES) else None
    text = _drop_non_counts(text)
    segs, prefix = _segments(known, len(text))
    line = _Line(
        no=no, text=cased, plain=plain, segs=segs, prefix=prefix, units=[u for _, _, u in known],
        mentions=[m for _, _, m in mentions], question="?" in cased,
        total=not known and bool(_TOTAL_LINE_RE.match(text.lstrip())),
    )
    scan = _Scan(line, text, cased, today, metrics, words_re[2], target.start() if target else len(text))
    scan.run()
    for start, code in phrases:
        line.metric_word = True
        scan.seg_at(start).metrics.append((start, code))
    if extra_metrics:
        for w in _WORD_RE.finditer(text):
            if w.group() in extra_metrics:
                line.metric_word = True
                scan.seg_at(w.start()).metrics.append((w.start(), w.group()))
    if line.timed and not line.keyword and not line.metric_word:
        for seg in line.all_segs():  # a meeting, an appointment: its numbers are not counts
            seg.counts.clear()
            seg.cums.clear()
            seg.pct = False
            seg.decimal = seg.negative = None
    for seg in line.all_segs():
        if len(seg.metrics) > 1:
            seg.metrics.sort()
    return line.finish()
