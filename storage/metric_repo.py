"""Indicators (metrics): all SQL of bot/core/indicators.py."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Metric


def by_code(s: Session, code: str) -> Metric | None:
    return s.scalar(select(Metric).where(Metric.code == code))


def add(s: Session, code: str, name_vi: str, name_en: str, words: str) -> Metric:
    top = s.scalar(select(func.coalesce(func.max(Metric.sort), 0))) or 0
    m = Metric(code=code, name_vi=name_vi, name_en=name_en, words=words, sort=int(top) + 1, active=True)
    s.add(m)
    s.flush()
    return m
