"""The Zalo side of `vneid-bot run`: poll loop or webhook, the web server, scheduled deliveries.

    runner = ZaloRunner.from_settings(settings, build(svc))
    await runner.start()          # getMe, then polling (or setWebhook when a public URL and a secret are set)
    ...
    await runner.stop()

Each update goes through `ZaloDispatcher.handle` (the same domain services as Telegram) one at a time,
in arrival order; replies are sent with the client (plain text, ≤2,000 characters a message). A Zalo
update delivered twice (webhook retries) is handled once. Every `tick_seconds` the Zalo scheduler sends
what is due to chats whose channel is "zalo".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.bootstrap import Container
from bot.config import Settings
from bot.scheduling import TICK_SECONDS
from bot.services import Services
from bot.zalo import CHANNEL
from bot.zalo.client import ZaloClient, ZaloError
from bot.zalo.delivery import ZaloScheduler
from bot.zalo.dispatch import BlobCache, Incoming, Out, ZaloDispatcher, parse_update
from bot.zalo.files import export_file, summary_chart, view_chart
from bot.zalo.quota import QuotaMeter
from bot.zalo.transport import Sender
from bot.zalo.web import File, LinkSigner, WebServer, build_app, derive_key

log = logging.getLogger(__name__)

SEEN_SIZE = 2000


class ZaloRunner:
    """The Bot Platform runner; the Official Account runner (bot/zalo/oa_runner.py) is this class with
    another ``Sender``, another intake (signed webhook events) and ``channel="zalo_oa"``."""

    channel = CHANNEL

    def __init__(
        self,
        container: Container,
        client: Sender,
        *,
        public_base_url: str | None = None,
        webhook_secret: str | None = None,
        web_host: str = "0.0.0.0",
        web_port: int = 8088,
        poll_timeout: int = 30,
        schedule: bool = True,
        tick_seconds: float = TICK_SECONDS,
        link_key: bytes | None = None,
        telegram_bot: Any = None,
    ) -> None:
        self.container = container
        self.svc = svc = container.svc
        self.client = client
        self.public_base_url = (public_base_url or "").rstrip("/") or None
        self.webhook_secret = webhook_secret or None
        self.web_host, self.web_port = web_host, web_port
        self.poll_timeout = poll_timeout
        self.schedule = schedule
        self.tick_seconds = tick_seconds
        self.signer = LinkSigner(link_key or derive_key(client.token), self.public_base_url, svc.clock)
        self.blobs = BlobCache()
        self.dispatcher = ZaloDispatcher(container, self.signer, blobs=self.blobs, bot_id=client.bot_id,
                                         channel=self.channel)
        self.scheduler = ZaloScheduler(svc, client, self.signer, channel=self.channel)
        st = svc.settings
        self.telegram_bot = telegram_bot  # CHANNELS=both: admins are also told on Telegram
        client.meter = QuotaMeter(svc, self.channel, client.bot_id, self.monthly_limit(), st.zalo_quota_warn_percent,
                                  notify=self.tell_admins)
        self._batches: dict[str, list[str]] = {}
        self._flushers: dict[str, asyncio.Task[None]] = {}
        self.web: WebServer | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._stopped = asyncio.Event()
        self.handled = 0  # updates handled (tests)
        self.me: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: Settings, container: Container, **kwargs: Any) -> ZaloRunner:
        client = ZaloClient(settings.zalo_token(), settings.zalo_api_base_url)
        secret = settings.zalo_webhook_secret.get_secret_value().strip() if settings.zalo_webhook_secret else ""
        return cls(container, client, public_base_url=settings.zalo_public_base_url, webhook_secret=secret or None,
                   web_host=settings.webhook_listen, web_port=settings.zalo_web_port, **kwargs)

    def monthly_limit(self) -> int:
        return self.svc.settings.zalo_monthly_messages

    @property
    def bp(self) -> ZaloClient:
        """The Bot Platform client (getMe, getUpdates, setWebhook): only this runner's own methods use it."""
        assert isinstance(self.client, ZaloClient)
        return self.client

    def parse(self, raw: dict[str, Any]) -> Incoming | None:
        return parse_update(raw)

    async def enrich(self, msg: Incoming) -> Incoming:
        """What the update lacks, fetched by the surface's adapter (the OA looks up the sender's name)."""
        return msg

    @property
    def webhook_mode(self) -> bool:
        return bool(self.public_base_url and self.webhook_secret)

    # ---- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            self.me = await self.bp.get_me()
        except ZaloError as exc:
            log.warning("Zalo getMe failed (%s); continuing", exc)
        if self.me.get("id"):
            self.dispatcher.bot_id = str(self.me["id"])
        # getMe has no display name (id, account_name, account_type, can_join_groups): it comes from settings
        display = (self.svc.settings.zalo_bot_display_name or "").strip()
        self.dispatcher.bot_names = tuple(n for n in (display, str(self.me.get("account_name") or "")) if n)
        if self.me.get("can_join_groups") and not display:
            log.warning("ZALO_BOT_DISPLAY_NAME is not set: in groups only commands are recognised after "
                        "'@<bot name>'; set it to the bot's name as Zalo shows it")
        if self.public_base_url:
            app = build_app(self.signer, self._renderers(), webhook=self.enqueue if self.webhook_mode else None,
                            webhook_secret=self.webhook_secret)
            self.web = WebServer(app, self.web_host, self.web_port)
            await self.web.start()
            log.info("Zalo web server on port %s (public URL %s)", self.web.port, self.public_base_url)
        if self.webhook_mode:
            assert self.webhook_secret is not None
            await self.bp.set_webhook(f"{self.public_base_url}/zalo/webhook", self.webhook_secret)
            self._tasks.append(asyncio.create_task(self._worker(), name="zalo-worker"))
            log.info("Zalo: webhook mode")
        else:
            try:
                await self.bp.delete_webhook()
            except ZaloError as exc:
                log.info("Zalo deleteWebhook: %s", exc)
            self._tasks.append(asyncio.create_task(self._poll_loop(), name="zalo-poll"))
            log.warning("Zalo: polling mode — for development only (Zalo's docs); messages sent while the bot "
                        "is not polling are lost. Production: set ZALO_PUBLIC_BASE_URL and ZALO_WEBHOOK_SECRET")
        if self.schedule:
            self._tasks.append(asyncio.create_task(self._tick_loop(), name="zalo-scheduler"))

    async def stop(self) -> None:
        self._stopped.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.flush_batches()
        if self.web is not None:
            await self.web.stop()
            self.web = None
        self.scheduler.close()
        await self.client.aclose()

    async def run_forever(self) -> None:
        """`vneid-bot run` with CHANNELS=zalo: until SIGINT/SIGTERM."""
        await self.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stopped.set)
        try:
            await self._stopped.wait()
        finally:
            await self.stop()

    # ---- updates --------------------------------------------------------------------------------

    async def enqueue(self, raw: dict[str, Any]) -> None:
        """The webhook hands updates over here; the worker handles them in order."""
        await self._queue.put(raw)

    async def _worker(self) -> None:
        while True:
            raw = await self._queue.get()
            try:
                await self.process(raw)
            finally:
                self._queue.task_done()

    async def _poll_loop(self) -> None:
        delay = 1.0
        while not self._stopped.is_set():
            try:
                updates = await self.bp.get_updates(self.poll_timeout)
                delay = 1.0
            except ZaloError as exc:
                log.warning("Zalo getUpdates failed: %s; retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            for raw in updates:
                await self.process(raw)

    async def process(self, raw: dict[str, Any]) -> list[Out]:
        """Handle one update (errors are logged, never raised: the loop must go on)."""
        msg = self.parse(raw)
        if msg is not None:
            msg = await self.enrich(msg)
        if msg is None:
            log.debug("Zalo update ignored: %s", str(raw)[:200])
            return []
        key = (msg.chat_id, msg.message_id)
        if key in self._seen:
            return []
        self._seen[key] = None
        while len(self._seen) > SEEN_SIZE:
            self._seen.popitem(last=False)
        try:  # the core runs its database work off the event loop (a worker thread where the database allows)
            outs = await self.dispatcher.handle(msg)
        except Exception:  # noqa: BLE001 - one bad message must not stop the bot
            log.exception("error while handling a Zalo message")
            outs = [Out(text=_internal_error(self.svc))]
        await self.send(msg, outs)
        self.handled += 1
        return outs

    async def send(self, msg: Incoming, outs: list[Out]) -> None:
        """Texts are joined into one message where they fit (the free plan counts messages), photos follow.
        In a group with a budget mode, report confirmations are batched ("gop") or left out ("tonghop")."""
        if msg.is_group and any(o.confirm for o in outs):
            mode = await self.dispatcher.conversation.worker.blocking(self.dispatcher.budget_mode, msg.chat_id)
            if mode != "full":
                if mode == "batched":
                    for o in outs:
                        if o.confirm and o.text:
                            self._batch(msg.chat_id, o.text)
                outs = [o for o in outs if not o.confirm]
        texts = [o.text for o in outs if o.text and not o.photo_url]
        merged = [Out(text="\n\n".join(texts))] if texts else []
        for out in merged + [o for o in outs if o.photo_url]:
            try:
                if out.photo_url:
                    await self.client.send_photo(msg.chat_id, out.photo_url, out.caption)
                elif out.text:
                    await self.client.send_text(msg.chat_id, out.text)
            except ZaloError as exc:
                log.warning("cannot reply in Zalo chat %s: %s", msg.chat_id, exc)
            except ValueError as exc:
                log.warning("cannot send to Zalo chat %s: %s", msg.chat_id, exc)

    # ---- budget mode "gop": confirmations joined into one message per chat every few minutes ----------

    def _batch(self, chat_id: str, text: str) -> None:
        self._batches.setdefault(chat_id, []).append(text)
        if chat_id not in self._flushers:
            self._flushers[chat_id] = asyncio.create_task(self._flush_later(chat_id), name=f"zalo-batch-{chat_id}")

    async def _flush_later(self, chat_id: str) -> None:
        await asyncio.sleep(self.svc.settings.zalo_batch_minutes * 60)
        self._flushers.pop(chat_id, None)
        await self._flush(chat_id)

    async def _flush(self, chat_id: str) -> None:
        texts = self._batches.pop(chat_id, [])
        if not texts:
            return
        from bot.texts import t
        from bot.zalo.text import to_plain

        title = to_plain(t("zalo.budget_batch_title", self.svc.settings.language))
        try:
            await self.client.send_text(chat_id, "\n\n".join([title, *texts]))
        except ZaloError as exc:
            log.warning("cannot send the batched confirmations to Zalo chat %s: %s", chat_id, exc)

    async def flush_batches(self) -> None:
        """Send every pending batch now (on stop; tests)."""
        for task in self._flushers.values():
            task.cancel()
        self._flushers.clear()
        for chat_id in list(self._batches):
            await self._flush(chat_id)

    # ---- telling the admins (quota warnings) ----------------------------------------------------------

    async def tell_admins(self, key: str, values: dict[str, Any]) -> None:
        """Zalo admins in their private chat with the bot, Telegram admins when Telegram runs too."""
        from bot.texts import t
        from bot.zalo.text import to_plain
        from storage import zalo_repo

        lang = self.svc.settings.language
        with self.svc.db.session() as s:
            accounts = zalo_repo.admin_accounts(s, self.channel)
        for ext in accounts:
            try:
                await self.client.send_text(ext, to_plain(t(key, lang, **values)))
            except ZaloError as exc:
                log.warning("cannot tell Zalo admin %s: %s", ext, exc.description)
        if self.telegram_bot is not None:
            for admin in self.svc.settings.admin_ids:
                try:
                    await self.telegram_bot.send_message(admin, t(key, lang, **values), parse_mode="HTML")
                except Exception as exc:  # noqa: BLE001 - Telegram may be unreachable too
                    log.warning("cannot tell admin %s on Telegram: %s", admin, exc)

    # ---- scheduled deliveries -------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        while not self._stopped.is_set():
            if not self.scheduler.busy:
                try:
                    await self.scheduler.tick()
                except Exception:  # noqa: BLE001 - never let the loop die
                    log.exception("Zalo scheduler tick failed")
            await asyncio.sleep(self.tick_seconds)

    # ---- files for the web server ----------------------------------------------------------------

    def _renderers(self) -> dict[str, Any]:
        def blob(params: dict[str, Any]) -> File | None:
            return self.blobs.get(str(params.get("b", "")))

        svc = self.svc
        return {"blob": blob, "chart": lambda p: summary_chart(svc, p), "vchart": lambda p: view_chart(svc, p),
                "export": lambda p: export_file(svc, p)}


def _internal_error(svc: Services) -> str:
    from bot.texts import t
    from bot.zalo.text import to_plain

    return to_plain(t("err.internal", svc.settings.language))


# ---- `vneid-bot run` -------------------------------------------------------------------------------


def run_zalo_only(settings: Settings, container: Container) -> int:
    """CHANNELS=zalo: the Zalo runner alone, until SIGINT/SIGTERM."""
    runner = ZaloRunner.from_settings(settings, container)
    log.info("starting the Zalo bot against %s", settings.zalo_api_base_url.split("/bot")[0])
    asyncio.run(runner.run_forever())
    return 0


def attach_runner(app: Any, key: str, make: Callable[[Any], Any]) -> None:
    """Start a Zalo runner (`make(application)`) in PTB's event loop once the application is up, keep it in
    `bot_data[key]`, and stop it with the application."""
    previous_init, previous_shutdown = app.post_init, app.post_shutdown

    async def init(application: Any) -> None:
        if previous_init is not None:
            await previous_init(application)
        runner = make(application)
        await runner.start()
        application.bot_data[key] = runner

    async def shutdown(application: Any) -> None:
        runner = application.bot_data.pop(key, None)
        if runner is not None:
            await runner.stop()
        if previous_shutdown is not None:
            await previous_shutdown(application)

    app.post_init = init
    app.post_shutdown = shutdown


def attach(app: Any, settings: Settings) -> None:
    """CHANNELS=both: the Zalo runner in PTB's event loop, started and stopped with the application."""
    attach_runner(app, "zalo", lambda application: ZaloRunner.from_settings(
        settings, application.bot_data["container"], telegram_bot=application.bot))
