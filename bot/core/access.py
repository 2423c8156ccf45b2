"""Who is calling, and what they may touch (role + subtree scope)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import Role
from storage.models import Unit
from storage.repo import RosterEntry


@dataclass(frozen=True)
class Caller:
    channel: str
    external_id: str
    name: str
    member_id: int | None = None
    unit_id: int | None = None
    unit_path: str | None = None
    role: Role = Role.NONE
    global_admin: bool = False
    language: str = "vi"

    @classmethod
    def of(cls, channel: str, external_id: str, name: str, member: RosterEntry | None, *, global_admin: bool,
           language: str) -> Caller:
        if member is None or not member.active:
            return cls(channel, external_id, name, role=Role.ADMIN if global_admin else Role.NONE,
                       global_admin=global_admin, language=language)
        return cls(
            channel,
            external_id,
            member.display_name or name,
            member_id=member.id,
            unit_id=member.unit_id,
            unit_path=member.unit_path,
            role=Role.ADMIN if global_admin else Role.parse(member.role),
            global_admin=global_admin,
            language=member.language or language,
        )

    @property
    def on_roster(self) -> bool:
        return self.member_id is not None

    def within(self, unit: Unit) -> bool:
        """The unit is in the caller's subtree (global admins: everything)."""
        if self.global_admin:
            return True
        return self.unit_path is not None and unit.path.startswith(self.unit_path)

    def has_role(self, role: Role) -> bool:
        return self.role >= role

    def can(self, role: Role, unit: Unit) -> bool:
        """May act with `role` on `unit`: enough role, and the unit inside the caller's subtree."""
        return self.global_admin or (self.has_role(role) and self.within(unit))
