"""`vneid-bot run | demo | db upgrade | import FILE | export ...` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.channels.zalo import oa_cli
from bot.cli_base import SubCommand, open_database
from bot.cli_base import fail as _fail
from bot.config import Settings, SettingsError, load_settings
from bot.core import importer
from bot.logs import setup_logging
from bot.present import export
from storage.db import Database, DatabaseError

log = logging.getLogger("vneid")

#: the sub-commands other modules define, next to the code they run (``run``, ``demo`` and ``db`` are here)
EXTRA_COMMANDS: dict[str, SubCommand] = {c.name: c for c in (importer.COMMAND, export.COMMAND, oa_cli.COMMAND)}


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    names = settings.channel_names
    telegram, zalo, oa = "telegram" in names, "zalo" in names, "zalo_oa" in names
    secrets = ([settings.token()] if telegram else []) + ([settings.zalo_token()] if zalo else [])
    if oa:
        secrets += [v.get_secret_value() for v in (settings.zalo_oa_app_secret, settings.zalo_oa_secret_key) if v]
    secrets += [s.get_secret_value() for s in (settings.webhook_secret, settings.zalo_webhook_secret) if s]
    redact = setup_logging(settings.log_level, secrets)
    db = open_database(settings)
    try:
        return _run_channels(settings, db, redact.secrets, telegram=telegram, zalo=zalo, oa=oa)
    finally:
        db.dispose()  # stops the cache listener (PostgreSQL) and closes the pool


def _run_channels(settings: Settings, db: Database, redacted: list[str], *, telegram: bool, zalo: bool,
                  oa: bool) -> int:
    from telegram import Update
    from telegram.error import InvalidToken

    from bot.channels.telegram.app import build_application

    if not telegram:  # CHANNELS=zalo, zalo_oa or both of them
        from bot.bootstrap import build
        from bot.core.services import Services

        if oa:
            from bot.channels.zalo.oa_runner import run_oa

            return run_oa(settings, build(Services(settings, db)), with_zalo=zalo)
        from bot.channels.zalo.runner import run_zalo_only

        return run_zalo_only(settings, build(Services(settings, db)))
    app = build_application(settings, db=db)
    if zalo:  # CHANNELS=both: the Zalo runner in the same event loop
        from bot.channels.zalo.runner import attach

        attach(app, settings)
    if oa:  # CHANNELS=telegram,zalo_oa: the OA runner in the same event loop
        from bot.channels.zalo.oa_runner import attach_oa

        attach_oa(app, settings)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        if not secret:
            # without a secret anybody who learns the URL could post forged updates: Telegram sends back the
            # secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token, and PTB answers 403 without it
            from secrets import token_urlsafe

            secret = token_urlsafe(32)
            redacted.append(secret)  # PTB logs setWebhook's parameters at DEBUG
            log.warning("WEBHOOK_SECRET is not set: using a random secret for this process "
                        "(set WEBHOOK_SECRET when several workers share the webhook)")
        log.info("starting in webhook mode on port %s (durable intake)", settings.webhook_port)
        from bot.channels.telegram.webhook import run as run_webhook

        try:
            run_webhook(app, settings, secret)
        except InvalidToken:  # already logged as one line by the log filter (bot.logs), without the token
            return 2
    else:
        log.info("starting in polling mode against %s", settings.telegram_api_base_url.split("/bot")[0])
        try:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
        except InvalidToken:  # already logged as one line by the log filter (bot.logs), without the token
            return 2
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(settings, db_path=args.db, port=args.port)


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    db = open_database(settings)
    from storage.db import current_revision

    print(f"database {db.engine.url.render_as_string(hide_password=True)} is at revision {current_revision(db.engine)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vneid-bot", description="VNeID report bot for community technology teams")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set; CHANNELS=telegram|zalo|both)")
    demo = sub.add_parser("demo", help="local emulator + demo commune + the real bot; chat in this terminal")
    demo.add_argument("--db", default=None, help="SQLite file for the demo (default: a fresh temporary file)")
    demo.add_argument("--port", type=int, default=0, help="emulator port (default: any free port)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply the migrations")
    for name, command in EXTRA_COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runners: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "run": cmd_run, "demo": cmd_demo, "db": cmd_db, **{k: c.run for k, c in EXTRA_COMMANDS.items()},
    }
    try:
        settings = load_settings()
        return runners[args.command](settings, args)
    except (SettingsError, DatabaseError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
