"""build_application(settings) -> telegram.ext.Application: the ONE place handlers are registered."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Hashable
from types import ModuleType
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

import handlers.common
import handlers.figures
import handlers.org
import handlers.outbox
import handlers.reactions
import handlers.reporting
import handlers.schedule
import handlers.views
import handlers.zalo_link
from bot.bootstrap import build
from bot.channels.telegram.jobqueue import install as install_scheduler
from bot.channels.telegram.ratelimit import ReactionAwareRateLimiter
from bot.channels.telegram.request import AiohttpRequest
from bot.config import Settings
from bot.conversation.router import know_callers
from bot.core.commands import BY_NAME, Role
from bot.core.fmt import esc
from bot.core.intake import Intake, track, untrack
from bot.core.services import Clock, Services, system_clock
from bot.texts import t
from handlers.base import AppContext
from storage.db import Database

log = logging.getLogger(__name__)

# each module has register(app); order matters: commands first, then free text, then fallbacks
HANDLER_MODULES: tuple[ModuleType, ...] = (
    handlers.common,
    handlers.org,
    handlers.views,
    handlers.figures,
    handlers.schedule,
    handlers.zalo_link,
    handlers.reporting,
    handlers.outbox,
    handlers.reactions,
)

App = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")

#: updates handled at the same time (different chats and users; see OrderedUpdateProcessor)
CONCURRENT_UPDATES = 8
#: seconds within which the writes that trail behind an update are flushed (storage/behind.py)
FLUSH_DELAY = 0.25
#: ... and at once when this many are buffered (an update's "done" and its confirmation's id are two): what
#: a kill -9 can lose of them, each lost reply id a confirmation sent again after the restart, stays bounded
#: (at most CONCURRENT_UPDATES in flight + CONCURRENT_UPDATES buffered) while a burst writes them in batches
FLUSH_AFTER = 2 * CONCURRENT_UPDATES


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent handling, but the updates of one chat, and of one user, run one at a time in the order
    they arrived: a member's report, its edit, /huy and the Undo button are never reordered.

    PTB starts one task per update in arrival order and each enters ``do_process_update`` at once (the
    base semaphore is set high enough never to wait; at most 100 updates are in flight in polling mode,
    see AckAfterProcessingRequest). There each update first chains itself behind the last update with
    the same chat or user, then waits for one of ``limit`` slots.
    """

    def __init__(self, limit: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates=4096)
        self._limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._alone = asyncio.Lock()
        self._tails: dict[Hashable, asyncio.Future[None]] = {}
        self.app: App | None = None  # set by build_application: the intake (bot.core.intake) needs it
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flushing = False
        self._flushes: set[asyncio.Future[None]] = set()

    @staticmethod
    def order_keys(update: object) -> list[Hashable]:
        if not isinstance(update, Update):
            return ["other"]
        keys: list[Hashable] = []
        if update.effective_chat is not None:
            keys.append(("chat", update.effective_chat.id))
        if update.effective_user is not None:
            keys.append(("user", update.effective_user.id))
        return keys or ["other"]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = self.order_keys(update)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        before = {id(f): f for f in (self._tails.get(k) for k in keys) if f is not None}
        for key in keys:
            self._tails[key] = done
        started = False
        try:
            if before:
                await asyncio.wait(list(before.values()))  # never cancels them
            if self._redelivered(update):
                async with self._alone:  # every slot: nothing else is in flight while it runs
                    for _ in range(self._limit):
                        await self._slots.acquire()
                try:
                    started = True
                    await self._handle(update, coroutine)
                finally:
                    for _ in range(self._limit):
                        self._slots.release()
            else:
                async with self._slots:
                    started = True
                    await self._handle(update, coroutine)
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()
            done.set_result(None)
            for key in keys:
                if self._tails.get(key) is done:
                    del self._tails[key]

    def _intake(self) -> Intake | None:
        return self.app.bot_data.get("intake") if self.app is not None else None

    def _redelivered(self, update: object) -> bool:
        """Fetched before (a re-delivery after a crash): handled alone, so that an update which kills the
        process is the only one in flight when it does (the others' attempts are not counted with it)."""
        intake = self._intake()
        return (intake is not None and isinstance(update, Update)
                and intake.fetched.get(str(update.update_id)) is False)

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Count the attempt durably first (bot.core.intake: when polling, a new update's first attempt is
        counted for its whole getUpdates batch at once, before any is handled), then handle; skip
        re-deliveries of handled updates; park an update that failed or killed the process
        MAX_UPDATE_ATTEMPTS times."""
        intake = self._intake()
        if intake is None or not isinstance(update, Update):
            await coroutine
            return
        key = str(update.update_id)
        chat = str(update.effective_chat.id) if update.effective_chat is not None else None
        if intake.take_fetched(key):
            action, attempts = "handle", 1
        else:
            try:
                action, attempts = await db_call(intake, intake.begin, key, chat)
            except Exception as exc:  # noqa: BLE001 - database down: handle anyway (it will say so)
                log.warning("update intake unavailable (%s); handling update without counting",
                            type(exc).__name__)
                await coroutine
                return
        if action != "handle":
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            if action == "park":
                await park_update(self.app, intake, update.to_dict(), key, chat, attempts, None)
            return
        holder, token = track(key, attempts)
        try:
            await coroutine
        finally:
            untrack(token)
        if holder.background:
            return  # its long work goes on (handlers/background.py records the end)
        if holder.error is None:  # handled: "done" trails behind (the next intake transaction writes it)
            intake.done_later(key)
            if len(intake.svc.db.behind) >= FLUSH_AFTER and not self._flushing:
                self._flushing = True  # one at a time: the others' items go with it or with the next one
                try:
                    await flush_behind(intake)
                finally:
                    self._flushing = False
            else:
                self._flush_soon(intake)
            return
        try:
            if await db_call(intake, intake.finish, key, holder.error, attempts):
                await park_update(self.app, intake, update.to_dict(), key, chat, attempts, holder.error)
        except Exception as exc:  # noqa: BLE001 - a re-delivery will count once more
            log.warning("update intake: could not record the outcome (%s)", type(exc).__name__)

    def _flush_soon(self, intake: Intake) -> None:
        """What trails behind is written within FLUSH_DELAY even when no update follows (webhook mode; in
        polling mode the next getUpdates flushes first)."""
        if self._flush_handle is not None:
            return

        def start() -> None:
            self._flush_handle = None
            task = asyncio.ensure_future(flush_behind(intake))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

        self._flush_handle = asyncio.get_running_loop().call_later(FLUSH_DELAY, start)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        intake = self._intake()
        if intake is not None:
            await flush_behind(intake)


class AckAfterProcessingRequest(AiohttpRequest):
    """The getUpdates connection: a getUpdates call (whose offset confirms every earlier update to
    Telegram) waits until every update fetched so far has been handled. PTB's Updater would otherwise
    confirm a batch as soon as it is queued, and a crash (kill -9, power loss) would lose the updates
    that were queued but not yet handled. Re-delivered updates are harmless: reports are recorded once
    per (chat, message, revision).

    An update PTB cannot parse fails its whole batch (PTB logs it and fetches the same batch again). The
    poison check (a second parse of every update) runs only on such a batch: one that holds an update
    this connection already handed to PTB, which PTB therefore never confirmed (half the event loop's
    parsing per update otherwise; bench/bench_ingest.py)."""

    def __init__(self, update_queue: asyncio.Queue[object]) -> None:
        super().__init__(connection_pool_size=1)  # PTB's default for getUpdates
        self._update_queue = update_queue
        self.on_poison: Callable[[dict[str, Any], str], Awaitable[None]] | None = None
        self.before_poll: Callable[[], Awaitable[None]] | None = None
        #: the batch's (update key, chat) and senders (user id, full name) before PTB hands any of it to a
        #: handler (the intake counts them; the roster members among the senders are looked up at once)
        self.on_fetched: Callable[[list[tuple[str, str | None]], list[tuple[str, str]]], Awaitable[None]] | None = None
        self._handed_up_to: int | None = None  #: the newest update id handed to PTB unchecked

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._update_queue.join()  # PTB calls task_done() once an update was handled
        if self.before_poll is not None:  # what trails behind the handled updates, before they are confirmed
            await self.before_poll()
        code, payload = await super().do_request(*args, **kwargs)
        result = _result_of(payload) if code == 200 else None
        if result is None:
            return code, payload
        fetched = _keys_and_chats(result)  # read before the poison check parses (and changes) the items
        senders = _senders(result)
        ids = [int(key) for key, _chat in fetched]
        if self.on_poison is not None:
            if self._handed_up_to is not None and any(i <= self._handed_up_to for i in ids):
                payload = await self._without_poison(payload, result)  # PTB could not parse it last time
            elif ids:
                self._handed_up_to = max(ids)
        if fetched and self.on_fetched is not None:
            await self.on_fetched(fetched, senders)
        return code, payload

    async def _without_poison(self, payload: bytes, result: list[Any]) -> bytes:
        """An update PTB cannot parse would fail the whole batch, and PTB would fetch the same batch
        again and again (a log storm, polling stalled for every chat). Each such update is parked
        (dead letters, admins told once) and replaced by an empty update with the same id, so that the
        next getUpdates confirms it and polling goes on. `result`: the payload's updates, parsed."""
        bad: dict[int, str] = {}
        for i, item in enumerate(result):  # de_json changes what it parses: `result` is thrown away
            try:
                if not isinstance(item, dict) or not isinstance(item.get("update_id"), int):
                    raise ValueError("an update without an integer update_id")
                Update.de_json(item, None)
            except Exception as exc:  # noqa: BLE001 - whatever PTB raises on it
                bad[i] = f"{type(exc).__name__}: {exc}"[:2000]
        if not bad:
            return payload
        body = json.loads(payload)
        clean: list[Any] = []
        for i, item in enumerate(body["result"]):
            if i not in bad:
                clean.append(item)
                continue
            assert self.on_poison is not None
            await self.on_poison(item if isinstance(item, dict) else {"raw": repr(item)[:2000]}, bad[i])
            if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                clean.append({"update_id": item["update_id"]})
        body["result"] = clean
        return json.dumps(body).encode()


