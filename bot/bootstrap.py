"""The typed container of one bot process, built in one place (`build`).

Everything a channel adapter (the PTB callbacks in handlers/, the Zalo dispatcher and runners) calls is a
field here, made once when the process starts: no service is created lazily elsewhere. The Telegram
application keeps the container in ``bot_data["container"]`` (bot/channels/telegram/app.py; handlers read it as
``context.container``); the Zalo runners are given it explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.conversation.work import Background, Worker
from bot.core.confirm import ConfirmStyles
from bot.core.indicators import IndicatorService
from bot.core.linking import LinkService
from bot.core.official import OfficialService
from bot.core.org import OrgService
from bot.core.reports import ReportService
from bot.core.services import Clock, Services
from bot.core.throttle import FailureThrottle
from bot.core.views import Views
from bot.delivery.scheduling import ScheduleService
from storage.db import Database


@dataclass
class Container:
    svc: Services  #: settings, database, clock
    reports: ReportService
    org: OrgService
    schedule: ScheduleService
    views: Views
    links: LinkService
    official: OfficialService  #: /chinhthuc
    indicators: IndicatorService  #: /chiso
    join_throttle: FailureThrottle  #: wrong /dangky codes, per user and per chat (shared by every channel)
    worker: Worker  #: where every command's database work runs (bot/conversation/work.py)
    confirms: ConfirmStyles  #: a chat's confirmation style (reply | reaction) and the digests of reaction chats

    @property
    def background(self) -> Background:
        return self.worker.background

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
    """The one container of a process (Telegram and Zalo channels of the same process share it).

    On PostgreSQL it starts the process's cache listener (`Database.listen`: other workers' role changes,
    renames, targets ... drop this process's caches at once); `Database.dispose` stops it."""
    svc.db.listen()
    throttle = FailureThrottle()
    views = Views(svc)
    return Container(
        svc=svc,
        reports=ReportService(svc),
        org=OrgService(svc, join_throttle=throttle),
        schedule=ScheduleService(svc),
        views=views,
        links=LinkService(svc),
        official=OfficialService(svc, views),
        indicators=IndicatorService(svc),
        join_throttle=throttle,
        worker=Worker(svc.db),
        confirms=ConfirmStyles(svc),
    )
