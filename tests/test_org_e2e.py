"""Organisation commands end to end: the real bot over HTTP against the Bot API emulator."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select

from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from bot.emulator import SentMessage
from storage import repo
from storage.models import AuditLog, Chat, Member, Report
from tests.helpers.matrices import ORG_COMMANDS as COMMANDS
from tests.helpers.matrices import ORG_GROUP_COMMANDS as GROUP_COMMANDS
from tests.helpers.org import OTHER_GROUP, OTHER_LEADER, add_other_commune, dump
from tests.helpers.telegram import Harness

PROVINCE_ADMIN = 900
NEW_LEADER = 901
NEW_MEMBER = 3101
NEW_GROUP = -100777
ADMIN_CHAT = -100901  # an admins' working group (groups allow 20 messages per window, private chats 1/s)
REFUSED = "không thay đổi gì"  # every refusal says "Bot không thay đổi gì."


def first(replies: list[SentMessage]) -> str:
    return (replies[0].text or replies[0].caption or "") if replies else ""


def add_province_admin(h: Harness) -> None:
    with h.db.session() as s:
        prov = repo.unit_by_code(s, "t-demo")
        assert prov is not None
        repo.add_member(s, "telegram", str(PROVINCE_ADMIN), "Cán bộ tỉnh", prov, "admin")


async def build_commune(h: Harness) -> None:
    """The province admin builds Xã Mới with three villages, targets and a baseline, by command."""
    add_province_admin(h)
    a = PROVINCE_ADMIN
    steps = [
        ("/donvi them x-moi Xã Mới", "Đã thêm đơn vị"),
        ("/donvi them th-a Thôn A tren=x-moi", "Đã thêm đơn vị"),
        ("/donvi them th-b Thôn B tren=x-moi", "Đã thêm đơn vị"),
        ("/unit add | th-c | Thôn C | thôn | x-moi", "Đã thêm đơn vị"),
        ("/chitieu th-a m2 300 31/12/2025", "300"),
        ("/chitieu Thôn B mức 2 200", "200"),
        ("/target th-c l2 100", "100"),
        ("/moc th-a m2 50 01/08/2025", "50"),
    ]
    for text, expect in steps:
        replies = await h.say(ADMIN_CHAT, a, text)
        assert expect in first(replies), (text, first(replies))


async def test_admin_builds_a_commune_by_command(harness: Harness) -> None:
    h = harness
    await build_commune(h)
    tree = first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi ds x-moi"))
    assert "Xã Mới" in tree and "Thôn A" in tree and "Thôn B" in tree and "Thôn C" in tree
    targets = first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/chitieu x-moi"))
    assert "600" in targets and "tổng đơn vị con" in targets
    with h.db.session() as s:
        com = repo.unit_by_code(s, "x-moi")
        a = repo.unit_by_code(s, "th-a")
        assert com is not None and a is not None and com.kind == "commune" and a.parent_id == com.id
        assert a.path == f"{com.path}{a.id}/"
        assert repo.effective_target(s, com, "l2") == 600
        assert repo.baseline_total(s, com, "l2") == 50
        tg = repo.target_for(s, a.id, "l2")
        assert tg is not None and tg.deadline == date(2025, 12, 31)
    # rename, move and deactivate, then the tree shows it
    assert "Đã đổi tên" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi doiten Thôn C Thôn Cây Đa"))
    # a village under a village breaks the kinds' order (issue 12)
    assert "Không thể đặt" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi chuyen th-c th-a"))
    assert "Đã thêm đơn vị" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi them x-moi2 Xã Mới 2"))
    assert "Đã chuyển" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi chuyen th-c x-moi2"))
    assert "Đã chuyển" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi chuyen th-c x-moi"))
    assert "Đã ngừng" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi ngung th-b"))
    tree = first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi ds x-moi tatca"))
    assert "ngừng hoạt động" in tree and "Thôn Cây Đa" in tree
    # the audit log shows what happened
    log = first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/nhatky x-moi"))
    assert "thêm đơn vị" in log and "đặt chỉ tiêu" in log and "chuyển đơn vị" in log
    # wrong usage answers with the usage line
    assert "Cách dùng" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/donvi them x"))
    assert "Cách dùng" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, "/dangky"))


async def test_leader_binds_group_member_joins_and_reports(harness: Harness) -> None:
    h = harness
    await build_commune(h)
    codes = first(await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, "/madangky x-moi"))  # a group gets no list (issue 17)
    with h.db.session() as s:
        com, a = repo.unit_by_code(s, "x-moi"), repo.unit_by_code(s, "th-a")
        assert com is not None and a is not None
        commune_code, village_code = com.join_code, a.join_code
    assert f"{commune_code}" in codes and f"{village_code}" in codes
    # a future leader joins the commune with its code, the admin promotes them
    assert "Bạn đã vào tổ" in first(await h.say(NEW_LEADER, NEW_LEADER, f"/dangky {commune_code}"))
    assert "trưởng" in first(await h.say(ADMIN_CHAT, PROVINCE_ADMIN, f"/thanhvien vaitro {NEW_LEADER} trưởng"))
    # the leader binds the commune's group
    h.group(NEW_GROUP, "Tổ CNS Xã Mới")
    replies = await h.say(NEW_GROUP, NEW_LEADER, "/lienket x-moi")
    assert "Đã liên kết nhóm này với Xã Mới" in first(replies)
    # a member joins their village in private, then reports in the group
    replies = await h.say(NEW_MEMBER, NEW_MEMBER, f"/dangky {village_code}")
    assert "Thôn A" in first(replies)
    replies = await h.say(NEW_GROUP, NEW_MEMBER, "hôm nay 12 mức 2")
    assert "12" in first(replies) and "Thôn A" in first(replies)
    with h.db.session() as s:
        rows = list(s.scalars(select(Report)))
        member = repo.member_by_external(s, "telegram", str(NEW_MEMBER))
        assert member is not None
        assert [(r.unit_id, r.metric, r.day, r.value, r.reporter_id) for r in rows] == [
            (a.id, "l2", date(2025, 8, 14), 12, member.id)]
        chat = repo.chat_by_external(s, "telegram", str(NEW_GROUP))
        assert chat is not None and chat.unit_id == com.id
    # the leader rotates the village code; the old one stops working
    mark = h.emu.mark()
    replies = await h.say(NEW_GROUP, NEW_LEADER, "/madangky doi th-a")
    assert "gửi riêng" in first(replies)  # a village's code is not posted in the commune's group (issue 17)
    assert "Đã đổi mã" in first(await h.emu.wait_for_messages(NEW_LEADER, 1, since=mark))
    assert "không đúng" in first(await h.say(3102, 3102, f"/dangky {village_code}"))
    # status and unbinding
    assert "Xã Mới" in first(await h.say(NEW_GROUP, NEW_LEADER, "/lienket"))
    assert "Đã bỏ liên kết" in first(await h.say(NEW_GROUP, NEW_LEADER, "/lienket huy"))


MEMBERS_CSV = (
    "Mã đơn vị;Telegram ID;Họ tên;Vai trò\n"
    "th-3;880001;Nguyễn Văn Mới;thành viên\n"
    "th-5;880002;Trần Thị Mới;trưởng\n"
).encode("utf-8-sig")


async def test_import_csv_document_by_caption_and_by_reply(harness: Harness) -> None:
    h = harness
    replies = (await h.send_document(ADMIN_ID, ADMIN_ID, "thanh_vien.csv", MEMBERS_CSV, caption="/nhap",
                                     count=2))[1:]  # after «⏳ Đang xử lý…»
    assert "Đã nhập xong" in first(replies) and "thêm mới 2" in first(replies)
    with h.db.session() as s:
        m = repo.member_by_external(s, "telegram", "880002")
        assert m is not None and m.role == "leader"
    # the same file again, as a reply: nothing changes
    before = dump(h.db)
    user = h.user(ADMIN_ID)
    doc = h.emu.send_document(ADMIN_ID, user, "members.csv", MEMBERS_CSV)
    await h.emu.wait_idle(10)
    mark = h.emu.mark()
    h.emu.send_message(ADMIN_ID, user, "/nhap", reply_to=doc["message_id"])
    replies = (await h.emu.wait_for_messages(ADMIN_ID, 2, since=mark))[1:]
    assert "không có gì thay đổi" in first(replies)
    assert dump(h.db) == before
    # a file with errors: every bad row listed, nothing imported; many errors come as an attached file
    bad = "unit_code,telegram_id,name\n" + "".join(f"khong-co-{i},{900000 + i},Người {i}\n" for i in range(40))
    replies = (await h.send_document(GROUP_ID, ADMIN_ID, "members.csv", bad.encode(), caption="/nhap",
                                     count=3))[1:]
    texts = [r.text or r.caption or "" for r in replies]
    assert "có 40 lỗi" in texts[0] and "members.csv dòng 2" in texts[0] and "và 10 lỗi khác" in texts[0]
    attached = [r for r in replies if r.kind == "document"]
    assert attached and attached[0].file_bytes is not None
    assert attached[0].file_bytes.decode("utf-8").count("members.csv dòng") == 40
    assert dump(h.db) == before
    # /nhap without a file answers with the usage
    assert "Gửi file CSV" in first(await h.say(ADMIN_ID, ADMIN_ID, "/nhap"))


async def test_bot_removed_added_back_and_group_migration(harness: Harness) -> None:
    h = harness
    h.emu.bot_removed_from(GROUP_ID, "kicked")
    await h.emu.wait_idle(10)
    await asyncio.sleep(0.3)
    with h.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert chat is not None and not chat.active and "kicked" in (chat.disabled_reason or "")
    h.emu.bot_added_to(GROUP_ID)
    await h.emu.wait_idle(10)
    await asyncio.sleep(0.3)
    with h.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert chat is not None and chat.active and chat.disabled_reason is None
    # added to a new, unbound group: the bot says how to bind it
    h.group(-100888, "Nhóm mới")
    h.emu.set_bot_status(-100888, "left")
    mark = h.emu.mark()
    h.emu.bot_added_to(-100888)
    replies = await h.emu.wait_for_messages(-100888, 1, since=mark)
    assert "/lienket" in first(replies)
    # group -> supergroup: the binding follows, no duplicate chat rows
    new_id = h.emu.migrate_group(GROUP_ID)
    await h.emu.wait_idle(10)
    await asyncio.sleep(0.3)
    with h.db.session() as s:
        assert repo.chat_by_external(s, "telegram", str(GROUP_ID)) is None
        chat = repo.chat_by_external(s, "telegram", str(new_id))
        assert chat is not None and chat.unit_id == h.demo.commune_id and chat.active
        assert s.scalar(select(func.count(Chat.id))) == 1
        migrations = list(s.scalars(select(AuditLog).where(AuditLog.action == "chat.migrate")))
        assert len(migrations) == 1
    replies = await h.say(new_id, member_id(3), "hôm nay 7 mức 2")
    assert "7" in first(replies) and "Thôn 3" in first(replies)


# ---- permission matrix -------------------------------------------------------------------------------

async def test_permission_matrix(harness: Harness) -> None:
    h = harness
    add_other_commune(h.db)
    h.group(OTHER_GROUP, "Tổ CNS Bình An")
    plain_member = member_id(3)
    csv_bytes = "unit_code,telegram_id,name,role\nth-3,880009,Ai Đó,quản trị\n".encode()
    before = dump(h.db)
    with h.db.session() as s:
        refused_before = s.scalar(select(func.count(AuditLog.id)).where(AuditLog.outcome == "refused")) or 0
    attempts = 0
    for caller, own_chat in ((plain_member, GROUP_ID), (OTHER_LEADER, OTHER_GROUP)):
        for text in COMMANDS:
            replies = await h.say(own_chat, caller, text)
            attempts += 1
            assert REFUSED in first(replies), (caller, text, first(replies))
        for text in GROUP_COMMANDS:
            replies = await h.say(GROUP_ID, caller, text)
            attempts += 1
            assert REFUSED in first(replies), (caller, text, first(replies))
        replies = await h.send_document(own_chat, caller, "members.csv", csv_bytes, caption="/nhap")
        attempts += 1
        assert REFUSED in first(replies), (caller, "/nhap document", first(replies))
    assert dump(h.db) == before
    with h.db.session() as s:
        refused = s.scalar(select(func.count(AuditLog.id)).where(AuditLog.outcome == "refused")) or 0
        assert refused - refused_before == attempts
        # nobody was promoted, nothing was bound elsewhere
        m = s.scalar(select(Member).where(Member.external_id == "2003"))
        assert m is not None and m.role == "member"
    # the same commands by the commune admin do work (sanity check of the matrix itself)
    replies = await h.say(ADMIN_ID, ADMIN_ID, "/chitieu th-3 m2 600 31/12/2025")
    assert "600" in first(replies)
    replies = await h.say(GROUP_ID, LEADER_ID, "/lienket th-3")
    assert "Đã liên kết" in first(replies)


async def test_user_named_by_reply_in_group(harness: Harness) -> None:
    h = harness
    sent = h.emu.send_message(GROUP_ID, h.user(2005, "Tổ viên Thôn 5"), "xin chào cả nhà")
    await h.emu.wait_idle(10)
    target = sent["message_id"]
    mark = h.emu.mark()
    h.emu.send_message(GROUP_ID, h.user(ADMIN_ID), "/thanhvien vaitro truong", reply_to=target)
    replies = await h.emu.wait_for_messages(GROUP_ID, 1, since=mark)
    assert "trưởng thôn" in first(replies)
    with h.db.session() as s:
        m = repo.member_by_external(s, "telegram", "2005")
        assert m is not None and m.role == "leader"
