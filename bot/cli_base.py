"""What `vneid-bot`'s sub-commands share (bot/cli.py lists them; bot.importer, bot.export and bot.zalo.oa_cli
define theirs): opening the database, failing with a message, the shape of a sub-command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from storage.db import Database, DatabaseError


@dataclass(frozen=True)
class SubCommand:
    """One `vneid-bot NAME ...` sub-command."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Settings, argparse.Namespace], int]


def fail(msg: str) -> int:
    print(f"vneid-bot: {msg}", file=sys.stderr)
    return 2


def open_database(settings: Settings) -> Database:
    """Open the database and bring its schema up to date (creates it on an empty database)."""
    try:
        db = Database(settings.database_url)
    except ImportError as exc:  # the URL names a driver that is not installed
        if settings.database_url.startswith("postgres"):
            raise DatabaseError("DATABASE_URL is a PostgreSQL URL but the PostgreSQL driver (psycopg) is not "
                                "installed: pip install 'vneid-bot[postgres]' (or pip install -e '.[postgres]' "
                                "in a clone)") from None
        raise DatabaseError(f"DATABASE_URL needs a database driver that is not installed: {exc}") from None
    except Exception as exc:  # malformed URL
        raise DatabaseError(f"DATABASE_URL is invalid: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    db.upgrade()
    return db
