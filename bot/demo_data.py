"""A demo commune: a province, one commune with a dozen villages, targets, baselines and members.

Used by `vneid-bot demo` and by the tests (ids are Telegram user ids of the emulator's users).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from storage import repo
from storage.db import Database

VILLAGES: list[tuple[str, str, int, int]] = [
    # code, name, level-2 target, baseline
    ("th-dongtam", "Thôn Đồng Tâm", 530, 380),
    ("th-dongtan", "Thôn Đồng Tân", 480, 300),
    ("th-nhanly", "Thôn Nhân Lý", 400, 310),
    ("th-3", "Thôn 3", 530, 405),
    ("th-5", "Thôn 5", 350, 200),
    ("tdp-5", "TDP 5", 620, 500),
    ("x-bai", "Xóm Bãi", 210, 120),
    ("b-napuc", "Bản Nà Pục", 180, 60),
    ("th-thuong", "Thôn Thượng", 300, 210),
    ("th-trung", "Thôn Trung", 320, 250),
    ("th-ha", "Thôn Hạ", 290, 150),
    ("to-7", "Tổ 7", 260, 190),
]

LEADER_ID = 1001  # Chủ tịch xã (commune leader)
ADMIN_ID = 1000  # cán bộ xã (commune admin)
MEMBER_BASE = 2000  # members are 2000 + village index (two per village: +0 and +100)
GROUP_ID = -100500  # the commune's group chat
GROUP_TITLE = "Tổ CNS Xã Tân Hòa"
COMMUNE_NAME = "Xã Tân Hòa"
ADMIN_NAME, LEADER_NAME = "Cán bộ xã Lan", "Chủ tịch xã Hùng"
MEMBER_NAME = "Tổ viên Thôn 3"  # the demo terminal's member (member_id(3), a member of Thôn 3)


@dataclass
class Demo:
    province_id: int
    commune_id: int
    village_ids: dict[str, int] = field(default_factory=dict)  # name -> id
    join_codes: dict[str, str] = field(default_factory=dict)  # name -> code


def member_id(index: int, second: bool = False) -> int:
    return MEMBER_BASE + index + (100 if second else 0)


def seed_demo(db: Database, *, as_of: date | None = None, bind_group: bool = True) -> Demo:
    as_of = as_of or date(2025, 8, 1)
    with db.session() as s:
        prov = repo.create_unit(s, "t-demo", "Tỉnh Demo", "province", None)
        com = repo.create_unit(s, "x-tanhoa", COMMUNE_NAME, "commune", prov)
        demo = Demo(prov.id, com.id)
        repo.add_member(s, "telegram", str(ADMIN_ID), ADMIN_NAME, com, "admin")
        repo.add_member(s, "telegram", str(LEADER_ID), LEADER_NAME, com, "leader")
        for i, (code, name, target, base) in enumerate(VILLAGES):
            v = repo.create_unit(s, code, name, "village", com)
            demo.village_ids[name] = v.id
            demo.join_codes[name] = v.join_code or ""
            repo.set_target(s, v, "l2", target)
            repo.set_target(s, v, "l1", target + 100)
            repo.set_baseline(s, v, "l2", as_of, base)
            repo.add_member(s, "telegram", str(member_id(i)), f"Tổ viên {name}", v, "member")
            repo.add_member(s, "telegram", str(member_id(i, True)), f"Trưởng {name}", v, "leader")
        if bind_group:
            chat = repo.get_or_create_chat(s, "telegram", str(GROUP_ID), "Tổ CNS Xã Tân Hòa")
            repo.bind_chat(s, chat, com)
    return demo
