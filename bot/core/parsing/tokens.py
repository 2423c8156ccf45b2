"""The tokenizer and the words around a number that make it a daily count, or not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.core.parsing.model import Mode
from bot.core.parsing.units import _KIND_ACCENTS

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
