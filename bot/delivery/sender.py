"""What the scheduler needs from a channel to deliver a reminder or a summary: a `Sender`.

One implementation per channel (bot/channels/telegram/sender.py, bot/channels/zalo/delivery.py). A
sender turns its platform's answers into these outcomes, so the outbox logic (claim, send, record,
retry, switch a chat off) is written once, in bot/delivery/scheduling/scheduler.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol


class Gone(Exception):
    """The chat is gone for the bot (blocked, removed, not found): switch it off and tell the admins."""

    def __init__(self, reason_key: str, detail: str) -> None:
        super().__init__(detail)
        self.reason_key, self.detail = reason_key, detail  # reason_key: a catalog key (adm.reason_*)


class Moved(Exception):
    """The chat has a new id (a Telegram group upgraded to a supergroup): record it and send there."""

    def __init__(self, new_id: str) -> None:
        super().__init__(new_id)
        self.new_id = new_id


class Refused(Exception):
    """The platform refuses this message for good (a bad request): the delivery is dead, the chat stays."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Retry(Exception):
    """Not sent now (network, rate limit, quota, a platform error): try again, not before `after`."""

    def __init__(self, detail: str, after: timedelta = timedelta(0)) -> None:
        super().__init__(detail)
        self.detail, self.after = detail, after


@dataclass(frozen=True)
class ChartRef:
    """Which chart a summary carries (a sender that sends links builds its URL from this)."""

    unit_id: int
    day: date
    lang: str


class Sender(Protocol):
    #: True: `send_chart` needs the PNG (uploaded); False: it sends a link and the PNG is never drawn here
    needs_png: bool

    async def send_text(self, chat_id: str, text: str, lang: str) -> int:
        """Send an HTML text (the catalog's markup); the id of the (first) message sent."""
        ...

    async def send_chart(self, chat_id: str, chart: ChartRef, png: bytes | None, caption: str | None) -> None: ...

    async def tell_admin(self, admin_id: int, text: str) -> None:
        """A message to a global admin (a chat switched off); failures are the sender's to log."""
        ...
