"""Organisation services (bot/core/org/) on SQLite: units, targets, roster, roles, binding, chats, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.core.commands import Role
from bot.core.org import (
    ChatRef,
    OrgService,
    UserRef,
    canonical_kind,
    metric_code,
    parse_date,
    parse_int,
    parse_role,
    parse_time,
    split_args,
)
from bot.core.services import Services
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, Demo, member_id
from storage import repo
from storage.models import AuditLog, Chat, Delivery, Member, Unit
from tests.helpers.org import OTHER_ADMIN, OTHER_LEADER, OTHER_MEMBER, add_other_commune, dump
from tests.helpers.world import demo_world

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 8, 14, 10, 0, tzinfo=TZ)
GLOBAL_ADMIN = 9
@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[OrgService, Services, Demo]]:
    w = demo_world(tmp_path)  # upgrade + seed_demo, copied from the template
    db, demo = w.db, w.demo
    settings = Settings(_env_file=None, admin_ids=[GLOBAL_ADMIN])  # type: ignore[call-arg]
    svc = Services(settings, db, lambda: NOW)
    yield OrgService(svc), svc, demo
    db.dispose()


def C(svc: Services, uid: int, name: str = "") -> Any:  # noqa: N802 - reads like a constructor
    return svc.caller("telegram", uid, name or f"user {uid}")


def unit(svc: Services, code: str) -> Unit:
    with svc.db.session() as s:
        u = repo.unit_by_code(s, code)
        assert u is not None
        return u


def refusals(svc: Services) -> list[AuditLog]:
    with svc.db.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.outcome == "refused")))


# ---- small parsers -------------------------------------------------------------------------------


def test_split_args_keeps_quoted_words() -> None:
    assert split_args('them th-9 "Thôn 9 Mới" cap=thôn') == ["them", "th-9", "Thôn 9 Mới", "cap=thôn"]
    assert split_args("  a  «b c»  “d e” ") == ["a", "b c", "d e"]
    assert split_args("") == []


def test_value_parsers() -> None:
    assert parse_int("1.046") == 1046 and parse_int("1 046") == 1046 and parse_int("530") == 530
    assert parse_int(530.0) == 530 and parse_int("4,5") is None and parse_int("-3") is None
    assert parse_int("12.5") is None
    assert parse_date("31/12/2025") == date(2025, 12, 31) and parse_date("1-8-25") == date(2025, 8, 1)
    assert parse_date("2025-08-01") == date(2025, 8, 1) and parse_date("31/02/2025") is None
    assert parse_time("16:30") == time(16, 30) and parse_time("7h30") == time(7, 30) and parse_time("7h") == time(7)
    assert parse_time("25:00") is None
    assert metric_code("mức 2", ["l1", "l2"]) == "l2" and metric_code("M1", ["l1", "l2"]) == "l1"
    assert metric_code("l3", ["l1", "l2"]) is None
    assert parse_role("Quản trị") == Role.ADMIN and parse_role("trưởng thôn") == Role.LEADER
    assert parse_role("thành viên") == Role.MEMBER and parse_role("vua") is None
    assert canonical_kind("Xã") == "commune" and canonical_kind("thôn") == "village"
    assert canonical_kind("Tổ dân phố") == "village" and canonical_kind("Huyện") == "district"
    assert canonical_kind("Cụm dân cư") == "cụm dân cư"


# ---- units ---------------------------------------------------------------------------------------


def test_admin_adds_village_in_own_commune(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    out = org.cmd_unit(C(svc, ADMIN_ID), "them th-moi Thôn Mới")
    assert out.status == "ok", out.text("vi")
    assert "Thôn Mới" in out.text("vi") and out.data["join_code"] in out.text("vi")
    u = unit(svc, "th-moi")
    com = unit(svc, "x-tanhoa")
    assert u.parent_id == com.id and u.kind == "village" and u.depth == com.depth + 1
    assert u.path == f"{com.path}{u.id}/"
    # a village under the new village breaks the kinds' order (issue 12): refused
    out = org.cmd_unit(C(svc, ADMIN_ID), "them | xom-a | Xóm A | xóm | th-moi")
    assert out.status == "error" and "Không thể đặt" in out.text("vi")
    # a sub-unit of a free-text kind, via the | form
    out = org.cmd_unit(C(svc, ADMIN_ID), "them | cum-a | Cụm A | cụm | th-moi")
    assert out.status == "ok", out.text("vi")
    x = unit(svc, "cum-a")
    assert x.path == f"{u.path}{x.id}/" and x.depth == u.depth + 1 and x.kind == "cụm"


def test_add_unit_validation(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    before = dump(svc.db)
    assert org.cmd_unit(admin, "them th-3 Thôn Ba Mươi").status == "error"  # code taken
    assert org.cmd_unit(admin, "them th-x Thôn 3").status == "error"  # sibling name taken (diacritics-insensitive)
    assert org.cmd_unit(admin, "them th-x thon 3").status == "error"
    assert org.cmd_unit(admin, "them tên/sai Thôn X").status == "error"  # bad code
    assert org.cmd_unit(admin, "them").status == "usage"
    assert "Cách dùng" in org.cmd_unit(admin, "them th-x").text("vi")
    # a commune admin cannot create a root unit nor add outside the commune
    out = org.cmd_unit(admin, "them x-moi Xã Mới tren=t-demo")
    assert out.status == "refused" and "phạm vi" in out.text("vi")
    assert dump(svc.db) == before


def test_same_name_in_two_communes_resolved_in_scope(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    add_other_commune(svc.db)
    # each commune admin reaches its own 'Thôn 3' by name
    out = org.cmd_target(C(svc, ADMIN_ID), "Thôn 3 m2 600")
    assert out.status == "ok", out.text("vi")
    out = org.cmd_target(C(svc, OTHER_ADMIN), "thon 3 l2 333")
    assert out.status == "ok", out.text("vi")
    with svc.db.session() as s:
        assert repo.target_for(s, unit(svc, "th-3").id, "l2").value == 600  # type: ignore[union-attr]
        assert repo.target_for(s, unit(svc, "ba-th-3").id, "l2").value == 333  # type: ignore[union-attr]
    # a global admin sees both: the name is ambiguous, the code is not
    out = org.cmd_target(C(svc, GLOBAL_ADMIN), "Thôn 3 l2 1")
    assert out.status == "error" and "ba-th-3" in out.text("vi") and "th-3" in out.text("vi")
    assert org.cmd_target(C(svc, GLOBAL_ADMIN), "ba-th-3 l2 301").status == "ok"
    out = org.cmd_unit(C(svc, GLOBAL_ADMIN), "doiten Thôn 3 Thôn Ba")
    assert out.status == "error" and "«Thôn 3»" in out.text("vi") and "Xã Bình An" in out.text("vi")
    assert org.cmd_unit(C(svc, ADMIN_ID), "doiten Thôn 3 Thôn Ba").status == "ok"  # unique in the commune


def test_rename_and_tree(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    out = org.cmd_unit(admin, "doiten Thôn 3 Thôn Ba")
    assert out.status == "ok", out.text("vi")
    assert unit(svc, "th-3").name == "Thôn Ba"
    assert org.cmd_unit(admin, "doiten th-5 Thôn Ba").status == "error"  # would duplicate a sibling
    tree = org.cmd_unit(admin, "").text("vi")
    assert "Xã Tân Hòa" in tree and "Thôn Ba" in tree and tree.count("└") == 12


def test_move_rewrites_whole_subtree(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    ids = add_other_commune(svc.db)
    g = C(svc, GLOBAL_ADMIN)
    assert org.cmd_unit(g, "them xom-1 Xóm 1 cap=cụm tren=th-dongtam").status == "ok"
    assert org.cmd_unit(g, "them ngo-1 Ngõ 1 cap=ngõ tren=xom-1").status == "ok"
    out = org.cmd_unit(g, "chuyen th-dongtam x-binhan")
    assert out.status == "ok", out.text("vi")
    assert out.data["moved"] == 3
    com = unit(svc, "x-binhan")
    v, x, n = unit(svc, "th-dongtam"), unit(svc, "xom-1"), unit(svc, "ngo-1")
    assert v.parent_id == ids["commune"]
    assert v.path == f"{com.path}{v.id}/" and x.path == f"{v.path}{x.id}/" and n.path == f"{x.path}{n.id}/"
    assert (v.depth, x.depth, n.depth) == (2, 3, 4)
    assert n.kind == "ngõ"
    # the subtree queries follow
    with svc.db.session() as s:
        assert {u.code for u in repo.subtree(s, com)} >= {"th-dongtam", "xom-1", "ngo-1"}
        assert "xom-1" not in {u.code for u in repo.subtree(s, unit(svc, "x-tanhoa"))}
    # a move under its own descendant is refused
    before = dump(svc.db)
    out = org.cmd_unit(g, "chuyen th-dongtam ngo-1")
    assert out.status == "error" and "nằm bên trong" in out.text("vi")
    assert dump(svc.db) == before


def test_move_scope_rules(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    add_other_commune(svc.db)
    admin = C(svc, ADMIN_ID)
    before = dump(svc.db)
    out = org.cmd_unit(admin, "chuyen th-3 x-binhan")  # new parent outside scope
    assert out.status == "refused" and "phạm vi" in out.text("vi")
    out = org.cmd_unit(admin, "chuyen x-tanhoa th-3")  # own unit
    assert out.status == "refused"
    out = org.cmd_unit(C(svc, OTHER_ADMIN), "chuyen th-3 ba-th-4")  # unit outside scope
    assert out.status == "refused"
    assert dump(svc.db) == before
    assert len(refusals(svc)) == 3


def test_deactivate_keeps_history_and_blocks_join(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    code = demo.join_codes["Thôn 3"]
    out = org.cmd_unit(admin, "ngung th-3")
    assert out.status == "ok" and "2 thành viên" in out.text("vi")
    u = unit(svc, "th-3")
    assert not u.active
    with svc.db.session() as s:
        assert s.scalar(select(func.count(Member.id)).where(Member.unit_id == u.id)) == 2
    assert "th-3" not in org.cmd_unit(admin, "").text("vi")
    assert "th-3" in org.cmd_unit(admin, "ds tatca").text("vi")
    assert org.join(C(svc, 5555, "Mới"), code).status == "refused"
    assert org.cmd_target(admin, "th-3 l2 5").status == "error"
    assert org.cmd_unit(admin, "ngung x-tanhoa").status == "refused"  # own unit
    assert org.cmd_unit(admin, "mo th-3").status == "ok"
    assert unit(svc, "th-3").active
    assert org.join(C(svc, 5555, "Mới"), code).status == "ok"


# ---- targets and baselines -----------------------------------------------------------------------


def test_targets_and_parent_sum(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    out = org.cmd_target(admin, "Thôn 3 mức 2 600 hạn 31/12/2025")
    assert out.status == "ok", out.text("vi")
    text = out.text("vi")
    assert "600" in text and "530" in text and "31/12/2025" in text
    assert "4.540" in text  # the commune has no own target: the sum of its villages (4470 - 530 + 600)
    with svc.db.session() as s:
        tg = repo.target_for(s, unit(svc, "th-3").id, "l2")
        assert tg is not None and tg.value == 600 and tg.deadline == date(2025, 12, 31)
    assert org.cmd_target(admin, "th-3 l2 600 31/12/2025").status == "info"  # same again: no change
    # the commune's own target overrides the sum; clearing it returns to the sum
    assert org.cmd_target(admin, "x-tanhoa 4000").status == "ok"
    with svc.db.session() as s:
        assert repo.effective_target(s, unit(svc, "x-tanhoa"), "l2") == 4000
    out = org.cmd_target(admin, "x-tanhoa l2 xoa")
    assert out.status == "ok" and "4.540" in out.text("vi")
    view = org.cmd_target(admin, "").text("vi")
    assert "tổng đơn vị con" in view and "Thôn 3" in view
    assert "600" in org.cmd_target(admin, "Thôn 3").text("vi")
    assert org.cmd_target(admin, "th-3 l7 5").status == "error"
    assert "«l7»" in org.cmd_target(admin, "th-3 l7 5").text("vi")
    assert org.cmd_target(admin, "th-3 m2 5 31/02/2025").status == "error"


def test_baseline(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    out = org.cmd_baseline(admin, "Thôn 3 m2 420 ngày 10/08/2025")
    assert out.status == "ok", out.text("vi")
    assert "405" in out.text("vi")  # the previous baseline
    with svc.db.session() as s:
        assert repo.baseline_total(s, unit(svc, "th-3"), "l2") == 420
    assert org.cmd_baseline(admin, "th-3 l1 10").status == "ok"  # as of today
    assert org.cmd_baseline(admin, "th-3 l2 10 20/08/2025").status == "error"  # future
    assert "420" in org.cmd_baseline(admin, "th-3").text("vi")


# ---- roster --------------------------------------------------------------------------------------


def test_join_with_code_and_confirmed_move(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    code3, code5 = demo.join_codes["Thôn 3"], demo.join_codes["Thôn 5"]
    out = org.cmd_join(C(svc, 5555, "Nguyễn Văn A"), code3.lower(), username="nva")
    assert out.status == "ok" and "Thôn 3" in out.text("vi")
    with svc.db.session() as s:
        m = repo.member_by_external(s, "telegram", "5555")
        assert m is not None and m.role == "member" and m.unit_id == unit(svc, "th-3").id and m.username == "nva"
    assert org.cmd_join(C(svc, 5555), code3).status == "info"
    before = dump(svc.db)
    out = org.cmd_join(C(svc, 5555), code5)
    assert out.status == "confirm" and f"/dangky {code5} chuyen" in out.text("vi")
    assert dump(svc.db) == before
    # a leader is warned that they lose their role
    out = org.cmd_join(C(svc, member_id(3, True)), code5)
    assert out.status == "confirm" and "trưởng thôn" in out.text("vi")
    out = org.cmd_join(C(svc, 5555), f"{code5} chuyen")
    assert out.status == "ok"
    with svc.db.session() as s:
        m = repo.member_by_external(s, "telegram", "5555")
        assert m is not None and m.unit_id == unit(svc, "th-5").id
    out = org.cmd_join(C(svc, 6666), "SAIMA123")
    assert out.status == "refused" and "không đúng" in out.text("vi")
    assert org.cmd_join(C(svc, 6666), "").status == "usage"


def test_join_code_view_and_rotate(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    old = demo.join_codes["Thôn 3"]
    out = org.cmd_join_code(C(svc, member_id(3, True)), "")  # the village leader: own unit
    assert old in out.text("vi")
    out = org.cmd_join_code(C(svc, LEADER_ID), "")  # commune leader sees the villages' codes too
    assert old in out.text("vi") and demo.join_codes["Thôn 5"] in out.text("vi")
    out = org.cmd_join_code(C(svc, LEADER_ID), "doi Thôn 3")
    assert out.status == "ok"
    new = out.data["join_code"]
    assert new != old and new in out.text("vi")
    assert org.join(C(svc, 7777, "X"), old).status == "refused"
    assert org.join(C(svc, 7777, "X"), new).status == "ok"
    # a village leader cannot see or rotate a sibling's code; a member cannot at all
    before = dump(svc.db)
    assert org.cmd_join_code(C(svc, member_id(3, True)), "doi th-5").status == "refused"
    assert org.cmd_join_code(C(svc, member_id(3)), "").status == "refused"
    assert dump(svc.db) == before


def test_roles_are_scoped_and_capped(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    add_other_commune(svc.db)
    admin = C(svc, ADMIN_ID)
    out = org.cmd_member(admin, "vaitro 2003 trưởng")
    assert out.status == "ok", out.text("vi")
    out = org.cmd_member(admin, "vaitro Tổ viên Thôn 5 quản trị")
    assert out.status == "ok", out.text("vi")
    out = org.cmd_member(admin, "role", reply_user=UserRef(str(member_id(6)), "x"))
    assert out.status == "usage"
    assert org.cmd_member(admin, "role member", reply_user=UserRef(str(member_id(6, True)), "x")).status == "ok"
    with svc.db.session() as s:
        roles = {m.external_id: m.role for m in s.scalars(select(Member))}
    assert roles["2003"] == "leader" and roles["2004"] == "admin" and roles[str(member_id(6, True))] == "member"
    before = dump(svc.db)
    # outside the subtree, oneself, a peer at the same level, or by a non-admin: refused, nothing changes
    assert org.cmd_member(admin, f"vaitro {OTHER_MEMBER} leader").status == "refused"
    assert org.cmd_member(admin, "vaitro 1000 member").status == "refused"
    assert org.cmd_member(C(svc, 2004), f"vaitro {ADMIN_ID} member").status == "refused"
    assert org.cmd_member(C(svc, LEADER_ID), "vaitro 2005 leader").status == "refused"
    assert org.set_role(C(svc, LEADER_ID), "2005", Role.ADMIN).status == "refused"
    assert org.cmd_member(C(svc, OTHER_ADMIN), "xoa 2003").status == "refused"
    assert dump(svc.db) == before
    # a leader-level caller can never grant above their role (checked in the service too)
    with svc.db.session() as s:
        m = repo.member_by_external(s, "telegram", "2003")
        assert m is not None
    # global admin can do anything
    assert org.cmd_member(C(svc, GLOBAL_ADMIN), f"vaitro {OTHER_MEMBER} admin").status == "ok"


def test_remove_and_move_member(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    admin = C(svc, ADMIN_ID)
    out = org.cmd_member(admin, "xoa Tổ viên Thôn 3")
    assert out.status == "ok", out.text("vi")
    with svc.db.session() as s:
        m = repo.member_by_external(s, "telegram", "2003")
        assert m is not None and not m.active
    assert not C(svc, 2003).on_roster
    assert org.cmd_member(admin, "chuyen 2005 | Thôn 3").status == "ok"
    with svc.db.session() as s:
        m = repo.member_by_external(s, "telegram", "2005")
        assert m is not None and m.unit_id == unit(svc, "th-3").id
    listing = org.cmd_member(admin, "Thôn 3").text("vi")
    assert "2005" in listing and "2003" not in listing
    assert org.cmd_member(admin, "").data["count"] == 25
    assert org.cmd_member(admin, "xoa khongcoai").status == "error"


# ---- chats ---------------------------------------------------------------------------------------


def test_bind_unbind_and_hijack_protection(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    add_other_commune(svc.db)
    village_group = ChatRef("-100777", "group", "Nhóm Thôn 3")
    leader3 = C(svc, member_id(3, True))
    out = org.cmd_bind(leader3, village_group, "Thôn 3")
    assert out.status == "ok", out.text("vi")
    assert org.cmd_bind(leader3, village_group, "th-3").status == "info"
    # a second group for the same unit
    out = org.cmd_bind(leader3, ChatRef("-100778", "supergroup", "Nhóm 2"), "th-3")
    assert out.status == "ok" and "1 nhóm khác" in out.text("vi")
    before = dump(svc.db)
    # another commune's leader cannot take over the group, nor bind to a unit outside scope
    assert org.cmd_bind(C(svc, OTHER_LEADER), village_group, "x-binhan").status == "refused"
    assert org.cmd_bind(C(svc, OTHER_LEADER), village_group, "huy").status == "refused"
    assert org.cmd_bind(leader3, village_group, "th-5").status == "refused"
    assert org.cmd_bind(C(svc, member_id(3)), village_group, "th-3").status == "refused"
    assert org.cmd_bind(leader3, ChatRef(str(member_id(3, True)), "private"), "th-3").status == "error"
    # a refused bind of an unknown group creates no chat row
    assert org.cmd_bind(C(svc, OTHER_LEADER), ChatRef("-100999", "group"), "th-3").status == "refused"
    assert dump(svc.db) == before
    assert "Thôn 3" in org.cmd_bind(leader3, village_group, "").text("vi")
    assert org.cmd_bind(leader3, village_group, "huy").status == "ok"
    with svc.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", "-100777")
        assert chat is not None and chat.unit_id is None


def test_bot_removed_and_added_back(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    actor = C(svc, LEADER_ID)
    ref = ChatRef(str(GROUP_ID), "group", "Tổ CNS")
    out = org.bot_status_changed(ref, "member", "kicked", actor)
    assert out.data["changed"]
    with svc.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert chat is not None and not chat.active and "kicked" in (chat.disabled_reason or "")
        assert chat.unit_id is not None  # the binding is kept
    assert not org.bot_status_changed(ref, "member", "kicked", actor).data["changed"]
    out = org.bot_status_changed(ref, "left", "member", actor)
    assert out.data["changed"] and out.data["bound"]
    with svc.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert chat is not None and chat.active and chat.disabled_reason is None
    # an unknown chat: nothing stored
    out = org.bot_status_changed(ChatRef("-1", "group"), "left", "member", actor)
    assert not out.data["changed"] and not out.data["known"]


def test_migration_follows_binding_without_duplicates(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    actor = C(svc, LEADER_ID)
    new_id = "-100100500"
    assert org.migrate_chat(str(GROUP_ID), new_id, "Tổ CNS", actor).data["result"] == "moved"
    assert org.migrate_chat(str(GROUP_ID), new_id, "Tổ CNS", actor).data["result"] == "done"  # 2nd service msg
    with svc.db.session() as s:
        chats = list(s.scalars(select(Chat)))
        assert [c.external_id for c in chats] == [new_id]
        assert chats[0].unit_id == unit(svc, "x-tanhoa").id
    # both rows exist (the new id was seen first): folded into one, deliveries re-pointed
    with svc.db.session() as s:
        old = repo.get_or_create_chat(s, "telegram", "-2000", "cũ")
        old.unit_id = unit(svc, "th-3").id
        old.reminder_time = time(7, 0)
        s.add(Delivery(chat_id=old.id, kind="daily", day=date(2025, 8, 13), status="sent"))
        s.add(Delivery(chat_id=old.id, kind="daily", day=date(2025, 8, 14), status="pending"))
        fresh = repo.get_or_create_chat(s, "telegram", "-1002000", "mới")
        s.flush()
        s.add(Delivery(chat_id=fresh.id, kind="daily", day=date(2025, 8, 14), status="sent"))
    assert org.migrate_chat("-2000", "-1002000", "mới", actor).data["result"] == "merged"
    with svc.db.session() as s:
        assert repo.chat_by_external(s, "telegram", "-2000") is None
        merged = repo.chat_by_external(s, "telegram", "-1002000")
        assert merged is not None and merged.unit_id == unit(svc, "th-3").id and merged.reminder_time == time(7, 0)
        days = sorted((d.day, d.status) for d in s.scalars(select(Delivery).where(Delivery.chat_id == merged.id)))
        assert days == [(date(2025, 8, 13), "sent"), (date(2025, 8, 14), "sent")]


# ---- audit ---------------------------------------------------------------------------------------


def test_audit_records_and_subtree_view(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    add_other_commune(svc.db)
    admin = C(svc, ADMIN_ID)
    org.cmd_target(admin, "th-3 l2 600")
    org.cmd_unit(admin, "doiten th-5 Thôn Năm")
    org.cmd_target(C(svc, OTHER_ADMIN), "ba-th-3 l2 111")
    with svc.db.session() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "target.set").order_by(AuditLog.id)))
    assert rows[0].before == {"value": 530, "deadline": None}
    assert rows[0].after == {"metric": "l2", "value": 600, "deadline": None}
    assert rows[0].actor_external_id == str(ADMIN_ID) and rows[0].at is not None
    view = org.cmd_audit(admin, "").text("vi")
    assert "đặt chỉ tiêu" in view and "530 → 600" in view and "Thôn Năm" in view
    assert "111" not in view  # the other commune's entries are not shown
    other = org.cmd_audit(C(svc, OTHER_ADMIN), "").text("vi")
    assert "111" in other and "600" not in other
    assert "111" in org.cmd_audit(C(svc, GLOBAL_ADMIN), "").text("vi")
    assert org.cmd_audit(C(svc, OTHER_ADMIN), "th-3").status == "refused"
    assert org.cmd_audit(C(svc, LEADER_ID), "").status == "refused"
    assert org.cmd_audit(admin, "th-3 1").data["count"] == 1


def test_refusal_is_logged_with_reason(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    out = org.cmd_unit(C(svc, member_id(0)), "them th-x Thôn X")
    assert out.status == "refused" and "chỉ dành cho quản trị" in out.text("vi")
    out = org.cmd_unit(C(svc, 424242), "them th-x Thôn X")  # a stranger
    assert out.status == "refused" and "/dangky" in out.text("vi")
    rows = refusals(svc)
    assert [r.action for r in rows] == ["donvi", "donvi"]
    assert rows[0].after == {"reason": "err.role"}


def test_english_texts(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    out = org.cmd_target(C(svc, ADMIN_ID), "th-3 l2 600")
    assert "target of" in out.text("en")
    assert "Usage" in org.cmd_unit(C(svc, ADMIN_ID), "add").text("en")


def test_long_outputs_are_chunked(env: tuple[OrgService, Services, Demo]) -> None:
    org, svc, demo = env
    g = C(svc, GLOBAL_ADMIN)
    for i in range(200):
        org.add_unit(g, f"v-{i}", f"Thôn số {i} với một cái tên khá là dài để thử", None, "x-tanhoa")
    out = org.cmd_unit(g, "")
    chunks = out.chunks("vi")
    assert all(len(c) <= 4096 for c in chunks)
    assert "đơn vị cấp dưới" in out.text("vi")  # deeper levels folded when the tree is large
    assert out.data["units"] == 214
    assert isinstance(datetime.now(), datetime)
