"""Leader views: /tiendo, /xephang, /chuabaocao, /bieudo, /xuat (thin callbacks over bot.views / bot.export)."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InputFile, Update
from telegram.ext import Application

from bot import fmt
from bot.charts import metric_label
from bot.days import DayError, error_text
from bot.export import ExportError, file_name, parse_args, write_csv, write_xlsx
from bot.texts import t
from bot.views import Views, render_missing, render_progress, render_rank, split_metric, view_args
from handlers.background import in_background
from handlers.base import Ctx, add_command, args_text, caller_of, chat_key, reply, services

MAX_PHOTO_BARS = 80  # taller charts go out as a document (Telegram limits photo proportions)


def _views(context: Ctx) -> Views:
    return context.container.views


def _metric_codes(context: Ctx) -> list[str]:
    return list(_views(context).metric_names("vi"))


async def _resolve(update: Update, context: Ctx, command: str, name: str) -> tuple[Any, Any] | None:
    """(caller, unit) or None after answering with the reason."""
    caller = caller_of(update, context)
    res = _views(context).resolve(caller, chat_key(update), name)
    if res.unit is None:
        lang = caller.language
        text = t(res.error or "view.need_unit", lang, **res.error_args)
        if res.error == "view.unknown_unit":
            text += "\n" + t("err.usage", lang, usage=t(f"usage.{command}", lang))
        await reply(update, text)
        return None
    return caller, res.unit


async def _send_all(update: Update, parts: list[str]) -> None:
    for part in parts:
        await reply(update, part)


async def _args(update: Update, context: Ctx, command: str, metrics: list[str] | None = None) -> Any:
    """(unit name, metric, day) of a view command, or None after answering a bad day with the usage line."""
    try:
        return view_args(args_text(update), services(context).today(), metrics)
    except DayError as exc:
        await reply(update, error_text(exc, command, caller_of(update, context).language))
        return None


async def tiendo(update: Update, context: Ctx) -> None:
    args = await _args(update, context, "tiendo")
    if args is None:
        return
    name, _metric, day = args
    got = await _resolve(update, context, "tiendo", name)
    if got is None:
        return
    caller, unit = got
    view = _views(context).progress(caller, unit, day)
    await reply(update, render_progress(view, caller.language))


async def xephang(update: Update, context: Ctx) -> None:
    args = await _args(update, context, "xephang", _metric_codes(context))
    if args is None:
        return
    name, metric, day = args
    got = await _resolve(update, context, "xephang", name)
    if got is None:
        return
    caller, unit = got
    view = _views(context).ranking(caller, unit, day, metric)
    await _send_all(update, render_rank(view, caller.language))


async def chuabaocao(update: Update, context: Ctx) -> None:
    args = await _args(update, context, "chuabaocao")
    if args is None:
        return
    name, _metric, day = args
    got = await _resolve(update, context, "chuabaocao", name)
    if got is None:
        return
    caller, unit = got
    view = _views(context).missing(caller, unit, day)
    await _send_all(update, render_missing(view, caller.language))


async def bieudo(update: Update, context: Ctx) -> None:
    words, metric = split_metric(args_text(update).split(), _metric_codes(context))
    got = await _resolve(update, context, "bieudo", " ".join(words))
    if got is None:
        return
    caller, unit = got
    await in_background(update, context, caller.language, lambda _progress: _chart(update, context, caller, unit, metric))


async def _chart(update: Update, context: Ctx, caller: Any, unit: Any, metric: str | None) -> None:
    lang = caller.language
    views = _views(context)
    day = services(context).today()
    png, bars = await asyncio.to_thread(views.chart_and_bars, unit, day, lang, metric)
    metric_code = metric or views.default_metric
    caption = t("chart.caption", lang, metric=metric_label(metric_code, lang), unit=fmt.esc(unit.name),
                day=fmt.day(day, lang, year=True))
    msg = update.effective_message
    assert msg is not None
    if bars > MAX_PHOTO_BARS:
        await msg.reply_document(InputFile(png, filename=f"bieu-do-{unit.code}.png"), caption=caption, do_quote=True)
    else:
        await msg.reply_photo(png, caption=caption, do_quote=True)


async def xuat(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    lang = caller.language
    svc = services(context)
    today = svc.today()
    try:
        args = parse_args(args_text(update), today)
    except ExportError as exc:
        await reply(update, exc.text(lang) + "\n" + t("err.usage", lang, usage=t("usage.xuat", lang)))
        return
    got = await _resolve(update, context, "xuat", args.unit_name)
    if got is None:
        return
    _caller, unit = got
    await in_background(update, context, lang, lambda _progress: _export(update, context, lang, args, unit))


async def _export(update: Update, context: Ctx, lang: str, args: Any, unit: Any) -> None:
    svc = services(context)
    if args.csv:
        content, _rows = await asyncio.to_thread(
            write_csv, svc.db, unit.id, args.start, args.end, lang=lang, default_metric=svc.settings.default_metric,
            tz=svc.settings.tz)
        caption = t("export.caption_csv", lang, unit=fmt.esc(unit.name), end=fmt.day(args.end, lang, year=True))
    else:
        content, rows = await asyncio.to_thread(
            write_xlsx, svc.db, unit.id, args.start, args.end, tz=svc.settings.tz, lang=lang,
            default_metric=svc.settings.default_metric, now=svc.now())
        caption = t("export.caption", lang, unit=fmt.esc(unit.name), start=fmt.day(args.start, lang),
                    end=fmt.day(args.end, lang, year=True), rows=fmt.num(rows, lang))
    msg = update.effective_message
    assert msg is not None
    await msg.reply_document(InputFile(content, filename=file_name(unit.code, args.start, args.end, args.csv)),
                             caption=caption, do_quote=True)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "tiendo", tiendo)
    add_command(app, "xephang", xephang)
    add_command(app, "chuabaocao", chuabaocao)
    add_command(app, "bieudo", bieudo)
    add_command(app, "xuat", xuat)