class WithoutRawUpdates(logging.Filter):
    """PTB logs a getUpdates batch it cannot parse with its raw content (citizens' messages, their names):
    the record keeps PTB's words and the traceback, and says only the update ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Error while parsing updates!") and record.args:
            raw = record.args[0] if isinstance(record.args, tuple) else record.args
            ids = [u.get("update_id") for u in raw if isinstance(u, dict)] if isinstance(raw, list) else []
            record.msg, record.args = "Error while parsing updates! Update ids: %s", (ids,)
        return True


async def db_call(intake: Intake, fn: Callable[..., T], *args: Any) -> T:
    """Like handlers.base.blocking: inline on SQLite (one writer), a worker thread on PostgreSQL."""
    if intake.svc.db.dialect == "sqlite":
        return fn(*args)
    return await asyncio.to_thread(fn, *args)


_flush_failing = False  # logged once per outage, not at every getUpdates


async def flush_behind(intake: Intake) -> None:
    global _flush_failing
    try:
        await db_call(intake, intake.flush)
    except Exception as exc:  # noqa: BLE001 - kept buffered: the next intake transaction writes it
        level = logging.DEBUG if _flush_failing else logging.WARNING
        log.log(level, "could not write the handled updates' outcomes yet (%s)", type(exc).__name__)
        _flush_failing = True
        return
    _flush_failing = False


async def park_update(app: App | None, intake: Intake, payload: dict[str, Any], key: str, chat: str | None,
                      attempts: int, error: str | None, *, tell_sender: bool = True) -> None:
    """Park the update in the dead letters and, the first time, tell the admins and the sender."""
    try:
        dead_id = await db_call(intake, intake.park, key, chat, attempts, error, payload)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not park update %s (%s)", key, type(exc).__name__)
        return
    if dead_id is None or app is None:
        return  # parked before: the admins were told then
    log.warning("update %s parked after %d attempts: %s", key, attempts, (error or "process stopped")[:200])
    settings = intake.svc.settings
    lang = settings.language
    text = t("rel.parked_admin", lang, attempts=attempts, chat=esc(chat or "?"),
             error=esc((error or t("rel.process_died", lang))[:300]))
    for admin in settings.admin_ids:
        try:
            await app.bot.send_message(admin, text)
        except Exception as exc:  # noqa: BLE001 - telling is best effort
            log.warning("could not tell admin about a parked update (%s)", type(exc).__name__)
    message = payload.get("message") if isinstance(payload, dict) and tell_sender else None
    if isinstance(message, dict) and chat is not None and isinstance(message.get("message_id"), int):
        try:
            await app.bot.send_message(int(chat), t("rel.parked_user", lang, attempts=attempts),
                                       reply_parameters=ReplyParameters(message["message_id"],
                                                                        allow_sending_without_reply=True))
        except Exception as exc:  # noqa: BLE001 - telling is best effort
            log.warning("could not tell the sender about a parked update (%s)", type(exc).__name__)
    try:
        await db_call(intake, intake.told, dead_id)
    except Exception:  # noqa: BLE001
        log.warning("could not record that the admins were told")


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    start_scheduler: bool = True,
    request: BaseRequest | None = None,
) -> App:
    """`request`: the Bot API connection of every call but getUpdates (tests: an offline recorder)."""
    container = build(Services(settings, db or Database(settings.database_url), clock or system_clock))
    svc = container.svc
    update_queue: asyncio.Queue[object] = asyncio.Queue()
    builder = ApplicationBuilder().request(request or AiohttpRequest())
    app: App = (
        builder
        .token(settings.token())
        .update_queue(update_queue)
        .get_updates_request(AckAfterProcessingRequest(update_queue))
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(rate_limiter or ReactionAwareRateLimiter(settings.telegram_reaction_limits, max_retries=10))
        .concurrent_updates(OrderedUpdateProcessor())
        .post_init(_post_init)
        .context_types(ContextTypes(context=AppContext))
        .build()
    )
    app.bot_data["container"] = container  # handlers read it as context.container (handlers.base.AppContext)
    app.bot_data["start_scheduler"] = start_scheduler
    intake = Intake(svc, "telegram", settings.token().split(":", 1)[0])
    app.bot_data["intake"] = intake
    processor = app.update_processor
    if isinstance(processor, OrderedUpdateProcessor):
        processor.app = app
    poll_request = app.updater.bot._request[0] if app.updater is not None else None  # noqa: SLF001
    if isinstance(poll_request, AckAfterProcessingRequest):
        bot_log = logging.getLogger("telegram.ext.ExtBot")  # the logger of the Application's bot
        if not any(isinstance(f, WithoutRawUpdates) for f in bot_log.filters):
            bot_log.addFilter(WithoutRawUpdates())
        async def on_poison(raw: dict[str, Any], error: str) -> None:
            key = str(raw.get("update_id", "?"))
            chat = _chat_of(raw)
            # parsing it failed: retrying cannot help, and its content is not trusted for a reply
            await park_update(app, intake, raw, key, chat, 1, error, tell_sender=False)

        poll_request.on_poison = on_poison

        async def before_poll() -> None:
            await flush_behind(intake)

        poll_request.before_poll = before_poll

        def fetched_work(updates: list[tuple[str, str | None]], senders: list[tuple[str, str]]) -> None:
            intake.count_fetched(updates)
            try:
                know_callers(container.svc, "telegram", senders)
            except Exception as exc:  # noqa: BLE001 - each sender is then looked up when their update runs
                log.warning("could not look up the senders of the fetched updates (%s)", type(exc).__name__)

        async def on_fetched(updates: list[tuple[str, str | None]], senders: list[tuple[str, str]]) -> None:
            try:
                await db_call(intake, fetched_work, updates, senders)
            except Exception as exc:  # noqa: BLE001 - each update then counts its own attempt (Intake.begin)
                log.warning("update intake: could not count the fetched updates (%s)", type(exc).__name__)

        poll_request.on_fetched = on_fetched
    for mod in HANDLER_MODULES:
        mod.register(app)
    handlers.common.register_fallbacks(app)
    install_scheduler(app)  # the scheduler's repeating tick, with the Telegram sender
    return app


def _chat_of(raw: dict[str, Any]) -> str | None:
    """The chat id of a raw update (PTB's effective_chat: the chat of the update's object, or of the
    message a callback query came from), if it can be found."""
    for value in raw.values():
        if isinstance(value, dict):
            for holder in (value, value.get("message")):
                chat = holder.get("chat") if isinstance(holder, dict) else None
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    return str(chat["id"])
    return None


def _result_of(payload: bytes) -> list[Any] | None:
    """The updates of a getUpdates answer; None for anything else."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    result = body.get("result") if isinstance(body, dict) else None
    return result if isinstance(result, list) else None


