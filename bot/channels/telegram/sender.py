"""The Telegram `Sender` of the scheduler: PTB's Bot, its errors turned into delivery outcomes."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.sender import ChartRef, Gone, Moved, Refused, Retry

log = logging.getLogger(__name__)


def retry_after(exc: RetryAfter) -> timedelta:
    """The wait Telegram asked for (read without PTB's int/timedelta deprecation warning)."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ra = exc.retry_after
    return ra if isinstance(ra, timedelta) else timedelta(seconds=float(ra))


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class TelegramSender:
    needs_png = True

    def __init__(self, bot: Bot | Any) -> None:
        self.bot = bot

    async def _call(self, send: Any) -> Any:
        try:
            return await send()
        except ChatMigrated as exc:
            raise Moved(str(exc.new_chat_id)) from exc
        except Forbidden as exc:
            raise Gone("adm.reason_blocked", f"forbidden: {exc.message}") from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Gone("adm.reason_not_found", f"not found: {exc.message}") from exc
            raise Refused(f"bad request: {exc.message}") from exc
        except RetryAfter as exc:
            raise Retry(f"429: {exc.message}", retry_after(exc)) from exc
        except (NetworkError, TelegramError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc.message}") from exc

    async def send_text(self, chat_id: str, text: str, lang: str) -> int:
        msg = await self._call(lambda: self.bot.send_message(_chat(chat_id), text, parse_mode=ParseMode.HTML))
        return int(msg.message_id)

    async def send_chart(self, chat_id: str, chart: ChartRef, png: bytes | None, caption: str | None) -> None:
        if png:
            await self._call(lambda: self.bot.send_photo(_chat(chat_id), png, caption=caption,
                                                         parse_mode=ParseMode.HTML))

    async def tell_admin(self, admin_id: int, text: str) -> None:
        try:
            await self.bot.send_message(admin_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("cannot tell admin %s: %s", admin_id, exc)
