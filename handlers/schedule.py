"""/tonghop (/summary), /lich (/schedule) and the scheduler's repeating JobQueue job."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.scheduling import ScheduleService, install
from handlers.base import Ctx, add_command, args_text, caller_of, chat_key, reply


def _service(context: Ctx) -> ScheduleService:
    return context.container.schedule


async def summary_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    # the roll-up and the chart (matplotlib, ~0.3 s) run in a worker thread: the bot keeps answering others
    out = await asyncio.to_thread(_service(context).summary, caller, chat_key(update), args_text(update))
    await reply(update, out.text)
    if out.photo and update.effective_chat is not None:
        await update.effective_chat.send_photo(out.photo, caption=out.caption)


async def schedule_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    await reply(update, _service(context).lich(caller, chat_key(update), args_text(update)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "tonghop", summary_cmd)
    add_command(app, "lich", schedule_cmd)
    install(app)
