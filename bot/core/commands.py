"""The command table: one place that names every command, its English alias and who may use it.

Telegram allows only a-z, 0-9 and _ in command names, so Vietnamese names are written without
diacritics (DESIGN §5). Descriptions and usage lines live in the message catalog under
``cmd.<name>`` and ``usage.<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    NONE = 0
    MEMBER = 1
    LEADER = 2
    ADMIN = 3

    @classmethod
    def parse(cls, s: str) -> Role:
        return {"member": cls.MEMBER, "leader": cls.LEADER, "admin": cls.ADMIN}[s]


@dataclass(frozen=True)
class CommandSpec:
    name: str  # Vietnamese, without diacritics
    alias: str  # English
    role: Role  # the least role that may use it (scope is checked by the service)
    extra_aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.alias, *self.extra_aliases)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "start", Role.NONE),
    CommandSpec("trogiup", "help", Role.NONE),
    CommandSpec("dangky", "join", Role.NONE),
    CommandSpec("baocao", "report", Role.MEMBER, ("bc",)),
    CommandSpec("huy", "undo", Role.MEMBER),
    CommandSpec("sua", "fix", Role.LEADER),
    CommandSpec("tiendo", "progress", Role.MEMBER),
    CommandSpec("tonghop", "summary", Role.LEADER),
    CommandSpec("xephang", "rank", Role.LEADER),
    CommandSpec("chuabaocao", "missing", Role.LEADER),
    CommandSpec("bieudo", "chart", Role.LEADER),
    CommandSpec("xuat", "export", Role.LEADER),
    CommandSpec("madangky", "joincode", Role.LEADER),
    CommandSpec("donvi", "unit", Role.ADMIN),
    CommandSpec("chitieu", "target", Role.ADMIN),
    CommandSpec("moc", "baseline", Role.ADMIN),
    CommandSpec("thanhvien", "member", Role.ADMIN),
    CommandSpec("lienket", "bind", Role.LEADER),
    CommandSpec("lich", "schedule", Role.LEADER),
    CommandSpec("kieuxacnhan", "confirmstyle", Role.LEADER),
    CommandSpec("nhap", "import", Role.ADMIN),
    CommandSpec("nhatky", "audit", Role.ADMIN),
    CommandSpec("lienketzalo", "linkzalo", Role.MEMBER),
    CommandSpec("chinhthuc", "official", Role.LEADER),
    CommandSpec("chiso", "indicator", Role.ADMIN),
)

BY_NAME: dict[str, CommandSpec] = {n: spec for spec in COMMANDS for n in spec.names}
