"""Vietnamese report text -> ParsedReport (pure functions, no I/O).

Pipeline (DESIGN §4):

1. fold the text: drop zero-width/format characters, ``Ð`` -> ``Đ``, NFC, lower-case, fold whitespace;
   keep three aligned copies of every line: *cased* (original case, diacritics), *acc* (lower case,
   diacritics) and *plain* (lower case, no diacritics) - positions are the same in all three;
2. a slash command is split off; only ``/baocao`` and ``/report`` carry a report;
3. each line: strip list numbering, find unit names (longest match on normalised words, with one regex
   per unit list, cached), find names that look like units but are not known (``Thôn 99``) or match
   several units, then scan the rest with one tokenizer regex (figures, metrics, dates, times, ...);
4. a line with several units is cut into one segment per unit; each segment pairs its daily
   figures with its metric words;
5. the message is all or nothing: the first bad line makes the whole result an error naming it.

Precision first (issue 11): three outcomes. A message is a ``report`` only when it is unmistakably one; clear
chatter is ``not_report`` (silent); a message that may be a report but is not certain is never stored - it is
``not_report`` too, or an ``error`` with a short hint when it clearly meant to report (no figure, unknown unit,
a bare figure whose unit nothing tells). There is no stored-on-confirm "ask" kind: silence or a hint measured
enough (0 silently wrong on every corpus, bench/bench_parse.py). A number is a daily count only when the words
around it say so: the noun after it (tài khoản/tk/người vs hộ/cụ/bạn/máy/phút...), the verb before it (mời, cần,
mượn, có, còn...), no plan for later or meeting in its clause (mai, sẽ, dự kiến, họp...), no target, phone or code
word before it on the line (KH, chỉ tiêu, sđt, hotline, OTP...), no reference shape (số N, 211/KH-UBND, Đề án 06).
Corrections drop the old value ("14 chứ không phải 11"); with "kích hoạt" on the line, installed/guided figures
do not count. A clock time with no report word makes the line's numbers not counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from bot.texts import CATALOG, t

__all__ = ["ParsedReport", "ReportLine", "match_unit", "normalize", "parse_report", "ERROR_CODES"]

Kind = Literal["report", "not_report", "error"]
Mode = Literal["set", "add"]

#: Every ``error_code`` the parser can return.
ERROR_CODES = (
    "unknown_unit",  # the message names a unit that is not in `units`
    "ambiguous_unit",  # the name matches several units
    "negative",  # a negative figure
    "future_day",  # a day after `today`
    "no_value",  # looks like a report, but has no daily figure
    "bad_line",  # a line whose figures cannot be told apart (several numbers, metric mismatch)
    "bad_date",  # an impossible date (31/2), or several different days in one message
    "bad_number",  # a decimal where a count is expected (4,5)
    "duplicate",  # the same unit and metric twice in one message
    "unknown_metric",  # "mức 3" when there is no such metric
    "usage",  # /baocao without a readable report
    "no_unit",  # a bare figure ("12", "hôm nay 6") and nothing says whose it is (see `unit_known`)
)

REPORT_COMMANDS = frozenset({"baocao", "report"})


@dataclass(frozen=True)
class ReportLine:
    unit: str | None = None  # canonical name from `units`; None = the reporter's own unit
    metric: str | None = None  # "l1", "l2", another code from `metrics`; None = the default metric
    value: int | None = None  # the daily figure; None only on a no_report line
    mode: Mode = "set"  # "add" for "+N"
    cumulative: int | None = None  # stated lũy kế, to be checked
    target: int | None = None  # the "/530" in "412/530"
    no_report: bool = False  # "chưa bc": the unit has not reported (not a zero)


@dataclass(frozen=True)
class ParsedReport:
    kind: Kind
    day: date | None = None
    lines: list[ReportLine] = field(default_factory=list)
    error: str | None = None  # short Vietnamese explanation for the user
    error_code: str | None = None  # one of ERROR_CODES
    error_line: int | None = None  # 1-based number of the bad line, when the message has several lines
    is_command: bool = False


# ---------------------------------------------------------------------------------------------
# Text folding
# ---------------------------------------------------------------------------------------------

_EXTRA_ZERO_WIDTH = "\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f"
_NEWLINES = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _build_tables() -> tuple[
    dict[int, int | None], dict[int, str | None], dict[int, str], dict[int, str], list[int]
]:
    """Translation tables: before NFC, after NFC, lower case, diacritics; and the combining marks."""
    pre: dict[int, int | None] = {ord(c): None for c in _EXTRA_ZERO_WIDTH}
    pre.update({0x00D0: 0x0110, 0x00F0: 0x0111, 0x0189: 0x0110, 0x0256: 0x0111})  # Ð ð Ɖ ɖ -> Đ đ
    post: dict[int, str | None] = {}  # after NFC: leftover combining marks, whitespace
    lower: dict[int, str] = {}
    strip: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    marks: list[int] = []
    # CJK ideographs, Yi, Hangul syllables and private use have no case, marks or spaces: skipped
    codepoints = (*range(0x3400), *range(0xA000, 0xAC00), *range(0xD7A4, 0xD800), *range(0xF900, 0x10000))
    for cp in codepoints:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cf":
            pre[cp] = None
            continue
        if unicodedata.combining(ch):
            marks.append(cp)
        if unicodedata.combining(ch) or cat in ("Mn", "Me"):
            post[cp] = None
        elif ch in _NEWLINES:
            post[cp] = "\n"
        elif ch == "\t":
            pass
        elif ch.isspace():
            post[cp] = " "
        low = ch.lower()
        if len(low) == 1 and low != ch:
            lower[cp] = low
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch and cp not in strip:
            strip[cp] = base
    for cp in range(0xE0000, 0xE0080):
        pre[cp] = None
    return pre, post, lower, strip, marks


_PRE, _POST, _LOWER, _STRIP, _MARKS = _build_tables()


def _char_class(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A regex character class of these code points, written as ranges (a long list is slow)."""
    parts: list[str] = []
    cps = sorted(set(codepoints))
    start = 0
    while start < len(cps):
        end = start
        while end + 1 < len(cps) and cps[end + 1] == cps[end] + 1:
            end += 1
        lo, hi = re.escape(chr(cps[start])), re.escape(chr(cps[end]))
        parts.append(lo if start == end else f"{lo}-{hi}")
        start = end + 1
    return re.compile("[" + "".join(parts) + "]") if parts else re.compile(r"(?!)")


