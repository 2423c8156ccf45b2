"""Webhook mode with a durable intake: `vneid-bot run` with WEBHOOK_URL set.

PTB's own webhook server answers 200 as soon as an update is queued in memory, so a worker killed with
updates in its queue loses them (Telegram never sends an update again once it got 200). Here the endpoint
commits the raw update to the inbox table first (bot.core.inbox_queue) and answers 200 only then; a
database that cannot take it gets a 503, and Telegram sends the update again later.

Each worker process runs the endpoint and a `Consumer`: it claims due rows (the oldest open row of each
chat and sender, across all workers), handles up to CONCURRENT_UPDATES at a time with PTB's
`Application.process_update` (the same handlers as polling), renews its leases while it works, and marks
each row done, to be retried, or parked. Several workers sit behind one load balancer on one PostgreSQL;
any worker may take any row, and the scheduler runs in whichever holds the leader lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import signal
from typing import Any

from aiohttp import web
from telegram import Update

from bot.channels.telegram.app import CONCURRENT_UPDATES, App, db_call, park_update
from bot.config import Settings
from bot.core.inbox_queue import Claimed, InboxQueue, worker_name
from bot.core.intake import Intake, track, untrack

log = logging.getLogger(__name__)

PATH = "/telegram"
MAX_BODY = 1 << 20  # an update is a few KB; Telegram's own limit for a message with entities is far below
IDLE_POLL = 0.5  # seconds between two looks at the queue when nothing woke the consumer (other workers' rows)
STOP_GRACE = 10.0  # seconds the in-flight updates get to finish at shutdown (the rest is handled again)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _ids(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """(chat id, sender id) of a raw update, as far as they can be found: the keys that order it."""
    chat = user = None
    for value in raw.values():
        if not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):  # a callback query carries the chat in its message
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict) and chat is None:
                cid = holder["chat"].get("id")
                chat = str(cid) if isinstance(cid, int) else None
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            user = str(sender["id"])
        break
    return chat, user


class Consumer:
    """Takes rows of the inbox queue and handles them with the application's handlers."""

    def __init__(self, app: App, queue: InboxQueue, intake: Intake, concurrency: int = CONCURRENT_UPDATES) -> None:
        self.app, self.queue, self.intake, self.concurrency = app, queue, intake, concurrency
        self.wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._stopping = False

    async def run(self) -> None:
        renew = asyncio.create_task(self._renew_leases())
        try:
            while not self._stopping:
                free = self.concurrency - len(self._inflight)
                items: list[Claimed] = []
                if free > 0:
                    try:
                        items = await db_call(self.intake, self.queue.take, free)
                    except Exception as exc:  # noqa: BLE001 - database down: try again shortly
                        log.warning("webhook queue: cannot claim updates (%s)", type(exc).__name__)
                for item in items:
                    task = asyncio.create_task(self._one(item))
                    self._inflight[item.id] = task
                    task.add_done_callback(functools.partial(self._finished, item.id))
                if items and len(items) == free:
                    await asyncio.sleep(0)  # more may be due: look again as soon as a slot frees
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), IDLE_POLL)
        finally:
            renew.cancel()

    def _finished(self, row_id: int, _task: asyncio.Task[None]) -> None:
        self._inflight.pop(row_id, None)
        self.wake.set()  # a slot is free, and the chat's next row may be due now

    async def stop(self) -> None:
        self._stopping = True
        self.wake.set()
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=STOP_GRACE)

    async def _renew_leases(self) -> None:
        every = self.queue.lease.total_seconds() / 4
        while True:
            await asyncio.sleep(every)
            ids = list(self._inflight)
            if not ids:
                continue
            try:
                await db_call(self.intake, self.queue.renew, ids)
            except Exception as exc:  # noqa: BLE001 - the lease may run out: another worker handles it again
                log.warning("webhook queue: cannot renew leases (%s)", type(exc).__name__)

    async def _one(self, item: Claimed) -> None:
        chat = item.chat_id
        if self.queue.exhausted(item):
            await park_update(self.app, self.intake, item.payload, item.key, chat, item.attempts - 1, None)
            return
        try:
            update = Update.de_json(item.payload, self.app.bot)
        except Exception as exc:  # noqa: BLE001 - whatever PTB raises on it: a poison update
            await park_update(self.app, self.intake, item.payload, item.key, chat, item.attempts,
                              f"{type(exc).__name__}: {exc}"[:2000], tell_sender=False)
            return
        holder, token = track(item.key, item.attempts)
        try:
            await self.app.process_update(update)
        except Exception as exc:  # noqa: BLE001 - PTB re-raises what no error handler took
            holder.error = holder.error or f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            untrack(token)
        if holder.background:
            return  # its long work goes on; handlers/background.py records the end
        try:
            outcome = await db_call(self.intake, self.queue.done, item, holder.error)
        except Exception as exc:  # noqa: BLE001 - not recorded: the lease runs out and it is handled again
            log.warning("webhook queue: could not record update %s (%s)", item.key, type(exc).__name__)
            return
        if outcome == "park":
            await park_update(self.app, self.intake, item.payload, item.key, chat, item.attempts, holder.error)
        elif outcome == "lost":
            log.warning("webhook queue: update %s was taken over by another worker (lease ran out)", item.key)


class Endpoint:
    """POST /telegram: check the secret, bound and parse the body, commit it, answer 200."""

    def __init__(self, queue: InboxQueue, secret: str, consumer: Consumer) -> None:
        self.queue, self.secret, self.consumer = queue, secret, consumer
        self.intake = consumer.intake

    def routes(self) -> web.Application:
        webapp = web.Application(client_max_size=MAX_BODY)
        webapp.router.add_post(PATH, self.post)
        webapp.router.add_get("/healthz", self.health)
        return webapp

    async def health(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def post(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
        except (ValueError, web.HTTPRequestEntityTooLarge):
            return web.Response(status=400)
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int) or isinstance(
                raw.get("update_id"), bool):
            return web.Response(status=400)
        chat, user = _ids(raw)
        try:
            await db_call(self.intake, self.queue.put, str(raw["update_id"]), chat, user, raw)
        except Exception as exc:  # noqa: BLE001 - not kept: Telegram must send it again
            log.warning("webhook: cannot keep update (%s); answering 503", type(exc).__name__)
            return web.Response(status=503)
        self.consumer.wake.set()
        return web.Response(text="")


async def serve(app: App, settings: Settings, secret: str, stop: asyncio.Event | None = None) -> None:
    """Run one webhook worker until SIGTERM/SIGINT (or `stop`)."""
    intake: Intake = app.bot_data["intake"]
    queue = InboxQueue(intake.svc, intake.channel, intake.bot, worker_name())
    consumer = Consumer(app, queue, intake)
    endpoint = Endpoint(queue, secret, consumer)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    runner = web.AppRunner(endpoint.routes(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
    await site.start()
    assert settings.webhook_url is not None
    # every worker sets the same URL and secret (idempotent); none deletes it when it stops
    await app.bot.set_webhook(settings.webhook_url.rstrip("/") + PATH, secret_token=secret,
                              allowed_updates=Update.ALL_TYPES, max_connections=40)
    await app.start()
    log.info("webhook worker %s listening on port %s", queue.worker, settings.webhook_port)
    consuming = asyncio.create_task(consumer.run())
    try:
        await stop.wait()
    finally:
        log.info("webhook worker stopping")
        await runner.cleanup()  # no new updates: the balancer sends them to the other workers
        await consumer.stop()
        consuming.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consuming
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run(app: App, settings: Settings, secret: str) -> None:
    asyncio.run(serve(app, settings, secret))
