"""Official figures (reconciliation with the police system C06): all SQL of bot/core/official.py."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import OfficialFigure


def upsert(s: Session, unit_id: int, metric: str, day: date, value: int, member_id: int | None) -> int | None:
    """Record the official figure; returns the value it replaced (None: new)."""
    row = s.scalar(select(OfficialFigure).where(OfficialFigure.unit_id == unit_id, OfficialFigure.metric == metric,
                                                OfficialFigure.day == day))
    if row is None:
        s.add(OfficialFigure(unit_id=unit_id, metric=metric, day=day, value=value, recorded_by=member_id))
        s.flush()
        return None
    old = row.value
    row.value, row.recorded_by = value, member_id
    s.flush()
    return old


def value_on(s: Session, unit_id: int, metric: str, day: date) -> int | None:
    return s.scalar(select(OfficialFigure.value).where(OfficialFigure.unit_id == unit_id,
                                                        OfficialFigure.metric == metric, OfficialFigure.day == day))


def latest(s: Session, unit_id: int, until: date) -> list[tuple[str, date, int]]:
    """(metric, day, value) of the unit's newest official figure on or before `until`, per metric (one query)."""
    newest = (
        select(OfficialFigure.metric, func.max(OfficialFigure.day).label("day"))
        .where(OfficialFigure.unit_id == unit_id, OfficialFigure.day <= until)
        .group_by(OfficialFigure.metric)
        .subquery()
    )
    q = select(OfficialFigure.metric, OfficialFigure.day, OfficialFigure.value).join(
        newest, (newest.c.metric == OfficialFigure.metric) & (newest.c.day == OfficialFigure.day)
    ).where(OfficialFigure.unit_id == unit_id)
    return [(str(m), d, int(v)) for m, d, v in s.execute(q)]