# quick checks so that the (slow, per character) translations only run when they change something
_PRE_RE = _char_class(_PRE)
_POST_RE = _char_class(cp for cp, to in _POST.items() if to != chr(cp))
_SPACES_RE = re.compile(r"[ \t]*\t[ \t]*| {2,}")
_MARKS_RE = _char_class(_MARKS)


def _fold_ws(m: re.Match[str]) -> str:
    return "\t" if "\t" in m.group() else " "


def _prepare(text: str) -> str:
    """Zero-width characters dropped, Ð -> Đ, NFC, leftover combining marks dropped, odd spaces -> ' '."""
    if _PRE_RE.search(text):
        text = text.translate(_PRE)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _POST_RE.search(text):
        text = text.translate(_POST)
    if "\t" in text or "  " in text:
        text = _SPACES_RE.sub(_fold_ws, text)
    return text


def _lower(cased: str) -> str:
    low = cased.lower()
    return low if len(low) == len(cased) else cased.translate(_LOWER)


def _plain(acc: str) -> str:
    """Diacritics stripped, character for character (same length as `acc`)."""
    if acc.isascii():
        return acc
    fast = _MARKS_RE.sub("", unicodedata.normalize("NFD", acc.replace("đ", "d")))
    # `acc` is NFC without stray marks, so every character decomposes to one base + marks, except a few
    # scripts (Hangul...) whose characters decompose to several: then the length differs -> the table
    return fast if len(fast) == len(acc) else acc.translate(_STRIP)


def _fold_lines(text: str) -> list[tuple[str, str, str]]:
    """Split into lines; each as (cased, acc, plain), all three of the same length."""
    cased_all = _prepare(text)
    acc_all = _lower(cased_all)
    plain_all = _plain(acc_all)
    if "\n" not in cased_all:
        return [_trim(cased_all, acc_all, plain_all)]
    return [
        _trim(c, a, p)
        for c, a, p in zip(cased_all.split("\n"), acc_all.split("\n"), plain_all.split("\n"), strict=True)
    ]


def _trim(c: str, a: str, p: str) -> tuple[str, str, str]:
    """The three forms of a line without its leading and trailing blanks."""
    if c and c[0] not in " \t" and c[-1] not in " \t":
        return c, a, p
    left = len(c) - len(c.lstrip(" \t"))
    right = len(c.rstrip(" \t"))
    return (c[left:right], a[left:right], p[left:right]) if left < right else ("", "", "")


def _fold_one(text: str) -> tuple[str, str, str]:
    """One-line (cased, acc, plain) of a name: newlines count as spaces."""
    cased = " ".join(_prepare(text).split())
    acc = _lower(cased)
    return cased, acc, _plain(acc)


def normalize(text: str) -> str:
    """Lower case, diacritics stripped, đ -> d, zero-width characters removed, whitespace folded."""
    return _fold_one(text)[2]


# ---------------------------------------------------------------------------------------------
# Unit table
# ---------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[a-z0-9]+")
_NUMERIC_WORD_RE = re.compile(r"\d+[a-z]?")

