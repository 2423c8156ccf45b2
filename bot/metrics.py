"""Indicators (chỉ số): the ONE function that names a metric, and the names and words loaded from the database.

Every reply, summary, chart and export names a metric through `metric_name`: the database's Vietnamese or
English name (set by /chiso), else the catalog's ``metric.<code>``, else the code in capitals. `load` caches
the table (Database.cached: dropped on any write to it) and remembers the newest names for places that
render without a database at hand (report replies, admin messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot import fmt
from bot.org.model import Msg
from bot.texts import CATALOG, t
from storage import repo
from storage.db import Database


@dataclass(frozen=True)
class MetricInfo:
    code: str
    name_vi: str
    name_en: str
    words: tuple[str, ...]
    active: bool
    sort: int


_KNOWN: dict[str, MetricInfo] = {}


class MetricMsg(Msg):
    """A metric's name as a catalog-style message (bot.org renders it in the reader's language)."""

    def __init__(self, code: str) -> None:
        super().__init__("metric.name", {"code": code})

    def render(self, lang: str) -> str:
        return fmt.esc(metric_name(str(self.args["code"]), lang))


def load(db: Database) -> dict[str, MetricInfo]:
    """Every metric (active or retired: history keeps its name), by code, in display order."""

    def read() -> dict[str, MetricInfo]:
        with db.session() as s:
            return {m.code: MetricInfo(m.code, m.name_vi, m.name_en, split_words(m.words or ""), bool(m.active),
                                       m.sort or 0) for m in repo.all_metrics(s)}

    found: dict[str, MetricInfo] = db.cached(("metrics.info",), read)
    _KNOWN.update(found)
    return found


def split_words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.replace(",", "|").replace(";", "|").split("|") if w.strip())


def metric_name(code: str, lang: str, names: Mapping[str, str] | Mapping[str, MetricInfo] | None = None) -> str:
    """The metric's name in `lang`: `names` (code -> name, or code -> MetricInfo), else the names last loaded
    from the database, else the catalog (``metric.l2`` = "Mức 2"), else the code in capitals."""
    got = names.get(code) if names else None
    if isinstance(got, str) and got:
        return got
    info = got if isinstance(got, MetricInfo) else _KNOWN.get(code)
    if info is not None:
        name = info.name_en if lang == "en" and info.name_en else info.name_vi
        if name:
            return name
    key = f"metric.{code}"
    return t(key, lang) if key in CATALOG.get(lang, CATALOG["vi"]) else code.upper()


def metric_names(db: Database, lang: str, *, active_only: bool = True) -> dict[str, str]:
    """code -> `metric_name` for every (active) metric, in display order."""
    return {c: metric_name(c, lang, {c: m}) for c, m in load(db).items() if m.active or not active_only}


def active_words(db: Database) -> dict[str, tuple[str, ...]]:
    """code -> the words members type for it (active metrics with words): the parser's `metric_words`."""
    return {c: m.words for c, m in load(db).items() if m.active and m.words}
