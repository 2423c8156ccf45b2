"""Another bot process for the cross-process cache tests (tests/test_cache_notify.py).

``python -m tests.helpers.cache_writer URL SCHEMA`` builds a container on the PostgreSQL schema (so its own
cache listener runs, as in a bot process), prints ``ready <listener backend pid>``, then reads one command a
line from stdin and answers one line when the change is done (``ok <time.time() just after the COMMIT of
the transaction that sent the notification>``, or the outcome's status):

  role EXTERNAL_ID ROLE          the commune admin sets a member's role (OrgService.set_role)
  rename CODE NEW NAME           the commune admin renames a unit (OrgService.rename_unit)
  target CODE METRIC VALUE       the commune admin sets a unit's target (OrgService.set_target)
  quit                           dispose of the database (stops the listener) and exit
  leave                          exit with the listener still running (a daemon thread: no hang)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.bootstrap import build
from bot.config import Settings
from bot.core.commands import Role
from bot.core.services import Services
from bot.demo_data import ADMIN_ID
from storage import notify
from storage.db import Database

NOW = datetime(2025, 8, 14, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _record_commits() -> list[float]:
    """The times of the COMMITs of transactions that sent a cache notification (storage.notify.send)."""
    times: list[float] = []
    pending: set[int] = set()
    send = notify.send

    def sending(s: Session, kinds: Iterable[str]) -> None:
        pending.add(id(s))
        send(s, kinds)

    def committed(s: Session) -> None:
        if id(s) in pending:
            pending.discard(id(s))
            times.append(time.time())

    notify.send = sending  # type: ignore[assignment]
    event.listen(Session, "after_commit", committed)
    return times


def main(url: str, schema: str) -> int:
    commits = _record_commits()
    db = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    svc = Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]
    container = build(svc)  # starts the listener, as a bot process does
    listener = db.listener
    assert listener is not None
    listener.connected.wait(10)
    print(f"ready {listener.backend_pid}", flush=True)
    admin = svc.caller("telegram", ADMIN_ID, "Lan")
    org = container.org
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "quit":
            break
        if word == "leave":
            return 0
        if word == "role":
            ref, role = rest.split()
            out = org.set_role(admin, ref, Role.parse(role))
        elif word == "rename":
            code, name = rest.split(" ", 1)
            out = org.rename_unit(admin, code, name)
        elif word == "target":
            code, metric, value = rest.split()
            out = org.set_target(admin, code, metric, int(value))
        else:
            print(f"unknown {word}", flush=True)
            continue
        done = commits[-1] if commits else time.time()  # no notification sent: when the change was done
        print(f"ok {done:.6f}" if out.status == "ok" else out.status, flush=True)
        commits.clear()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