# kind words of unit names: plain form -> accented spellings accepted (an unaccented word always is)
_KIND_ACCENTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("thon",): ("thôn",),
    ("xom",): ("xóm",),
    ("ban",): ("bản",),
    ("ap",): ("ấp",),
    ("tdp",): ("tdp",),
    ("to", "dan", "pho"): ("tổ",),
    ("khu", "pho"): ("khu",),
    ("kp",): ("kp",),
    ("buon",): ("buôn",),
    ("bon",): ("bon", "bôn"),
    ("soc",): ("sóc",),
    ("khom",): ("khóm",),
    ("plei",): ("plei",),
    ("to",): ("tổ",),
    ("khu",): ("khu",),
    ("lang",): ("làng",),
    ("doi",): ("đội",),
    ("xa",): ("xã",),
    ("phuong",): ("phường",),
    ("thi", "tran"): ("thị",),
    ("tt",): ("tt",),
}
# weak kinds are also ordinary words: they name a unit only before a number or a capitalised name
_WEAK_KINDS = frozenset({("to",), ("khu",), ("lang",), ("doi",), ("xa",), ("phuong",), ("tt",), ("kp",)})
_KIND_SYNONYMS: tuple[frozenset[tuple[str, ...]], ...] = (
    frozenset({("tdp",), ("to", "dan", "pho")}),
    frozenset({("khu", "pho"), ("kp",)}),
    frozenset({("thi", "tran"), ("tt",)}),
)
# short forms typed for numbered units: "th3" / "th 3" (thôn 3), "T1 10 T2 7" (thôn 1, thôn 2; or tổ)
_SHORT_KINDS: dict[tuple[str, ...], tuple[str, ...]] = {("thon",): ("th", "t"), ("to",): ("t",)}
_KINDS_BY_LEN = sorted(_KIND_ACCENTS, key=len, reverse=True)
_KINDS_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _kind in _KINDS_BY_LEN:
    _KINDS_BY_FIRST[_kind[0]] = (*_KINDS_BY_FIRST.get(_kind[0], ()), _kind)
_KIND_FIRST = frozenset(_KINDS_BY_FIRST)

# words that end a unit name (report vocabulary, pronouns, particles)
_STOP_WORDS = (
    """
    hom nay hnay hqua qua kia hkia ngay mai sang chieu toi trua dem duoc dc cai dat kich hoat kh tk
    tai khoan muc m1 m2 m3 l1 l2 lv lk luy ke bc bao cao chua khong ko k co them tong so dddt dinh danh
    vneid la va voi cua o tu den minh em anh chi ta do ay khac nha nhe a ah oi ben con da dang se
    cac nhung het xong roi cung lai vua nao gi cho nen thi ma vi de hop ubnd luc gio h thu tuan thang
    nam lan dot buoi sau truoc ngoai trong nguoi
    """
)
_STOP = frozenset(_STOP_WORDS.split()) | frozenset(k[0] for k in _KIND_ACCENTS)


