"""The typed container of one bot process, built in one place (`build`).

Everything a channel adapter (the PTB callbacks in handlers/, the Zalo dispatcher and runners) calls is a
field here, made once when the process starts: no service is created lazily elsewhere. The Telegram
application keeps the container in ``bot_data["container"]`` (bot/app.py; handlers read it as
``context.container``); the Zalo runners are given it explicitly. The conversation core takes it as its
`bot.conversation.Core` (what it uses, declared there: the core does not import this module).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.config import Settings
from bot.conversation.work import Worker
from bot.indicators import IndicatorService
from bot.official import OfficialService
from bot.org import OrgService
from bot.reports import ReportService
from bot.scheduling import ScheduleService
from bot.services import Clock, Services
from bot.throttle import FailureThrottle
from bot.views import Views
from bot.zalo.linking import LinkService
from storage.db import Database


@dataclass
class Background:
    """Long work running outside the ordered intake (handlers/background.py; Worker.background_active counts
    the jobs running now)."""

    switch_interval: float = 0.005  #: the interpreter's GIL slice before the first job started
    slots: asyncio.Semaphore | None = field(default=None, repr=False)  #: made in the event loop, on first use


@dataclass
class Container:
    svc: Services  #: settings, database, clock
    worker: Worker  #: where every command's database work runs (bot/conversation/work.py)
    reports: ReportService
    org: OrgService
    schedule: ScheduleService
    views: Views
    links: LinkService
    official: OfficialService  #: /chinhthuc
    indicators: IndicatorService  #: /chiso
    join_throttle: FailureThrottle  #: wrong /dangky codes, per user and per chat (shared by every channel)
    background: Background

    @property
    def settings(self) -> Settings:
        return self.svc.settings

    @property
    def db(self) -> Database:
        return self.svc.db

    @property
    def clock(self) -> Clock:
        return self.svc.clock


def build(svc: Services) -> Container:
    """The one container of a process (Telegram and Zalo channels of the same process share it)."""
    throttle = FailureThrottle()
    views = Views(svc)
    return Container(
        svc=svc,
        worker=Worker(svc.db),
        reports=ReportService(svc),
        org=OrgService(svc, join_throttle=throttle),
        schedule=ScheduleService(svc),
        views=views,
        links=LinkService(svc),
        official=OfficialService(svc, views),
        indicators=IndicatorService(svc),
        join_throttle=throttle,
        background=Background(),
    )
