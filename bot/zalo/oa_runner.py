"""The Official Account side of `vneid-bot run` (CHANNELS=zalo_oa): signed webhook events in, OA messages out.

    runner = OARunner.from_settings(settings, build(svc))
    await runner.start()     # the web server: /zalo/oa/webhook, charts and downloads; the scheduler
    ...
    await runner.stop()

It is the Bot Platform runner (bot/zalo/runner.py) with three differences, all in adapters:
- intake: Zalo POSTs events to ``ZALO_OA_PUBLIC_BASE_URL/zalo/oa/webhook`` (configured in the Zalo app,
  not by an API call); each is checked — ``X-ZEvent-Signature`` (bot/zalo/oa.py), then replay protection
  by timestamp window + message id — and answered 200 at once (Zalo wants an answer within seconds),
  then handled in order by the worker;
- sending: ``OAClient`` (consultation messages to users, ``/v3.0/oa/group/message`` to GMF groups,
  charts uploaded and sent by attachment id, exports as download links);
- an OA reads every group message, so nobody needs to @mention it; chatter gets no "not understood"
  hint (only commands and reports are answered). Private chats of leaders are not bound for scheduled
  messages: consultation messages are free only shortly after the user wrote (the "48-hour window",
  docs/zalo.md) — scheduled reminders and summaries go to the GMF groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from bot.bootstrap import Container
from bot.config import Settings
from bot.services import Services
from bot.zalo.dispatch import Incoming
from bot.zalo.oa import OAClient, ReplayGuard, now_ms, parse_event, verify
from bot.zalo.oa_tokens import TokenStore
from bot.zalo.runner import ZaloRunner, attach_runner
from bot.zalo.web import WebServer, build_app, derive_key

log = logging.getLogger(__name__)

OA_CHANNEL = "zalo_oa"


class OARunner(ZaloRunner):
    channel = OA_CHANNEL

    def __init__(self, container: Container, client: OAClient, *, oa_secret_key: str, **kwargs: Any) -> None:
        kwargs.setdefault("link_key", derive_key(client.tokens.app_secret, "vneid-zalo-oa-links"))
        super().__init__(container, client, **kwargs)
        self.oa = client
        self.oa_secret_key = oa_secret_key
        self.replay = ReplayGuard(now_ms)
        self.refused = 0  # webhook posts refused (bad signature, replay) — tests, metrics
        self.dispatcher.track_private = False  # no scheduled consultation messages outside the free window
        client.fetch_image = self._render_link
        client.tokens.on_dead = self._token_dead

    @classmethod
    def from_settings(cls, settings: Settings, container: Container, **kwargs: Any) -> OARunner:  # type: ignore[override]
        tokens = oa_tokens_from_settings(settings, container.svc)
        client = OAClient(tokens, settings.zalo_oa_api_base_url)
        key = settings.zalo_oa_secret_key.get_secret_value().strip() if settings.zalo_oa_secret_key else ""
        if not key:
            from bot.config import SettingsError

            raise SettingsError("ZALO_OA_SECRET_KEY is not set: copy the OA secret key from the Zalo app's webhook page")
        return cls(container, client, oa_secret_key=key, public_base_url=settings.zalo_oa_public_base_url,
                   web_host=settings.webhook_listen, web_port=settings.zalo_oa_web_port, **kwargs)

    def monthly_limit(self) -> int:
        return self.svc.settings.zalo_oa_monthly_messages

    def parse(self, raw: dict[str, Any]) -> Incoming | None:
        msg = parse_event(raw)
        if msg is not None and not msg.is_group:  # a private message opens that user's free reply window
            self.oa.user_wrote(msg.user_id)
        return msg

    async def enrich(self, msg: Incoming) -> Incoming:
        if msg.name != msg.user_id:
            return msg
        name = await self.oa.user_name(msg.user_id)
        return replace(msg, name=name) if name else msg

    # ---- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.dispatcher.bot_names = tuple(n for n in (self.svc.settings.zalo_bot_display_name or "",) if n)
        app = build_app(self.signer, self._renderers(), oa_webhook=self.webhook)
        self.web = WebServer(app, self.web_host, self.web_port)
        await self.web.start()
        log.info("Zalo OA: webhook on port %s (public URL %s/zalo/oa/webhook)", self.web.port,
                 self.public_base_url or "<ZALO_OA_PUBLIC_BASE_URL not set>")
        self._tasks.append(asyncio.create_task(self._worker(), name="zalo-oa-worker"))
        if self.schedule:
            self._tasks.append(asyncio.create_task(self._tick_loop(), name="zalo-oa-scheduler"))

    async def webhook(self, raw: bytes, sig: str | None) -> int:
        """200 = taken (also for events we do not handle); 401 = bad signature; 409 = replayed/stale."""
        event = verify(raw, sig, self.oa_secret_key)
        if event is None:
            self.refused += 1
            log.warning("Zalo OA webhook: bad or missing X-ZEvent-Signature; refused")
            return 401
        if not self.replay.accept(event):
            self.refused += 1
            log.info("Zalo OA webhook: replayed or stale event refused (%s)", event.get("event_name"))
            return 409
        await self.enqueue(event)
        return 200

    # ---- adapters -----------------------------------------------------------------------------------

    async def _render_link(self, url: str) -> tuple[bytes, str, str] | None:
        """One of our own signed links -> the file it renders (the OA uploads images, it takes no URLs)."""
        parts = urlparse(url).path.split("/")
        try:
            token = parts[parts.index("f") + 1]
        except (ValueError, IndexError):
            return None
        params = self.signer.verify(token)
        if params is None:
            return None
        render = self._renderers().get(str(params.get("k")))
        if render is None:
            return None
        f = await asyncio.to_thread(render, params)
        return None if f is None else (f.content, f.content_type, f.filename)

    async def _token_dead(self, reason: str) -> None:
        log.error("Zalo OA: the refresh token can no longer be used (%s); run `vneid-bot zalo-oa auth`", reason)
        if self.telegram_bot is not None:
            from bot.fmt import esc
            from bot.texts import t

            for admin in self.svc.settings.admin_ids:
                with contextlib.suppress(Exception):
                    await self.telegram_bot.send_message(
                        admin, t("oa.token_dead", self.svc.settings.language, reason=esc(reason)), parse_mode="HTML")


def oa_tokens_from_settings(settings: Settings, svc: Services) -> TokenStore:
    from bot.config import SettingsError

    app_id = (settings.zalo_oa_app_id or "").strip()
    secret = settings.zalo_oa_app_secret.get_secret_value().strip() if settings.zalo_oa_app_secret else ""
    if not app_id or not secret:
        raise SettingsError("ZALO_OA_APP_ID and ZALO_OA_APP_SECRET are not set: see docs/zalo.md (Official Account)")
    return TokenStore(svc, app_id, secret, settings.zalo_oa_oauth_base_url)


def run_oa(settings: Settings, container: Container, *, with_zalo: bool = False) -> int:
    """CHANNELS=zalo_oa (optionally with zalo): the runner(s) alone, until SIGINT/SIGTERM."""

    async def main() -> None:
        runners: list[ZaloRunner] = [OARunner.from_settings(settings, container)]
        if with_zalo:
            runners.append(ZaloRunner.from_settings(settings, container))
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stopped.set)
        for r in runners:
            await r.start()
        try:
            await stopped.wait()
        finally:
            for r in runners:
                await r.stop()

    asyncio.run(main())
    return 0


def attach_oa(app: Any, settings: Settings) -> None:
    """With Telegram: the OA runner in PTB's event loop, started and stopped with the application."""
    attach_runner(app, "zalo_oa", lambda application: OARunner.from_settings(
        settings, application.bot_data["container"], telegram_bot=application.bot))
