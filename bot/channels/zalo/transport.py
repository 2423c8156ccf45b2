"""What the runner and the scheduler need from a Zalo surface: send text, send a chart, count sends.

The Bot Platform's ``ZaloClient`` (chat ids as Zalo gives them; photos by URL) and the Official Account's
``OAClient`` ("g:<group_id>" for GMF groups; photos uploaded first) both satisfy it, so the dispatcher,
the runner, the budget modes, the quota meter and the scheduled deliveries are one code path; only the
adapters differ (the step towards the channel-neutral conversation core).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.channels.zalo.quota import QuotaMeter


class Sender(Protocol):
    meter: QuotaMeter | None

    @property
    def bot_id(self) -> str: ...

    @property
    def token(self) -> str: ...

    async def send_text(self, chat_id: str | int, text: str) -> list[dict[str, Any]]: ...

    async def send_photo(self, chat_id: str | int, photo_url: str, caption: str | None = None) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...
