"""The organisation service's shared plumbing (the command groups build on it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from bot.access import Caller
from bot.audit import log_refusal, record
from bot.commands import Role
from bot.org.model import CODE_RE, Fail, Msg, Outcome, _fail, usage
from bot.org.words import command_of, unit_label
from bot.parsing import match_unit, normalize
from bot.services import Services
from bot.throttle import FailureThrottle
from storage import org_repo, repo
from storage.models import Unit

_W_LIST = {"", "ds", "danhsach", "list", "cay", "tree", "xem", "show", "all", "tatca"}
_W_ADD = {"them", "add", "tao", "new", "create"}
_W_RENAME = {"doiten", "rename", "ten", "sua", "sua ten", "suaten"}
_W_MOVE = {"chuyen", "move", "di", "dichuyen"}
_W_OFF = {"ngung", "khoa", "tat", "xoa", "deactivate", "off", "disable", "remove", "delete", "ngunghoatdong"}
_W_ON = {"mo", "molai", "kichhoat", "activate", "on", "enable"}
_W_CLEAR = {"xoa", "bo", "clear", "delete", "remove", "huy"}
_W_ROTATE = {"doi", "new", "rotate", "change", "reset", "doima", "doimoi", "taomoi"}
_W_UNBIND = {"huy", "bo", "go", "unbind", "off", "huylienket", "xoa"}
_W_ROLE = {"vaitro", "role", "quyen", "doivaitro"}
_W_REMOVE = {"xoa", "remove", "delete", "bo", "ngung", "khoa", "deactivate"}
_W_CONFIRM = {"chuyen", "dongy", "ok", "yes", "co", "xacnhan", "confirm", "move"}
_W_DEADLINE = {"han", "deadline", "den", "hethan", "handen", "truoc"}
_W_ASOF = {"ngay", "asof", "den", "tinhden", "on"}
_W_INACTIVE = {"tatca", "all", "ca", "kecangung", "inactive"}


@dataclass(frozen=True)
class ChatRef:
    """The chat a command came from."""

    external_id: str
    type: str  # private | group | supergroup | channel
    title: str | None = None
    channel: str = "telegram"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass(frozen=True)
class UserRef:
    """A user named by replying to their message."""

    external_id: str
    name: str = ""


class _OrgBase:
    """What every group of commands shares: services, refusals, audit, resolving units."""

    def __init__(self, svc: Services, *, join_throttle: FailureThrottle | None = None) -> None:
        self.svc = svc
        #: wrong /dangky codes (bot.bootstrap shares one between the channels of a process)
        self.join_throttle = join_throttle or FailureThrottle()

    # ---- plumbing -------------------------------------------------------------------------------

    def _run(self, fn: Callable[[], Outcome]) -> Outcome:
        try:
            return fn()
        except Fail as f:
            return f.outcome

    def _refuse(self, caller: Caller, action: str, key: str, unit: Unit | None = None, /, **args: Any) -> NoReturn:
        log_refusal(self.svc, caller, action, reason=key, unit_id=unit.id if unit is not None else None)
        raise Fail("refused", Msg(key, args))

    def _need_role(self, caller: Caller, role: Role, action: str) -> None:
        if caller.global_admin or caller.has_role(role):
            return
        key = "err.not_member" if not caller.on_roster else "err.role"
        self._refuse(caller, action, key, command=command_of(action), role=role)

    def _need(self, caller: Caller, role: Role, unit: Unit, action: str) -> None:
        """Role AND scope: the unit must be inside the caller's subtree."""
        self._need_role(caller, role, action)
        if not caller.can(role, unit):
            self._refuse(caller, action, "err.scope", unit, unit=unit_label(unit))

    def _audit(self, caller: Caller, action: str, unit: Unit | None, before: dict[str, Any] | None,
               after: dict[str, Any] | None) -> None:
        record(self.svc, caller, action, unit_id=unit.id if unit is not None else None, before=before, after=after)

    def _scope_path(self, caller: Caller) -> str | None:
        return None if caller.global_admin else caller.unit_path

    def _own_unit(self, s: Session, caller: Caller) -> Unit | None:
        return repo.unit_by_id(s, caller.unit_id) if caller.unit_id is not None else None

    def _metrics(self, s: Session) -> list[str]:
        return org_repo.metric_codes(s)

    # ---- resolving units ------------------------------------------------------------------------

    def _candidates(self, s: Session, caller: Caller, ref: str, *, active_only: bool) -> list[Unit]:
        """Units in the caller's scope that `ref` (a code or a name) names: [] unknown, >1 ambiguous."""
        ref = " ".join(ref.split())
        if not ref:
            return []
        units = org_repo.scope_units(s, self._scope_path(caller), active_only=active_only)
        low = ref.lower()
        by_code = [u for u in units if u.code.lower() == low]
        if by_code:
            return by_code
        n = normalize(ref)
        exact = [u for u in units if normalize(u.name) == n]
        if exact:
            return exact
        if CODE_RE.match(ref) and repo.unit_by_code(s, ref) is not None:
            return []  # the code of a unit outside the scope is never read as a look-alike name
        by_name: dict[str, list[Unit]] = defaultdict(list)
        for u in units:
            by_name[u.name].append(u)
        names = match_unit(ref, list(by_name))
        return [u for name in names for u in by_name[name]]

    def resolve_unit(self, s: Session, caller: Caller, ref: str, action: str, *,
                     active_only: bool = True) -> Unit:
        """The one unit `ref` names in the caller's scope, or a Fail (unknown / ambiguous / outside)."""
        cands = self._candidates(s, caller, ref, active_only=active_only)
        if len(cands) == 1:
            return cands[0]
        if len(cands) > 1:
            raise Fail("error", Msg("org.ambiguous_unit", {"ref": ref, "units": self._describe(s, cands)}))
        # a code outside the caller's scope is refused (and logged); an unknown name is just unknown
        other = repo.unit_by_code(s, ref) if CODE_RE.match(ref.strip()) else None
        if other is not None and not caller.within(other):
            self._refuse(caller, action, "err.scope", other, unit=unit_label(other))
        if other is not None and not other.active and active_only:
            _fail("org.unit_inactive", unit=unit_label(other))
        _fail("org.unknown_unit", ref=ref)

    def _describe(self, s: Session, units: Sequence[Unit]) -> str:
        parts = []
        for u in units[:10]:
            parent = repo.unit_by_id(s, u.parent_id) if u.parent_id else None
            parts.append(f"{u.name} ({u.code}{', ' + parent.name if parent else ''})")
        return "; ".join(parts)

    def _split_unit(self, s: Session, caller: Caller, tokens: list[str], action: str, *,
                    active_only: bool = True, need_rest: bool = True) -> tuple[Unit, list[str]]:
        """Split 'Thôn 3 Thôn Ba' into the unit the longest leading words name and the rest."""
        if not tokens:
            raise Fail("usage", usage(command_of(action)))
        first = self._candidates(s, caller, tokens[0], active_only=active_only)
        if len(first) == 1 and first[0].code.lower() == tokens[0].lower():
            return first[0], tokens[1:]
        top = len(tokens) - (1 if need_rest else 0)
        for n in range(top, 0, -1):
            ref = " ".join(tokens[:n])
            cands = self._candidates(s, caller, ref, active_only=active_only)
            if len(cands) == 1:
                return cands[0], tokens[n:]
            if len(cands) > 1:  # the longest ambiguous name: ask for the code
                raise Fail("error", Msg("org.ambiguous_unit", {"ref": ref, "units": self._describe(s, cands)}))
        return self.resolve_unit(s, caller, tokens[0], action, active_only=active_only), tokens[1:]

    # =============================================================================================
    # /donvi
    # =============================================================================================