@dataclass(frozen=True)
class _UnitTable:
    names: tuple[str, ...]
    aliases: dict[tuple[str, ...], tuple[str, ...]]  # word tuple -> canonical units
    prefixes: dict[tuple[str, ...], tuple[str, ...]]  # kind + first name words -> canonical units
    regex: re.Pattern[str] | None  # all aliases, as a word trie
    short: dict[str, tuple[str, ...]]  # one-word name without its kind ("Thượng" of "Thôn Thượng")
    accented: dict[str, str]  # canonical -> lower-case accented words (tie-break)
    words: dict[str, tuple[str, ...]]  # canonical -> its normalised words
    # matched text of `regex` -> its units (filled as names are met: the spacing between words varies)
    matched: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _split_kind(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    for kind in _KINDS_BY_LEN:
        if len(words) > len(kind) and words[: len(kind)] == kind:
            return kind, words[len(kind) :]
    return None


def _unit_aliases(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    out = {words}
    split = _split_kind(words)
    if split is None:
        return out
    kind, rest = split
    kinds = {kind}
    for group in _KIND_SYNONYMS:
        if kind in group:
            kinds |= group
    for k in kinds:
        out.add(k + rest)
        if len(rest) == 1 and _NUMERIC_WORD_RE.fullmatch(rest[0]):
            out.add(k + ("so",) + rest)
            out.add(("".join(k) + rest[0],))
            if rest[0][0] != "0" and len(rest[0]) == 1:  # "Xóm 02" is Xóm 2
                out.add(k + ("0" + rest[0],))
            if k in _SHORT_KINDS and rest[0].isdigit():  # "th3", "th 3", "T3" (thôn or tổ 3)
                for short in _SHORT_KINDS[k]:
                    out.add((short + rest[0],))
                    if len(short) > 1:
                        out.add((short, rest[0]))
    if len(rest) >= 2 and not all(w.isdigit() for w in rest):
        out.add(rest)
    return out


def _alias_regex(aliases: Iterable[tuple[str, ...]]) -> re.Pattern[str] | None:
    """One regex for all unit aliases: a trie of words (shared prefixes once), longest continuation first."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for words in aliases:
        node = trie
        for w in words:
            node = node.setdefault(w, {})
        node[""] = {}  # an alias ends here

    def build(node: dict, top: bool = False) -> str:  # type: ignore[type-arg]
        alts = []
        for w in sorted((k for k in node if k), key=lambda x: (-len(x), x)):
            child = node[w]
            # a name starts a word: checked after its first word (`(?<![a-z0-9]thon)`), so that every
            # alternative starts with a letter and the regex engine can skip ahead to those letters
            word = f"{re.escape(w)}(?<![a-z0-9]{re.escape(w)})" if top else re.escape(w)
            if any(child):
                alts.append(f"{word}(?:[ \\-]+{build(child)}){'?' if '' in child else ''}")
            else:
                alts.append(word)
        return "(?:" + "|".join(alts) + ")"

    if not trie:
        return None
    return re.compile(build(trie, top=True) + r"(?![a-z0-9])")


@lru_cache(maxsize=256)
def _unit_table(units: tuple[str, ...]) -> _UnitTable:
    names: list[str] = []
    aliases: dict[tuple[str, ...], list[str]] = {}
    prefixes: dict[tuple[str, ...], list[str]] = {}
    accented: dict[str, str] = {}
    words_of: dict[str, tuple[str, ...]] = {}
    short: dict[str, list[str]] = {}
    for name in units:
        if not isinstance(name, str) or name in words_of:
            continue
        folded = _fold_one(name)
        words = tuple(_WORD_RE.findall(folded[2]))
        if not words or not any(c.isalpha() for w in words for c in w):
            continue
        names.append(name)
        words_of[name] = words
        accented[name] = " ".join(folded[1].split())
        split_name = _split_kind(words)
        rest = split_name[1] if split_name is not None else ()
        if len(rest) == 1 and rest[0].isalpha() and rest[0] not in _STOP:
            short.setdefault(rest[0], []).append(name)
        for alias in _unit_aliases(words):
            if not any(c.isalpha() for w in alias for c in w) or alias in (("to",), ("so",)):
                continue
            bucket = aliases.setdefault(alias, [])
            if name not in bucket:
                bucket.append(name)
            split = _split_kind(alias)
            if split is not None:
                kind, rest = split
                for i in range(1, len(rest)):
                    pbucket = prefixes.setdefault(kind + rest[:i], [])
                    if name not in pbucket:
                        pbucket.append(name)
    return _UnitTable(
        names=tuple(names),
        aliases={k: tuple(v) for k, v in aliases.items()},
        prefixes={k: tuple(v) for k, v in prefixes.items()},
        regex=_alias_regex(aliases),
        accented=accented,
        words=words_of,
        short={k: tuple(v) for k, v in short.items()},
    )


def _tie_break(cands: tuple[str, ...], acc_text: str, table: _UnitTable) -> tuple[str, ...]:
    """Several units share a normalised name: the one spelled with exactly these diacritics wins."""
    if len(cands) < 2:
        return cands
    wanted = " ".join(acc_text.split())
    exact = tuple(c for c in cands if table.accented.get(c) == wanted)
    return exact if len(exact) == 1 else cands


def match_unit(name: str, units: Sequence[str]) -> list[str]:
    """Units that `name` may mean, in `units` order, diacritics- and case-insensitively.

    An exact name (or alias: ``tdp 5`` = ``Tổ dân phố 5``, ``Đồng Tâm`` = ``Thôn Đồng Tâm``) wins;
    otherwise units whose name starts with, then contains, the given words.  More than one result means
    the name is ambiguous; none means unknown.
    """
    table = _unit_table(tuple(units))
    folded = _fold_one(str(name))
    words = tuple(_WORD_RE.findall(folded[2]))
    if not words:
        return []
    cands = table.aliases.get(words)
    if cands:
        return list(_tie_break(cands, folded[1], table))
    cands = table.prefixes.get(words)
    if cands:
        return list(cands)
    n = len(words)
    found = []
    for unit in table.names:
        uw = table.words[unit]
        if any(uw[i : i + n] == words for i in range(len(uw) - n + 1)):
            found.append(unit)
    return found


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?!\d)|\d{1,3}(?:\ \d{3})+(?!\d|[.,]\d)|\d+)"
_END = r"(?!\d|[.,]\d)"  # a number ends here ("412/530," is fine)
_E = r"(?![a-z])"  # a word ends here

# a number followed by one of these is a duration, an amount of money, a distance... never a count
# ("5 ngày 13/8" is a figure and a date: "ngày", "tháng"... before a number start a date, not a duration)
_NOT_COUNT_SUFFIX = (
    r"\s?(?:(?:ngay|thang|tuan|nam)(?![a-z0-9])(?!\s*\d)"
    r"|(?:gio|tieng|phut|giay|lan|tuoi|buoi|k|tr|trieu|ty|nghin|ngan|dong|vnd|d|km|kg|cm|m|ha)(?![a-z0-9])"
    # "20 người chưa cài", "2 hộ không có điện thoại": people still to do, not done
    r"|(?:(?:nguoi|ho|ca|truong\ hop|tk|tai\ khoan|cong\ dan|nhan\ khau)\s?)?(?:chua|khong|ko)(?![a-z]))"
)

_PCT = r"\s*(?:%|phan\ tram)"

# One scan per line. Alternatives are tried in order at each position, so the specific forms come
# before the general ones ("lk 412/530" before "412/530", "ngày 14/8" before "14", "17h" before "17").
# Two branches: tokens that start a word (a digit may precede it: "12tk"), tokens that start a number
# (or its sign; never inside another number: "1.046" is one token).
_TOKEN_RE = re.compile(
    rf"""
    (?<![a-z])(?=[bcdhklmnpqstv])(?:  # (the first letters of the word tokens below)
      (?P<nr>(?:chua\ (?:co\ )?(?:bc|bao\ cao|bao|gui|nop)|(?:khong|ko|k)\ (?:co\ )?(?:bc|bao\ cao)){_E})
    | (?P<zero2>chua\ (?:co|cai\ duoc|duoc)\ (?:tk|tai\ khoan|ai|nguoi|ca|truong\ hop){_E})
    | (?P<nr2>chua\ co(?:\ so\ lieu|\ sl)?{_E}(?!\ (?!(?:a|ah|nhe|nha|oi|roi|luon|anh|chi|em){_E})[a-z]))
    | (?P<zero>(?:khong|ko|k)\ (?:co|phat\ sinh|duoc|cai\ duoc)
          (?:\ (?:tk|tai\ khoan|ai|nguoi|ca|truong\ hop|them|nao|gi|a|nhe|nha|ah|luon|het))*
          (?=\s*(?:[^a-z0-9\s]|$|hom\ |hnay|hqua)))
    | (?P<cum>(?:lk|luy\ ke|luyke|tong\ so|tong\ cong|tong|cong\ don)\s*
          (?:(?:muc|m)\s*(?P<cm>\d)(?!\d)\s*)?(?:(?:den\ nay|hien\ tai|toi\ nay|den\ hom\ nay)\s*)?[:=]?\s*(?:(?:la|dat|duoc|dc)\s*)?
          (?P<cv>{_NUM})(?:\s*/\s*(?P<ct>{_NUM}))?{_END})
    | (?P<rem>(?<!ba\ )con(?:\ lai)?\s*:?\s*{_NUM}{_END})
    | (?P<add>(?:cong\ them|them)\s*:?\s*(?P<av>{_NUM}){_END})
    | (?P<metric>(?:muc|cap)(?:\s*do)?\s*(?P<mn>\d{{1,2}})(?![\d/]|[.,]\d) | (?:m|md|l|lv|level\ ?)(?P<mn2>\d)(?!\d))
    | (?P<wdate>ngay\s*\d{{1,2}}/\d{{1,2}}(?:/(?:\d{{4}}|\d{{2}}))?(?![\d/])
          | ngay\s*\d{{1,2}}-\d{{1,2}}(?:-(?:\d{{4}}|\d{{2}}))?(?![\d\-])
          | ngay\s*\d{{1,2}}\.\d{{1,2}}(?:\.(?:\d{{4}}|\d{{2}}))?(?!\d|\.\d)
          | ngay\s*\d{{1,2}}\s*thang\s*\d{{1,2}}(?:\s*nam\s*\d{{4}})?(?!\d)
          | (?<!moi\ )(?<!hang\ )(?<!trong\ )ngay\s*\d{{1,2}}(?![\d/.,:h]))
    | (?P<dayw>(?:hom\ nay|hnay|h\ nay|sang\ nay|chieu\ nay|toi\ nay|trua\ nay|dem\ nay
          |hom\ qua|hqua|h\ qua|toi\ qua|chieu\ qua|sang\ qua|dem\ qua|trua\ qua
          |hom\ kia|hkia|ngay\ mai){_E})
    | (?P<wtime>(?:luc|vao\ luc)\s*\d{{1,2}}(?:\s?(?:h|g|gio|:)\s?(?:\d{{1,2}}\s?(?:p|ph|phut)?)?)?(?![a-z0-9]))
    | (?P<ord>(?:thu|lan|dot|buoi|tuan|thang|nam|phong|lop|khoi|ky|cau|trang|quyen|so\ nha|ban\ so)
          \s*\d+(?!\d))
    | (?P<kw>(?:cai\ dat|cai|kich\ hoat|tai\ khoan|tk|luy\ ke|lk|bao\ cao|bc|dddt|dinh\ danh|vneid|duoc|dc
          |ho\ so){_E})
    )
  | (?<![\d.,])(?=[\d+\-−–])(?:
      # forms that need a "/", ":", "h", "g", "m" or "tháng" after the digits: only tried then
      (?=[\d.,\ ]*[/:hgm²]|\d{{1,2}}\s*thang)(?:
      (?P<glued>(?P<gv>\d{{1,4}})m(?P<gm>[12])(?![a-z0-9]))
    | (?P<area>\d+(?:[.,]\d+)?(?:m2|m²|km2)(?![a-z0-9]))
    | (?P<date>(?<!/)\d{{1,2}}\s*thang\s*\d{{1,2}}(?:\s*nam\s*\d{{4}})?(?!\d)
          | (?<!/)\d{{1,2}}/\d{{1,2}}(?:/(?:\d{{4}}|\d{{2}}))?(?![\d/])
          | (?<!/)\d{{1,2}}\.\d{{1,2}}\.\d{{4}}(?![\d.]))
    | (?P<time>\d{{1,2}}\s?(?:h|g|gio)(?:\s?\d{{1,2}}(?:\s?(?:p|ph|phut))?)?(?![a-z0-9]) | \d{{1,2}}:\d{{2}}(?!\d))
    | (?P<frac>(?<!/){_NUM}\s*/\s*{_NUM}(?![\d/])))
    | (?P<cumpost>(?P<pv>{_NUM})\s*(?:luy\ ke|lk){_E}(?!\s*[:=]?\s*(?:la\s*|dat\s*)?\d))
    | (?P<phone>(?:\+84|84|0)\s?\d{{2,3}}(?:[ .\-]?\d{{3}}){{2}}\d?(?!\d) | \d{{7,}})
    | (?P<dec>(?=\d+[.,]\d)(?!\d{{1,3}}(?:\.\d{{3}})+(?!\d))\d+[.,]\d+(?!\d)(?P<decpct>{_PCT})?)
    | (?P<num>(?:(?<![\w+\-−–])(?P<sign>\+\s?|[\-−–](?=\d)))?(?P<nv>{_NUM})
          (?:(?P<pct>{_PCT})|(?P<other>{_NOT_COUNT_SUFFIX}))?)
    )
    """,
    re.VERBOSE,
)
_NOT_COUNT_SUFFIX_RE = re.compile(_NOT_COUNT_SUFFIX)
_BULLET_RE = re.compile(
    r"^(?:\d{1,2}[.)](?=\s|[^\W\d])|\d{1,2}/\s|\(\d{1,2}\)|\d{1,2}\t|[\-•*·–—>▪◦●○■□➢➤✓✔√]+(?=\s)|\+(?=\s+\D))\s*"
)
_NEXT_WORD_RE = re.compile(r" ([a-z]+)(?![a-z0-9])")
# (the word-start check after each word: every alternative starts with a letter, which the engine skips to)
_KIND_WORD_RE = re.compile(
    "(?:" + "|".join(f"{k}(?<![a-z0-9]{k})" for k in sorted({k[0] for k in _KIND_ACCENTS})) + r")(?![a-z0-9])"
)
# "Thượng: 25" in a leader's table; "Đông 6" alone on its line under a day heading
_LEAD_NAME_RE = re.compile(r"([a-z]+)(?:\s*:|(?=\s*-?\s*\d+\s*(?:tk|tai khoan)?\s*[.!]?$))")
_TOTAL_LINE_RE = re.compile(r"^(?:tong|toan xa|ca xa|toan phuong|cong)(?![a-z])")
_DIGITS_RE = re.compile(r"\d+")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.+\-])[\w.+\-]+@[\w\-]+\.[\w.\-]+|#\w+")


# ---- the structure around a number (issue 11: precision first) ---------------------------------------
# A figure is a daily count only when nothing around it says otherwise: the word after it is a count noun
# (or report vocabulary, a particle, punctuation), the word before it is not a verb of meeting, needing,
# borrowing, having...; no plan for later, reference or code is in the way.

# words allowed right after a daily figure (plain forms; anything else is a noun of something else:
# "3 máy", "40 hộ", "8 bạn", "5 phút")
_AFTER_OK_WORDS = """
    tk tai khoan nguoi cong dan nhan khau truong hop tkdd tkdt
    muc m1 m2 md1 md2 md l1 l2 lv cap dddt dinh danh vneid dien tu
    m l lv luy lk ke hom nay hnay hqua qua ngay sang chieu toi trong
    nhe nha nhen a ah ak oi roi r thoi luon ne nhi va voi vs con
    chu tren tong duoc dc dat la kich hoat bao cao bc do vi
"""
_AFTER_OK = frozenset(_AFTER_OK_WORDS.split())
# nouns of people: a count of accounts only when nothing else follows ("2 người ngã xe", "6 người đến hỏi")
_WEAK_NOUN_RE = re.compile(r"\s*(?:nguoi|cong dan|nhan khau|truong hop|ca)(?![a-z])")
# a count noun that makes the figure an account count whatever verb comes before it
_STRONG_AFTER = frozenset({"tk", "tai", "muc", "m", "md", "dddt", "l", "lv"})
# words right before a number that make it something else than today's count
_BEFORE_NEVER_WORDS = """
    moi can hop muon xin het ho tro giup so phong nha ma sdt otp hotline cccd kh khoang hen den lop mat
    co lam truc tap trung di cho hoi huong dan tuoi thu chi tieu de an qd nd nghi dinh van ban
    thong tu quyet dang ky gom huan gan hon tren duoi tang nhom giao thieu con chua them loi bi hay hoac
"""
# of those, the verbs a count noun after the figure overrules ("có 12 tk", "làm 5 tk")
_BEFORE_WEAK = frozenset({"co", "lam", "di", "den", "them"})
_BEFORE_NEVER = frozenset(_BEFORE_NEVER_WORDS.split())
# a line that speaks of later or of a meeting: its figures are plans, headcounts ("mai cài cho 15 người")
# (and a period other than the day: "tuần này được 45", "tháng 8 được 120" are not daily figures)
_PLAN_RE = re.compile(
    r"(?<![a-z])(?:(?<!ngay )mai|se|du kien|tuan sau|thang sau|sap|dang ky|nua|hop"
    r"|tuan nay|tuan qua|tuan truoc|thang nay|thang qua|thang truoc|nam nay|tu dau|ca tuan|ca thang|dot nay"
    r"|(?<!\d )(?<!\d)thang \d{1,2}(?![\d/])|nam \d{4})(?![a-z])"
)
# a target or plan figure: every number after it on the line is not a count ("KH tháng 9 ... là 250")
# (and phone numbers, codes: "hotline hỗ trợ 1900 0368", "số máy bàn: 02373 812 345")
_TARGET_RE = re.compile(
    r"(?<![a-z])(?:kh|ke hoach|chi tieu|muc tieu|hotline|sdt|so dien thoai|dien thoai|so may|otp|cccd|zalo"
    r"|lien he|goi|phan dau)(?![a-z])"
)
# references and codes: the number after them is a document, a programme, a code ("Đề án 06", "45/CAX")
_REF_RE = re.compile(
    r"(?<![a-z])(?:cong van|cv|quyet dinh|nghi dinh|thong tu|de an|qd|nd|van ban|(?<!tong )so|ma|otp|hotline|sdt|cccd"
    r"|ma so|ma ho so|can cuoc)\s*(?:so\s*)?[:.]?\s*\d[\d./\-]*(?:\ \d{3}(?!\d))*(?:[a-z]+(?:-[a-z0-9]+)*)?"
    r"|\d+/[a-z]{1,8}(?:-[a-z0-9]+)*"
)
# old values a correction names: "14 chứ không phải 11", "sửa 7 thành 9", "(lúc nãy gửi nhầm 3)"
_OLD_VALUE_RES = (
    re.compile(r"(?:chu|chu ko|chu khong|khong|ko|k) phai\s*\d[\d.]*"),
    re.compile(r"(?<=sua )(?:lai )?\d[\d.]*(?=\s*(?:tk\s*)?(?:thanh|->|=>|→))"),
    re.compile(r"\([^()]*nham[^()]*\)|(?:gui|bao|ghi|bc) nham\s*(?:so\s*)?\d[\d.]*"),
    re.compile(r"(?<![a-z])(?:sua|doi)(?![a-z])"),
)
# activity that is not an activation when the line also says how many were activated
_NOT_ACTIVATION_RE = re.compile(r"(?<![a-z])(?:cai dat|cai|huong dan|thu nhan|tiep nhan)(?![a-z])\s*:?\s*\d[\d.]*")
_ACTIVATED_RE = re.compile(r"(?<![a-z])kich hoat(?![a-z])")
_WORD_BEFORE_RE = re.compile(r"([a-z]+)[\s:,=]*$")
_WORD_AFTER_RE = re.compile(r"\s*([a-z]+)")
_CLAUSE_END_RE = re.compile(r"[,;()!?]|\.(?!\d)| - ")


# substrings without which these patterns cannot match (a cheap test first: most lines have none of them)
_REF_NEEDLES = ("/", "so", "ma", "cong van", "cv", "dinh", "thong tu", "de an", "qd", "nd", "van ban", "otp",
                "hotline", "sdt", "cccd", "can cuoc")
_TARGET_NEEDLES = ("kh", "hoach", "tieu", "hotline", "sdt", "dien thoai", "so may", "otp", "cccd", "zalo", "lien he", "goi",
                   "phan dau")
_PLAN_NEEDLES = ("mai", "se", "du kien", "sau", "sap", "dang ky", "nua", "hop", "tuan", "thang", "nam", "tu dau",
                 "dot nay")


_NEEDLE_RES: dict[tuple[str, ...], re.Pattern[str]] = {}


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    """Whether any needle occurs in text (as a substring): one compiled alternation per needle tuple."""
    pattern = _NEEDLE_RES.get(needles)
    if pattern is None:
        pattern = _NEEDLE_RES[needles] = re.compile("|".join(map(re.escape, needles)))
    return pattern.search(text) is not None


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _drop_non_counts(text: str) -> str:
    """`text` with references, old values (corrections) and non-activation figures blanked."""
    if _has_any(text, _REF_NEEDLES):
        text = _blank(text, _REF_RE)
    if "phai" in text or "sua" in text or "nham" in text or "doi" in text:
        for pattern in _OLD_VALUE_RES:
            text = _blank(text, pattern)
    if "trong do" in text:
        text = _drop_total_of_breakdown(text)
    if "kich hoat" in text and _ACTIVATED_RE.search(text):
        text = _blank(text, _NOT_ACTIVATION_RE)
    return text


_BREAKDOWN_RE = re.compile(r"(\d[\d.]*)(?:\s*(?:tk|tai khoan))?\s*[,:]?\s*(?:trong do|trong so do)(?![a-z])")
_METRIC_DIGIT_RE = re.compile(r"(?<![a-z])(?:muc|md|m|l|lv|cap)\s*\d(?!\d)")


def _drop_total_of_breakdown(text: str) -> str:
    """"được 8 tk, trong đó mức 2: 5, mức 1: 3": the total goes when the parts add up to it."""
    m = _BREAKDOWN_RE.search(text)
    if m is None:
        return text
    total = _to_int(m.group(1))
    rest = _METRIC_DIGIT_RE.sub(lambda x: " " * len(x.group()), text[m.end() :])
    parts = [_to_int(x) for x in re.findall(r"(?<![\d.])\d[\d.]*(?![\d.])", rest)]
    if total is None or len(parts) < 2 or None in parts or sum(p or 0 for p in parts) != total:
        return text
    return text[: m.start(1)] + " " * (m.end(1) - m.start(1)) + text[m.end(1) :]


def _is_count(text: str, start: int, end: int, extra_after: frozenset[str] = frozenset()) -> bool:
    """The number at text[start:end] is a daily count, judging by the words around it."""
    after = _WORD_AFTER_RE.match(text, end)
    word = after.group(1) if after is not None else ""
    if word and word not in _AFTER_OK and word not in extra_after:
        return False
    before = _WORD_BEFORE_RE.search(text, max(0, start - 24), start)
    bword = before.group(1) if before is not None else ""
    if word in _STRONG_AFTER or word in extra_after:
        return bword not in _BEFORE_NEVER or bword in _BEFORE_WEAK
    if word:
        weak = _WEAK_NOUN_RE.match(text, end)
        if weak is not None:
            nxt = _WORD_AFTER_RE.match(text, weak.end())
            if nxt is not None and nxt.group(1) not in _AFTER_OK:
                return False
    return bword not in _BEFORE_NEVER


def _plan_clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses that speak of later or of a meeting (their numbers are not counts)."""
    out: list[tuple[int, int]] = []
    if not _has_any(text, _PLAN_NEEDLES):
        return out
    for m in _PLAN_RE.finditer(text):
        left = max((c.end() for c in _CLAUSE_END_RE.finditer(text, 0, m.start())), default=0)
        right = _CLAUSE_END_RE.search(text, m.end())
        out.append((left, right.start() if right is not None else len(text)))
    return out


_MetricWordsKey = tuple[tuple[str, tuple[str, ...]], ...]
# (regex of the extra metric words, plain word -> code, words that end a unit name)
_WordsRe = tuple[re.Pattern[str] | None, dict[str, str], frozenset[str]]
_NO_WORDS: _WordsRe = (None, {}, frozenset())


def _to_int(s: str) -> int | None:
    """The digits of a number; None when it is too long to be a count (an id, a phone number...)."""
    if not s.isdigit():
        s = s.replace(".", "").replace(" ", "")
    return int(s) if 0 < len(s) <= 9 and s.isdigit() else None


@dataclass(slots=True)
class _Seg:
    """Tokens of one unit's part of a line."""

    unit: str | None
    start: int
    end: int
    counts: list[tuple[int, int, Mode]] = field(default_factory=list)  # (pos, value, mode)
    metrics: list[tuple[int, str]] = field(default_factory=list)
    cums: list[tuple[int, int, int | None, str | None]] = field(default_factory=list)  # (pos, cum, target, metric)
    negative: str | None = None
    bad_metric: str | None = None
    decimal: str | None = None
    pct: bool = False
    no_report: bool = False
    zero: bool = False


@dataclass(slots=True)
class _Mention:
    text: str  # as written
    candidates: tuple[str, ...]  # () = unknown


@dataclass(slots=True)
class _Line:
    no: int  # 1-based line number in the message
    text: str
    plain: str  # lower case, no diacritics, bullets cut
    segs: list[_Seg]
    prefix: _Seg | None  # text before the first unit of a multi-unit line
    units: list[str]
    mentions: list[_Mention]
    days: list[date] = field(default_factory=list)
    day_error: tuple[str, str] | None = None  # (code, detail)
    keyword: bool = False
    metric_word: bool = False
    question: bool = False
    total: bool = False
    timed: bool = False  # a clock time ("8h", "lúc 14h30")
    other_number: bool = False  # a number of something else ("3 máy", "mời 40 hộ")
    has_number: bool = False  # a figure, a cumulative, a percentage... (not a date, a time, a phone number)
    reportish: bool = False  # looks like a report line (see `finish`)

    def all_segs(self) -> list[_Seg]:
        return [self.prefix, *self.segs] if self.prefix else self.segs

    def finish(self) -> _Line:
        """Sets `has_number` and `reportish`: a number next to a unit name, a report keyword or a metric
        word; or "chưa bc" next to a unit name (not in a question); or "không có" next to either."""
        segs = self.all_segs()
        named = bool(self.units or self.mentions)
        has_number = no_report = zero = False
        for s in segs:
            has_number = has_number or bool(s.counts or s.cums or s.negative or s.decimal or s.pct)
            no_report = no_report or s.no_report
            zero = zero or s.zero
        self.has_number = has_number
        self.reportish = (
            (has_number and (named or self.keyword or self.metric_word))
            or (named and not self.question and no_report)
            or ((named or self.keyword) and zero)
            # "Thôn 3 hôm nay mức 2": a report without its figure (answered with a hint)
            or (named and self.metric_word and bool(self.days) and not self.question and not self.other_number)
        )
        return self


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


def _example_unit(table: _UnitTable) -> str:
    names = _hint_names(table)
    return names[0] if names else "Thôn 3"


def _error_text(code: str, detail: str, table: _UnitTable, mention: _Mention | None = None, lang: str = "vi") -> str:
    """The explanation of an error, from the message catalog (bot/texts/parsing.py)."""
    ex = _example_unit(table)
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
    /report: `is_command` tells) or ``error`` (`error` in Vietnamese, `error_code` from ERROR_CODES,
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
                raise _Fail("duplicate", ln, r.unit or "Đơn vị của bạn")
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
