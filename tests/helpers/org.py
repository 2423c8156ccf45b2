"""Organisation fixtures shared by the org, permission, import and security tests: a second commune beside
the demo one, and a dump of every table for "nothing changed" checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage import repo
from storage.db import Database
from storage.models import Base

OTHER_ADMIN, OTHER_LEADER, OTHER_MEMBER = 3000, 3001, 3002
OTHER_GROUP = -100600


def dump(db: Database, *, skip: tuple[str, ...] = ("audit_log", "inbox")) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (except the audit log and the update intake, which counts every
    update), for 'nothing changed' checks."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            pk = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    return out


def add_other_commune(db: Database) -> dict[str, int]:
    """A second commune under the demo province, with its own 'Thôn 3', admin, leader, member and group."""
    with db.session() as s:
        prov = repo.unit_by_code(s, "t-demo")
        assert prov is not None
        com = repo.create_unit(s, "x-binhan", "Xã Bình An", "commune", prov)
        v3 = repo.create_unit(s, "ba-th-3", "Thôn 3", "village", com)
        v4 = repo.create_unit(s, "ba-th-4", "Thôn 4", "village", com)
        repo.set_target(s, v3, "l2", 300)
        repo.add_member(s, "telegram", str(OTHER_ADMIN), "Cán bộ Bình An", com, "admin")
        repo.add_member(s, "telegram", str(OTHER_LEADER), "Chủ tịch Bình An", com, "leader")
        repo.add_member(s, "telegram", str(OTHER_MEMBER), "Tổ viên Bình An", v3, "member")
        chat = repo.get_or_create_chat(s, "telegram", str(OTHER_GROUP), "Tổ CNS Bình An")
        repo.bind_chat(s, chat, com)
        return {"commune": com.id, "v3": v3.id, "v4": v4.id}
