"""`vneid-bot zalo-oa auth --code CODE`: the Official Account's first OAuth v4 token pair, from the
authorisation code an OA admin gets by granting the app access (docs/zalo.md §OA). Stores the pair in
the database (``oa_tokens``); the running bot refreshes it from then on. Prints no token."""

from __future__ import annotations

import argparse

from bot.cli_base import SubCommand, open_database
from bot.cli_base import fail as _fail
from bot.config import Settings


def _add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="oa_action", required=True)
    auth = sub.add_parser("auth", help="store the first token pair from an authorisation code")
    auth.add_argument("--code", required=True, help="the authorisation code from the OA permission page")
    auth.add_argument("--code-verifier", default=None, help="the PKCE code verifier, if the code was made with one")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.texts import t
    from bot.zalo.oa_runner import oa_tokens_from_settings
    from bot.zalo.oa_tokens import TokenError
    from bot.zalo.text import to_plain

    db = open_database(settings)
    svc = Services(settings, db)
    store = oa_tokens_from_settings(settings, svc)
    lang = settings.language
    try:
        expires = store.authorize(args.code, args.code_verifier)
    except TokenError as exc:
        return _fail(to_plain(t("oa.auth_failed", lang, reason=exc.reason)))
    finally:
        db.dispose()
    print(to_plain(t("oa.auth_done", lang, expires=expires.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y"))))
    return 0


COMMAND = SubCommand("zalo-oa", "Zalo Official Account: `auth --code CODE` stores the first OAuth token",
                     _add_arguments, _run)  # listed in bot/cli.py