def _senders(result: list[Any]) -> list[tuple[str, str]]:
    """(user id, full name as PTB's User.full_name) of the sender of each update of a getUpdates answer
    that names one (its message's, edit's, button press's ... "from")."""
    found: dict[str, str] = {}
    for item in result:
        for value in item.values() if isinstance(item, dict) else ():
            user = value.get("from") if isinstance(value, dict) else None
            if not isinstance(user, dict) or not isinstance(user.get("id"), int) or user.get("is_bot"):
                continue
            first, last = user.get("first_name"), user.get("last_name")
            if isinstance(first, str) and (last is None or isinstance(last, str)):
                found[str(user["id"])] = f"{first} {last}" if last else first
    return list(found.items())


def _keys_and_chats(result: list[Any]) -> list[tuple[str, str | None]]:
    """(update_id, chat id) of each update of a getUpdates answer."""
    return [(str(item["update_id"]), _chat_of(item)) for item in result
            if isinstance(item, dict) and isinstance(item.get("update_id"), int)]


def menu(registered: list[str], lang: str, max_role: Role) -> list[BotCommand]:
    out = []
    for name in registered:
        spec = BY_NAME[name]
        if spec.role > max_role:
            continue
        cmd = spec.name if lang == "vi" else spec.alias
        out.append(BotCommand(cmd, t(f"cmd.{spec.name}", lang)[:256]))
    return out


async def _post_init(app: App) -> None:
    intake: Intake | None = app.bot_data.get("intake")
    if intake is not None:  # long work a previous process did not finish: handled again (and counted)
        try:
            payloads = await asyncio.to_thread(intake.unfinished)
        except Exception as exc:  # noqa: BLE001 - database down at start: the next start retries
            log.warning("could not read unfinished background work (%s)", type(exc).__name__)
            payloads = []
        for payload in payloads:
            try:
                await app.update_queue.put(Update.de_json(payload, app.bot))
            except Exception as exc:  # noqa: BLE001
                log.warning("could not resume background work (%s)", type(exc).__name__)
        if payloads:
            log.info("resuming %d unfinished background job(s)", len(payloads))
    registered: list[str] = app.bot_data.get("commands", [])
    for lang, code in (("vi", None), ("en", "en")):
        await app.bot.set_my_commands(menu(registered, lang, Role.MEMBER), scope=BotCommandScopeDefault(),
                                      language_code=code)
        await app.bot.set_my_commands(menu(registered, lang, Role.ADMIN),
                                      scope=BotCommandScopeAllChatAdministrators(), language_code=code)
