"""The unit table: names, aliases, kinds (Thôn/Tổ/Xã...) and matching a name to units."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.parsing.folding import _fold_one

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
