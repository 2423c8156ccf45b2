"""Permission matrix for the leader views and schedule commands (the org commands have theirs in
tests/test_org_e2e.py): a plain member and a leader of another commune get nothing of Xã Tân Hòa,
and the database does not change."""

from __future__ import annotations

from bot.demo_data import GROUP_ID, LEADER_ID, member_id
from tests.helpers.matrices import LEADER_COMMANDS
from tests.helpers.org import OTHER_GROUP, OTHER_LEADER, add_other_commune, dump
from tests.helpers.telegram import Harness

# typed by the leader of Xã Bình An in the other commune's group, naming Tân Hòa's units
FOREIGN_COMMANDS = [
    "/tonghop x-tanhoa", "/xephang x-tanhoa", "/chuabaocao x-tanhoa", "/bieudo x-tanhoa",
    "/xuat x-tanhoa", "/tiendo x-tanhoa", "/tiendo th-dongtam", "/tiendo Thôn Đồng Tâm",
    "/chinhthuc th-dongtam m2 999", "/chinhthuc x-tanhoa m2 999", "/chiso them xx | X | X | xx",
]
# typed by the leader of Xã Bình An inside Tân Hòa's group (which is bound to Tân Hòa)
FOREIGN_IN_GROUP = ["/lich nhac 17:00", "/lich tat", "/lich tuan T2", "/tonghop", "/chuabaocao", "/xuat",
                    "/kieuxacnhan camxuc"]

# what must never reach Bình An's leader: Tân Hòa's commune name and Đồng Tâm's cumulative (380 + 12)
SECRETS = ("Xã Tân Hòa", "392", "Tổ viên Thôn")


async def test_leader_views_and_schedule_matrix(harness: Harness) -> None:
    h = harness
    add_other_commune(h.db)
    h.group(OTHER_GROUP, "Tổ CNS Bình An")
    await h.say_quiet(GROUP_ID, member_id(0), "Thôn Đồng Tâm hôm nay 12 mức 2")  # something to leak, if it could
    before = dump(h.db)
    for text in LEADER_COMMANDS:
        replies = await h.say(GROUP_ID, member_id(3), text)
        body = replies[0].text or replies[0].caption or ""
        assert replies[0].kind == "text" and "chỉ dành cho" in body, (text, body)
    # inside Tân Hòa's own group the commune's name may be said; its figures and members may not
    for chat, texts, secrets in ((OTHER_GROUP, FOREIGN_COMMANDS, SECRETS), (GROUP_ID, FOREIGN_IN_GROUP, SECRETS[1:])):
        for text in texts:
            replies = await h.say(chat, OTHER_LEADER, text)
            assert all(r.kind == "text" for r in replies), (text, [r.kind for r in replies])
            body = "\n".join(r.text or "" for r in replies)
            assert not any(secret in body for secret in secrets), (text, body)
    assert dump(h.db) == before
    # sanity: the commune leader does get them
    replies = await h.say(GROUP_ID, LEADER_ID, "/chuabaocao")
    assert "Thôn" in (replies[0].text or "")
