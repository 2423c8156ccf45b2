"""Organisation services: unit tree, targets and baselines, roster and roles, chat binding, audit view.

Plain Python over storage repositories (no PTB). Every public method takes the `Caller`, checks its
role and subtree scope, and returns an `Outcome`: the messages to show (catalog keys + values, rendered
in the caller's language), a status, and structured data for tests. A refusal changes nothing, says why
in Vietnamese, and is logged (`bot.audit.log_refusal`); every change is audited (`bot.audit.record`).

Command texts (`/donvi them ...`) are parsed here too, so the PTB handlers stay thin.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from typing import Any, Literal, NoReturn

from sqlalchemy.orm import Session

from bot import fmt, names
from bot.access import Caller
from bot.audit import log_refusal, record
from bot.audit_text import sentence
from bot.collation import vn_key
from bot.commands import Role
from bot.parsing import match_unit, normalize
from bot.services import Services
from bot.texts import t
from bot.throttle import FailureThrottle
from storage import audit_repo, org_repo, repo
from storage.models import Member, Unit

Status = Literal["ok", "refused", "usage", "error", "confirm", "info"]

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MAX_NAME = 120
MAX_VALUE = 10_000_000
LIST_LIMIT = 150  # lines of a tree or roster shown in chat

# ---------------------------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Html:
    """A value that is already HTML (not escaped when rendered)."""

    s: str


@dataclass(frozen=True)
class LangHtml:
    """HTML made in the reader's language at render time."""

    fn: Callable[[str], str]


@dataclass(frozen=True)
class Msg:
    """One catalog line: `key` formatted with `args` in the reader's language at render time.

    Values: str is HTML-escaped, int -> 1.046, date -> dd/mm/yyyy, time -> HH:MM, None -> '–',
    Html as is, a nested Msg rendered in the same language, a Role -> its name.
    """

    key: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return t(self.key, lang, **{k: render_value(v, lang) for k, v in self.args.items()})


def render_value(v: Any, lang: str) -> str:
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, Html):
        return v.s
    if isinstance(v, LangHtml):
        return v.fn(lang)
    if isinstance(v, Role):
        return t(f"role.{v.name.lower()}", lang)
    if isinstance(v, bool):
        return t("org.yes" if v else "org.no", lang)
    if isinstance(v, int):
        return fmt.num(v, lang)
    if isinstance(v, datetime):
        return v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, date):
        return fmt.day(v, lang, year=True)
    if isinstance(v, time):
        return v.strftime("%H:%M")
    if v is None:
        return "–"
    if isinstance(v, list | tuple):
        return ", ".join(render_value(x, lang) for x in v)
    return fmt.esc(v)


@dataclass
class Outcome:
    status: Status
    msgs: list[Msg] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "info")

    def text(self, lang: str) -> str:
        return "\n".join(m.render(lang) for m in self.msgs)

    def chunks(self, lang: str, limit: int = 3900) -> list[str]:
        """The text cut at line boundaries into pieces Telegram accepts."""
        out: list[str] = []
        cur = ""
        for line in self.text(lang).split("\n"):
            while len(line) > limit:
                if cur:
                    out.append(cur)
                    cur = ""
                out.append(line[:limit])
                line = line[limit:]
            if cur and len(cur) + 1 + len(line) > limit:
                out.append(cur)
                cur = line
            else:
                cur = f"{cur}\n{line}" if cur else line
        if cur:
            out.append(cur)
        return out or [""]


class Fail(Exception):
    """Raised inside a service method; turned into an Outcome by `_run`."""

    def __init__(self, status: Status, *msgs: Msg) -> None:
        super().__init__(msgs[0].key if msgs else status)
        self.outcome = Outcome(status, list(msgs))


def usage(name: str) -> Msg:
    return Msg("err.usage", {"usage": Msg(f"usage.{name}")})


def _fail(key: str, /, **args: Any) -> NoReturn:
    raise Fail("error", Msg(key, args))


# ---------------------------------------------------------------------------------------------
# small parsers (command arguments, import cells)
# ---------------------------------------------------------------------------------------------

_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}


def split_args(text: str) -> list[str]:
    """Whitespace-separated tokens; "quoted words" (straight, curly or «») stay one token."""
    tokens: list[str] = []
    cur: list[str] = []
    started = False
    close: str | None = None
    for ch in text:
        if close is not None:
            if ch == close:
                close = None
            else:
                cur.append(ch)
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            started = True
            continue
        if ch.isspace():
            if started:
                tokens.append("".join(cur))
                cur, started = [], False
            continue
        cur.append(ch)
        started = True
    if started:
        tokens.append("".join(cur))
    return tokens


def squash(text: str) -> str:
    """normalize() without spaces and punctuation: 'Mã cấp trên' -> 'macaptren'."""
    return re.sub(r"[^a-z0-9]", "", normalize(str(text)))


def parse_int(value: Any) -> int | None:
    """A non-negative count: 1046, '1.046', '1 046', '1,046' (groups of 3), 530.0 from Excel."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    s = str(value).strip().replace("\u00a0", " ")
    # ASCII digits, at most 15 (far above any allowed count): a 5,000-digit string is "not a number",
    # never int()'s ValueError (Python refuses to convert more than 4,300 digits)
    if re.fullmatch(r"[0-9]{1,15}", s):
        return int(s)
    if re.fullmatch(r"[0-9]{1,3}(?:([., ])[0-9]{3})(?:\1[0-9]{3}){0,3}", s):
        return int(re.sub(r"[., ]", "", s))
    return None


def parse_date(value: Any) -> date | None:
    """dd/mm/yyyy (also d/m/yy, '-' or '.'), ISO yyyy-mm-dd, or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", s)
    try:
        if m:
            y = int(m.group(3))
            return date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def parse_time(value: Any) -> time | None:
    """HH:MM, 7h30, 7h, 07:30:00, or an Excel time cell."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # Excel fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    s = normalize(str(value)).replace(" ", "")
    m = re.fullmatch(r"(\d{1,2})(?:[:h](\d{2})?)?(?::\d{2})?", s)
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2) or 0)
    if hh > 23 or mm > 59:
        return None
    return time(hh, mm)


_ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(("member", "thanhvien", "tv", "tovien", "thanhvientoi", "thanhvientocns"), Role.MEMBER),
    **dict.fromkeys(("leader", "truong", "truongthon", "totruong", "lanhdao", "tt", "truongnhom", "truongto"),
                    Role.LEADER),
    **dict.fromkeys(("admin", "quantri", "qt", "quantrivien", "canbo"), Role.ADMIN),
}


def parse_role(text: Any) -> Role | None:
    return _ROLE_WORDS.get(squash(text))


ROLE_CODE = {Role.MEMBER: "member", Role.LEADER: "leader", Role.ADMIN: "admin"}

_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("tinh", "province", "thanhphotructhuoctrunguong", "tp"), "province"),
    **dict.fromkeys(("huyen", "quan", "thixa", "district"), "district"),
    **dict.fromkeys(("xa", "phuong", "thitran", "commune", "ward", "dackhu", "dacKhu"), "commune"),
    **dict.fromkeys(("thon", "xom", "ban", "ap", "tdp", "todanpho", "khupho", "kp", "buon", "bon", "soc", "khom",
                     "plei", "lang", "to", "village", "hamlet"), "village"),
}
CHILD_KIND = {"province": "commune", "district": "commune", "commune": "village"}


def canonical_kind(text: str) -> str:
    """'Xã' -> commune, 'thôn' -> village ...; unknown kinds are kept (free text, lower case)."""
    key = squash(text)
    if key in _KIND_WORDS:
        return _KIND_WORDS[key]
    return " ".join(str(text).split()).lower()[:32]


def default_child_kind(parent: Unit | None) -> str:
    if parent is None:
        return "province"
    return CHILD_KIND.get(parent.kind, "village")


def metric_code(token: str, known: Sequence[str]) -> str | None:
    """'l2', 'm2', 'mức 2', 'muc2', 'level 2' -> 'l2' when known; other known codes as they are."""
    s = squash(token)
    if s in known:
        return s
    m = re.fullmatch(r"(?:l|m|muc|level|lv|cap|capdo)(\d{1,2})", s)
    if m and f"l{m.group(1)}" in known:
        return f"l{m.group(1)}"
    return None


def _take_metric(tokens: list[str], known: Sequence[str]) -> tuple[list[str], str | None]:
    """Split a metric off the end of `tokens` (one token, or two like 'mức 2')."""
    if len(tokens) >= 2:
        code = metric_code(" ".join(tokens[-2:]), known)
        if code and squash(tokens[-2]) in ("muc", "level", "lv", "cap", "capdo"):
            return tokens[:-2], code
    if tokens:
        code = metric_code(tokens[-1], known)
        if code:
            return tokens[:-1], code
    return tokens, None


ACTION_COMMAND = {"unit": "donvi", "target": "chitieu", "baseline": "moc", "member": "thanhvien", "chat": "lienket",
                  "import": "nhap", "audit": "nhatky"}
SPECIAL_COMMAND = {"member.join": "dangky", "unit.join_code": "madangky"}


def command_of(action: str) -> str:
    """The command an audit action belongs to: 'unit.move' -> 'donvi'."""
    if action in SPECIAL_COMMAND:
        return SPECIAL_COMMAND[action]
    return ACTION_COMMAND.get(action.split(".")[0], action.split(".")[0])


def _check_kind(kind: str, name: str, parent: Unit | None) -> None:
    """Refuse a unit of `kind` under `parent` when the kinds' order forbids it (bot.tree)."""
    from bot.tree import kind_allowed, kind_error_args

    if parent is not None and not kind_allowed(kind, parent.kind):
        _fail("fig.kind_order", unit=name, parent=unit_label(parent), **kind_error_args(kind, parent.kind))


def unit_label(u: Unit) -> str:
    return f"{u.name} ({u.code})"


# ---------------------------------------------------------------------------------------------
# the service
# ---------------------------------------------------------------------------------------------

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


class OrgService:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

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

    def cmd_unit(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_unit(caller, args))

    def _cmd_unit(self, caller: Caller, args: str) -> Outcome:
        self._need_role(caller, Role.ADMIN, "donvi")
        if "|" in args:
            head, _, rest = args.strip().partition(" ")
            rest = rest.strip()
            parts = [p.strip() for p in (rest[1:] if rest.startswith("|") else rest).split("|")]
            sub = squash(head)
        else:
            tokens = split_args(args)
            sub = squash(tokens[0]) if tokens else ""
            parts = []
        if sub in _W_ADD:
            if parts:
                code, name, kind, parent = (parts + ["", "", "", ""])[:4]
                return self.add_unit(caller, code, name, kind or None, parent or None)
            return self._add_from_tokens(caller, split_args(args)[1:])
        if sub in _W_RENAME:
            if parts and len(parts) >= 2:
                return self.rename_unit(caller, parts[0], parts[1])
            return self._two_part(caller, split_args(args)[1:], "unit.rename", self.rename_unit)
        if sub in _W_MOVE:
            if parts and len(parts) >= 2:
                return self.move_unit(caller, parts[0], parts[1])
            return self._two_part(caller, split_args(args)[1:], "unit.move", self.move_unit, rest_is_unit=True)
        if sub in _W_OFF:
            ref = " ".join(split_args(args)[1:])
            return self.set_unit_active(caller, ref, False) if ref else Outcome("usage", [usage("donvi")])
        if sub in _W_ON:
            ref = " ".join(split_args(args)[1:])
            return self.set_unit_active(caller, ref, True) if ref else Outcome("usage", [usage("donvi")])
        if sub in _W_LIST or sub in _W_INACTIVE:
            tokens = split_args(args)[1:] if sub in _W_LIST else split_args(args)
            inactive = bool(tokens) and squash(tokens[-1]) in _W_INACTIVE
            if inactive:
                tokens = tokens[:-1]
            return self.tree(caller, " ".join(tokens) or None, include_inactive=inactive)
        # '/donvi Thôn 3' = the tree under that unit
        return self._run(lambda: self._tree_or_usage(caller, args))

    def _tree_or_usage(self, caller: Caller, args: str) -> Outcome:
        with self.svc.db.session() as s:
            cands = self._candidates(s, caller, args, active_only=False)
        if len(cands) == 1:
            return self.tree(caller, args)
        raise Fail("usage", usage("donvi"))

    def _two_part(self, caller: Caller, tokens: list[str], action: str,
                  fn: Callable[[Caller, str, str], Outcome], *, rest_is_unit: bool = False) -> Outcome:
        if len(tokens) < 2:
            raise Fail("usage", usage("donvi"))
        with self.svc.db.session() as s:
            active_only = action != "unit.rename"
            unit, rest = self._split_unit(s, caller, tokens, action, active_only=active_only)
            code = unit.code
        if not rest:
            raise Fail("usage", usage("donvi"))
        return fn(caller, code, " ".join(rest))

    def _add_from_tokens(self, caller: Caller, tokens: list[str]) -> Outcome:
        kind: str | None = None
        parent: str | None = None
        rest: list[str] = []
        for tok in tokens:
            m = re.match(r"^([^=:]{2,20})[=:](.*)$", tok)
            key = squash(m.group(1)) if m else ""
            if m and key in ("cap", "kind", "loai"):
                kind = m.group(2).strip()
            elif m and key in ("tren", "parent", "captren", "thuoc", "cha", "under", "in"):
                parent = m.group(2).strip()
            else:
                rest.append(tok)
        if len(rest) < 2:
            raise Fail("usage", usage("donvi"))
        return self.add_unit(caller, rest[0], " ".join(rest[1:]), kind, parent)

    def _check_name(self, s: Session, name: str, parent: Unit | None, *, exclude: Unit | None = None) -> str:
        cleaned = names.clean(name)
        if cleaned is None:
            _fail("org.name_control")
        name = cleaned
        if not name or len(name) > MAX_NAME:
            _fail("org.bad_name", max=MAX_NAME)
        siblings = repo.children(s, parent) if parent is not None else repo.roots(s)
        n = normalize(name)
        for sib in siblings:
            if sib is not exclude and (normalize(sib.name) == n or names.look_alike(name, sib.name)):
                _fail("org.name_taken", name=name, parent=parent.name if parent else "–", unit=unit_label(sib))
        return name

    def add_unit(self, caller: Caller, code: str, name: str, kind: str | None = None,
                 parent_ref: str | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "unit.add")
            code_ = code.strip()
            if not CODE_RE.match(code_):
                _fail("org.bad_code", code=code_)
            with self.svc.db.session() as s:
                if parent_ref:
                    parent = self.resolve_unit(s, caller, parent_ref, "unit.add")
                elif caller.global_admin and caller.unit_id is None:
                    parent = None
                else:
                    parent = self._own_unit(s, caller)
                if parent is None and not caller.global_admin:
                    self._refuse(caller, "unit.add", "org.root_admin_only")
                if parent is not None:
                    self._need(caller, Role.ADMIN, parent, "unit.add")
                if repo.unit_by_code(s, code_) is not None:
                    _fail("org.code_taken", code=code_)
                name_ = self._check_name(s, name, parent)
                kind_ = canonical_kind(kind) if kind else default_child_kind(parent)
                _check_kind(kind_, name_, parent)
                unit = repo.create_unit(s, code_, name_, kind_, parent)
                after = {"code": unit.code, "name": unit.name, "kind": unit.kind,
                         "parent": parent.code if parent else None}
                out = Outcome("ok", [Msg("org.unit_added", {"unit": unit_label(unit),
                                                            "parent": unit_label(parent) if parent else "–",
                                                            "join": unit.join_code or ""})],
                              {"unit_id": unit.id, "join_code": unit.join_code})
            self._audit(caller, "unit.add", unit, None, after)
            return out

        return self._run(run)

    def rename_unit(self, caller: Caller, ref: str, new_name: str) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "unit.rename", active_only=False)
                self._need(caller, Role.ADMIN, unit, "unit.rename")
                parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                name_ = self._check_name(s, new_name, parent, exclude=unit)
                old = unit.name
                if old == name_:
                    return Outcome("info", [Msg("org.no_change")])
                unit.name = name_
            self._audit(caller, "unit.rename", unit, {"name": old}, {"name": name_})
            return Outcome("ok", [Msg("org.unit_renamed", {"old": old, "unit": unit_label(unit)})])

        return self._run(run)

    def move_unit(self, caller: Caller, ref: str, parent_ref: str) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "unit.move")
                self._need(caller, Role.ADMIN, unit, "unit.move")
                if not caller.global_admin and unit.id == caller.unit_id:
                    self._refuse(caller, "unit.move", "org.own_unit", unit, unit=unit_label(unit))
                new_parent = self.resolve_unit(s, caller, parent_ref, "unit.move")
                self._need(caller, Role.ADMIN, new_parent, "unit.move")
                if new_parent.path.startswith(unit.path):
                    _fail("org.move_cycle", unit=unit_label(unit), parent=unit_label(new_parent))
                if new_parent.id == unit.parent_id:
                    return Outcome("info", [Msg("org.no_change")])
                _check_kind(unit.kind, unit.name, new_parent)
                old_parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                self._check_name(s, unit.name, new_parent, exclude=unit)
                before = {"parent": old_parent.code if old_parent else None, "path": unit.path}
                count = org_repo.move_subtree(s, unit, new_parent)
                s.refresh(unit)
                after = {"parent": new_parent.code, "path": unit.path}
            self._audit(caller, "unit.move", unit, before, after)
            return Outcome("ok", [Msg("org.unit_moved", {"unit": unit_label(unit), "parent": unit_label(new_parent),
                                                         "count": count})], {"moved": count})

        return self._run(run)

    def set_unit_active(self, caller: Caller, ref: str, active: bool) -> Outcome:
        action = "unit.activate" if active else "unit.deactivate"

        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, action, active_only=not active)
                self._need(caller, Role.ADMIN, unit, action)
                if not caller.global_admin and unit.id == caller.unit_id:
                    self._refuse(caller, action, "org.own_unit", unit, unit=unit_label(unit))
                if unit.active == active:
                    return Outcome("info", [Msg("org.no_change")])
                if active and unit.parent_id:
                    parent = repo.unit_by_id(s, unit.parent_id)
                    if parent is not None and not parent.active:
                        _fail("org.parent_inactive", unit=unit_label(parent))
                if active:
                    unit.active = True  # only this unit; its children are reopened one by one
                    count = 1
                else:
                    count = org_repo.set_subtree_active(s, unit, False)
                members = org_repo.count_active_members(s, unit)
            self._audit(caller, action, unit, {"active": not active}, {"active": active, "units": count})
            if active:
                return Outcome("ok", [Msg("org.unit_activated", {"unit": unit_label(unit)})])
            msgs = [Msg("org.unit_deactivated", {"unit": unit_label(unit), "count": count})]
            if members:
                msgs.append(Msg("org.unit_deactivated_members", {"count": members}))
            return Outcome("ok", msgs, {"count": count})

        return self._run(run)

    def tree(self, caller: Caller, ref: str | None = None, *, include_inactive: bool = False) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "donvi")
            with self.svc.db.session() as s:
                if ref:
                    root = self.resolve_unit(s, caller, ref, "donvi", active_only=False)
                    roots = [root]
                elif not caller.global_admin or caller.unit_id is not None:
                    own = self._own_unit(s, caller)
                    roots = [own] if own is not None else []
                else:
                    roots = repo.roots(s)
                if not roots:
                    return Outcome("info", [Msg("org.tree_empty")])
                lines: list[Msg] = [Msg("org.tree_head")]
                total = 0
                for root in roots:
                    units = org_repo.scope_units(s, root.path, active_only=not include_inactive)
                    counts = org_repo.member_counts(s, root.path)
                    body, n = _tree_lines(root, units, counts)
                    lines += body
                    total += n
                return Outcome("info", lines, {"units": total})

        return self._run(run)

    # =============================================================================================
    # /chitieu and /moc
    # =============================================================================================

    def cmd_target(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_value(caller, args, "chitieu"))

    def cmd_baseline(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_value(caller, args, "moc"))

    def _cmd_value(self, caller: Caller, args: str, cmd: str) -> Outcome:
        self._need_role(caller, Role.ADMIN, cmd)
        tokens = split_args(args)
        if not tokens:
            return self.show_values(caller, None, cmd)
        with self.svc.db.session() as s:
            known = self._metrics(s)
            whole = self._candidates(s, caller, args, active_only=True)
        # a trailing date, with its optional keyword
        when: date | None = None
        if tokens and parse_date(tokens[-1]) is not None and re.search(r"[/.-]", tokens[-1]):
            when = parse_date(tokens[-1])
            tokens = tokens[:-1]
            if tokens and squash(tokens[-1]) in (_W_DEADLINE if cmd == "chitieu" else _W_ASOF):
                tokens = tokens[:-1]
        elif tokens and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", tokens[-1]):
            _fail("org.bad_date", value=tokens[-1])
        clear = False
        value: int | None = None
        if when is None and len(whole) == 1:
            return self.show_values(caller, whole[0].code, cmd)
        if tokens and cmd == "chitieu" and squash(tokens[-1]) in _W_CLEAR:
            clear = True
            tokens = tokens[:-1]
        elif tokens and parse_int(tokens[-1]) is not None:
            value = parse_int(tokens[-1])
            tokens = tokens[:-1]
        elif tokens and (re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", tokens[-1])
                         or len(tokens) > 1 and metric_code(tokens[-2], known) is not None):
            _fail("org.bad_value", value=tokens[-1][:20])  # '-5', '1,5', 'm2 abc': a number was meant
        else:
            if when is None:
                ref = " ".join(tokens)
                return self.show_values(caller, ref, cmd)
            raise Fail("usage", usage(cmd))
        tokens, metric = _take_metric(tokens, known)
        if metric is None and tokens and re.fullmatch(r"(?:l|m|muc|level)\d{1,2}", squash(tokens[-1])):
            _fail("org.unknown_metric", metric=tokens[-1], known=", ".join(known))
        if not tokens:
            raise Fail("usage", usage(cmd))
        ref = " ".join(tokens)
        if cmd == "chitieu":
            if clear:
                return self.clear_target(caller, ref, metric)
            assert value is not None
            return self.set_target(caller, ref, metric, value, when)
        assert value is not None
        return self.set_baseline(caller, ref, metric, value, when)

    def _metric(self, s: Session, metric: str | None) -> str:
        from bot.metrics import load

        load(self.svc.db)  # the names bot.metrics.metric_name gives in the reply
        known = self._metrics(s)
        if metric is None:
            return self.svc.settings.default_metric
        code = metric_code(metric, known)
        if code is None:
            _fail("org.unknown_metric", metric=metric, known=", ".join(known))
        return code

    def set_target(self, caller: Caller, ref: str, metric: str | None, value: int,
                   deadline: date | None = None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "target.set")
                self._need(caller, Role.ADMIN, unit, "target.set")
                m = self._metric(s, metric)
                if value < 0 or value > MAX_VALUE:
                    _fail("org.bad_value", value=str(value))
                old = repo.target_for(s, unit.id, m)
                before = {"value": old.value, "deadline": _iso(old.deadline)} if old else None
                if old is not None and old.value == value and old.deadline == deadline:
                    return Outcome("info", [Msg("org.no_change")])
                repo.set_target(s, unit, m, value, deadline)
                parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                parent_total = None
                if parent is not None and repo.target_for(s, parent.id, m) is None:
                    parent_total = repo.effective_target(s, parent, m)
            self._audit(caller, "target.set", unit, before, {"metric": m, "value": value, "deadline": _iso(deadline)})
            msgs = [Msg("org.target_set", {"unit": unit_label(unit), "metric": _metric_name(m), "value": value,
                                           "old": before["value"] if before else None})]
            if deadline:
                msgs.append(Msg("org.deadline", {"deadline": deadline}))
            if parent is not None and parent_total is not None:
                msgs.append(Msg("org.parent_sum", {"unit": parent.name, "value": parent_total}))
            return Outcome("ok", msgs)

        return self._run(run)

    def clear_target(self, caller: Caller, ref: str, metric: str | None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "target.clear")
                self._need(caller, Role.ADMIN, unit, "target.clear")
                m = self._metric(s, metric)
                old = repo.target_for(s, unit.id, m)
                if old is None:
                    return Outcome("info", [Msg("org.no_change")])
                before = {"metric": m, "value": old.value, "deadline": _iso(old.deadline)}
                org_repo.delete_target(s, unit.id, m)
                eff = repo.effective_target(s, unit, m)
            self._audit(caller, "target.clear", unit, before, None)
            return Outcome("ok", [Msg("org.target_cleared", {"unit": unit_label(unit), "metric": _metric_name(m),
                                                             "value": eff})])

        return self._run(run)

    def set_baseline(self, caller: Caller, ref: str, metric: str | None, value: int,
                     as_of: date | None = None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "baseline.set")
                self._need(caller, Role.ADMIN, unit, "baseline.set")
                m = self._metric(s, metric)
                if value < 0 or value > MAX_VALUE:
                    _fail("org.bad_value", value=str(value))
                old = next((b for (uid, mm), b in org_repo.baselines_of(s, [unit.id]).items() if mm == m), None)
                # no date given: an existing baseline keeps its day (a new one is as of today)
                day = as_of or (old.as_of if old is not None else self.svc.today())
                if day > self.svc.today():
                    _fail("org.future_day", day=day)
                before = {"value": old.value, "as_of": _iso(old.as_of)} if old else None
                if old is not None and old.value == value and old.as_of == day:
                    return Outcome("info", [Msg("org.no_change")])
                old_day = old.as_of if old is not None else None
                repo.set_baseline(s, unit, m, day, value)
            self._audit(caller, "baseline.set", unit, before, {"metric": m, "value": value, "as_of": _iso(day)})
            msgs = [Msg("org.baseline_set", {"unit": unit_label(unit), "metric": _metric_name(m),
                                             "value": value, "day": day, "old": before["value"] if before else None})]
            if old_day is not None and old_day != day:
                msgs.append(Msg("fig.baseline_day_moved", {"old": old_day, "new": day}))
            elif old_day is not None and as_of is None:
                msgs.append(Msg("fig.baseline_day_kept", {"day": day}))
            return Outcome("ok", msgs)

        return self._run(run)

    def show_values(self, caller: Caller, ref: str | None, cmd: str) -> Outcome:
        """Targets (or baselines) of a unit and its children."""
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, cmd) if ref else self._own_unit(s, caller)
                if unit is None:
                    raise Fail("usage", usage(cmd))
                self._need(caller, Role.ADMIN, unit, cmd)
                known = self._metrics(s)
                units = org_repo.scope_units(s, unit.path)
                kids = [u for u in units if u.parent_id == unit.id]
                lines: list[Msg] = []
                if cmd == "chitieu":
                    own = org_repo.targets_of(s, [u.id for u in units])
                    eff = _effective(units, own, known)
                    lines.append(Msg("org.targets_head", {"unit": unit_label(unit)}))
                    for u in [unit, *kids]:
                        parts = []
                        for m in known:
                            v = eff.get((u.id, m))
                            if v is None:
                                continue
                            tg = own.get((u.id, m))
                            parts.append(Msg("org.value_own" if tg else "org.value_sum",
                                             {"metric": _metric_name(m), "value": v,
                                              "deadline": tg.deadline if tg and tg.deadline else None}))
                        lines.append(Msg("org.values_line", {
                            "unit": u.name if u is unit else f"  {u.name}",
                            "values": Html("; ".join(p.render(caller.language) for p in parts))
                            if parts else Msg("org.none")}))
                else:
                    bases = org_repo.baselines_of(s, [u.id for u in [unit, *kids]])
                    lines.append(Msg("org.baselines_head", {"unit": unit_label(unit)}))
                    for u in [unit, *kids]:
                        parts = [Msg("org.baseline_value", {"metric": _metric_name(m), "value": b.value, "day": b.as_of})
                                 for (uid, m), b in sorted(bases.items(), key=lambda kv: kv[0][1]) if uid == u.id]
                        lines.append(Msg("org.values_line", {
                            "unit": u.name if u is unit else f"  {u.name}",
                            "values": Html("; ".join(p.render(caller.language) for p in parts))
                            if parts else Msg("org.none")}))
                lines.append(usage(cmd))
                return Outcome("info", lines)

        return self._run(run)

    # =============================================================================================
    # roster: /dangky, /madangky, /thanhvien
    # =============================================================================================

    def cmd_join(self, caller: Caller, args: str, username: str | None = None, chat: str | None = None) -> Outcome:
        tokens = split_args(args)
        if not tokens or len(tokens) > 2:
            return Outcome("usage", [usage("dangky")])
        confirm = len(tokens) == 2 and squash(tokens[1]) in _W_CONFIRM
        if len(tokens) == 2 and not confirm:
            return Outcome("usage", [usage("dangky")])
        return self.join(caller, tokens[0], confirm=confirm, username=username, chat=chat)

    def join(self, caller: Caller, code: str, *, confirm: bool = False, username: str | None = None,
             chat: str | None = None) -> Outcome:
        throttle: FailureThrottle = self.svc.extras.setdefault("join_throttle", FailureThrottle())
        user_key = f"{caller.channel}:{caller.external_id}"
        chat_key = f"{caller.channel}:{chat}" if chat else None

        def run() -> Outcome:
            now = self.svc.now().timestamp()
            if throttle.blocked(user_key, chat_key, now):  # guessing codes: no database work, no audit line
                return Outcome("refused", [Msg("org.join_throttled", {"minutes": int(throttle.window_s // 60)})])
            with self.svc.db.session() as s:
                unit = org_repo.units_by_join_code(s, code) if re.fullmatch(r"[A-Za-z0-9]{4,16}", code) else None
                if unit is None or not unit.active:
                    if throttle.failed(user_key, chat_key, now):
                        self._refuse(caller, "member.join", "org.bad_join_code", code=code)
                    raise Fail("refused", Msg("org.bad_join_code", {"code": code}))
                member = repo.member_by_external(s, caller.channel, caller.external_id)
                if member is not None and member.active and member.unit_id == unit.id:
                    if username and member.username != username:
                        member.username = username
                    return Outcome("info", [Msg("org.already_member", {"unit": unit.name,
                                                                       "role": Role.parse(member.role)})])
                if member is not None and member.active and not confirm:
                    old = repo.unit_by_id(s, member.unit_id)
                    return Outcome("confirm", [Msg("org.join_confirm", {
                        "old": old.name if old else "–", "role": Role.parse(member.role), "new": unit.name,
                        "code": code.upper()})])
                before = None
                if member is not None:
                    old_unit = repo.unit_by_id(s, member.unit_id)
                    before = {"unit": old_unit.code if old_unit else None, "role": member.role,
                              "active": member.active}
                    member.unit_id, member.role, member.active = unit.id, "member", True
                    if username:
                        member.username = username
                else:
                    member = repo.add_member(s, caller.channel, caller.external_id,
                                             (names.sanitize(caller.name) or caller.external_id)[:MAX_NAME], unit, "member",
                                             username=username)
                s.flush()
                member_id = member.id
            self._audit(Caller(caller.channel, caller.external_id, caller.name, member_id=member_id,
                               global_admin=caller.global_admin),
                        "member.join", unit, before, {"unit": unit.code, "role": "member"})
            key = "org.moved_member" if before else "org.joined"
            return Outcome("ok", [Msg(key, {"unit": unit.name, "name": caller.name})], {"member_id": member_id})

        return self._run(run)

    def cmd_join_code(self, caller: Caller, args: str) -> Outcome:
        tokens = split_args(args)
        rotate = bool(tokens) and squash(tokens[0]) in _W_ROTATE  # '/madangky doi [ĐƠN_VỊ]'
        if rotate:
            tokens = tokens[1:]
        elif len(tokens) > 1 and squash(tokens[-1]) in _W_ROTATE:  # '/madangky ĐƠN_VỊ doi'
            rotate, tokens = True, tokens[:-1]
        return self.join_code(caller, " ".join(tokens) or None, rotate=rotate)

    def join_code_in_chat(self, caller: Caller, chat: ChatRef, args: str) -> Outcome:
        """`/madangky` where it was typed. In a group only the group's own unit's code is posted; the full
        answer (other units, the codes of the units below) is in ``data["private"]`` for the leader's private
        chat (everyone in the group could otherwise join any village)."""
        out = self.cmd_join_code(caller, args)
        if not chat.is_group or not out.ok:
            return out
        with self.svc.db.session() as s:
            row = repo.chat_by_external(s, chat.channel, chat.external_id)
            bound = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
        code = out.data.get("join_code")
        public: list[Msg] = []
        if bound is not None and out.data.get("unit_id") == bound.id:
            public.append(out.msgs[0])  # the group's own code (rotated or not), without the list below it
        more = len(out.msgs) > len(public)
        if more:
            public.append(Msg("org.join_code_private"))
        return Outcome(out.status, public, {"join_code": code, "private": out if more else None})

    def join_code(self, caller: Caller, ref: str | None = None, *, rotate: bool = False) -> Outcome:
        action = "unit.join_code"

        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "madangky")
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, action) if ref else self._own_unit(s, caller)
                if unit is None:
                    raise Fail("usage", usage("madangky"))
                self._need(caller, Role.LEADER, unit, action)
                old = unit.join_code
                new = org_repo.rotate_join_code(s, unit) if rotate or not old else old
                kids = repo.children(s, unit)
                kid_lines = [Msg("org.join_code_child", {"unit": k.name, "code": Html(f"<code>{k.join_code}</code>")})
                             for k in kids[:60]]
            if new != old:
                self._audit(caller, action, unit, {"join_code": old}, {"join_code": new})
            key = "org.join_code_rotated" if rotate else "org.join_code"
            msgs = [Msg(key, {"unit": unit_label(unit), "code": Html(f"<code>{new}</code>"), "raw": new,
                              "ref": unit.code})]
            if kid_lines and not rotate:
                msgs.append(Msg("org.join_code_children"))
                msgs += kid_lines
            return Outcome("ok", msgs, {"join_code": new, "unit_id": unit.id})

        return self._run(run)

    def cmd_member(self, caller: Caller, args: str, reply_user: UserRef | None = None) -> Outcome:
        return self._run(lambda: self._cmd_member(caller, args, reply_user))

    def _cmd_member(self, caller: Caller, args: str, reply_user: UserRef | None) -> Outcome:
        self._need_role(caller, Role.ADMIN, "thanhvien")
        tokens = split_args(args)
        sub = squash(tokens[0]) if tokens else ""
        rest = tokens[1:]
        if sub in _W_ROLE:
            role = None
            for n in (2, 1):
                if len(rest) >= n and (role := parse_role(" ".join(rest[-n:]))) is not None:
                    rest = rest[:-n]
                    break
            if role is None or (not rest and reply_user is None):
                raise Fail("usage", usage("thanhvien"))
            return self.set_role(caller, " ".join(rest), role, reply_user=reply_user)
        if sub in _W_REMOVE:
            if not rest and reply_user is None:
                raise Fail("usage", usage("thanhvien"))
            return self.remove_member(caller, " ".join(rest), reply_user=reply_user)
        if sub in _W_MOVE:
            if not rest:
                raise Fail("usage", usage("thanhvien"))
            if "|" in " ".join(rest):
                who, _, where = " ".join(rest).partition("|")
                return self.move_member(caller, who.strip(), where.strip(), reply_user=reply_user)
            if reply_user is not None:
                return self.move_member(caller, "", " ".join(rest), reply_user=reply_user)
            return self.move_member(caller, rest[0], " ".join(rest[1:]))
        if sub in _W_LIST:
            return self.list_members(caller, " ".join(rest) or None)
        with self.svc.db.session() as s:
            cands = self._candidates(s, caller, args, active_only=True)
        if len(cands) == 1:
            return self.list_members(caller, args)
        raise Fail("usage", usage("thanhvien"))

    def _resolve_member(self, s: Session, caller: Caller, ref: str, reply_user: UserRef | None,
                        action: str) -> tuple[Member, Unit]:
        ref = ref.strip()
        found: list[Member] = []
        if not ref and reply_user is not None:
            m = repo.member_by_external(s, caller.channel, reply_user.external_id)
            found = [m] if m is not None else []
        elif re.fullmatch(r"\d{3,20}", ref):
            m = repo.member_by_external(s, caller.channel, ref)
            found = [m] if m is not None else []
        elif ref.startswith("@") and len(ref) > 1:
            found = org_repo.member_by_username(s, caller.channel, ref[1:])
        elif ref:
            rows = org_repo.members_in(s, self._scope_path(caller))
            n = normalize(ref)
            found = [m for m, _u in rows if normalize(m.display_name) == n]
            if not found:
                by_name: dict[str, list[Member]] = defaultdict(list)
                for m, _u in rows:
                    by_name[m.display_name].append(m)
                names = [name for name in by_name if n in normalize(name)]
                found = [m for name in names for m in by_name[name]]
        if not found:
            _fail("org.unknown_member", ref=ref or (reply_user.name if reply_user else ""))
        if len(found) > 1:
            _fail("org.ambiguous_member", ref=ref,
                  members="; ".join(f"{m.display_name} ({m.external_id})" for m in found[:10]))
        got = org_repo.member_with_unit(s, found[0].id)
        assert got is not None
        member, unit = got
        if not caller.within(unit):
            # generic: never name (or place) a member of another commune to the caller
            self._refuse(caller, action, "org.member_scope", unit)
        return member, unit

    def _guard_member(self, caller: Caller, member: Member, unit: Unit, action: str) -> None:
        """Nobody acts on themselves, or on someone of equal or higher role at their own level."""
        if caller.global_admin:
            return
        if member.id == caller.member_id:
            self._refuse(caller, action, "org.self", unit)
        if unit.id == caller.unit_id and Role.parse(member.role) >= caller.role and not self._promoted_by(
                caller, member, unit):
            self._refuse(caller, action, "org.peer", unit, name=member.display_name)

    def _promoted_by(self, caller: Caller, member: Member, unit: Unit) -> bool:
        """The caller gave that member their current role (so may take it back)."""
        with self.svc.db.session() as s:
            last = audit_repo.last_role_change(s, unit.id, member.external_id)
        return (last is not None and caller.member_id is not None and last.actor_id == caller.member_id
                and (last.after or {}).get("role") == member.role)

    def set_role(self, caller: Caller, ref: str, role: Role, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.role")
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.role")
                self._guard_member(caller, member, unit, "member.role")
                if role > caller.role and not caller.global_admin:
                    self._refuse(caller, "member.role", "org.role_above", unit, role=role)
                if role == Role.NONE:
                    raise Fail("usage", usage("thanhvien"))
                old = member.role
                if old == ROLE_CODE[role] and member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.role = ROLE_CODE[role]
                member.active = True
                name = member.display_name
            self._audit(caller, "member.role", unit, {"member": member.external_id, "role": old},
                        {"member": member.external_id, "role": ROLE_CODE[role]})
            return Outcome("ok", [Msg("org.role_set", {"name": name, "unit": unit.name, "role": role,
                                                       "old": Role.parse(old)})])

        return self._run(run)

    def remove_member(self, caller: Caller, ref: str, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.remove")
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.remove")
                self._guard_member(caller, member, unit, "member.remove")
                if not member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.active = False
                name = member.display_name
            self._audit(caller, "member.remove", unit, {"member": member.external_id, "active": True},
                        {"member": member.external_id, "active": False})
            return Outcome("ok", [Msg("org.member_removed", {"name": name, "unit": unit.name})])

        return self._run(run)

    def move_member(self, caller: Caller, ref: str, unit_ref: str, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.move")
            if not unit_ref:
                raise Fail("usage", usage("thanhvien"))
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.move")
                self._guard_member(caller, member, unit, "member.move")
                target = self.resolve_unit(s, caller, unit_ref, "member.move")
                self._need(caller, Role.ADMIN, target, "member.move")
                if target.id == member.unit_id and member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.unit_id = target.id
                member.active = True
                name = member.display_name
            self._audit(caller, "member.move", target, {"member": member.external_id, "unit": unit.code},
                        {"member": member.external_id, "unit": target.code})
            return Outcome("ok", [Msg("org.member_moved", {"name": name, "old": unit.name, "unit": target.name})])

        return self._run(run)

    def list_members(self, caller: Caller, ref: str | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "thanhvien")
            with self.svc.db.session() as s:
                if ref:
                    unit = self.resolve_unit(s, caller, ref, "thanhvien")
                    self._need(caller, Role.ADMIN, unit, "thanhvien")
                    path: str | None = unit.path
                    title = unit_label(unit)
                else:
                    path = self._scope_path(caller)
                    own = self._own_unit(s, caller)
                    title = unit_label(own) if own is not None and path is not None else "–"
                rows = org_repo.members_in(s, path)
            # by level, then unit and name in Vietnamese order (admins, leaders, members within a unit)
            rank = {"admin": 0, "leader": 1, "member": 2}
            rows.sort(key=lambda mu: (mu[1].depth, vn_key(mu[1].name), mu[1].id, rank.get(mu[0].role, 3),
                                      vn_key(mu[0].display_name)))
            lines = [Msg("org.members_head", {"unit": title, "count": len(rows)})]
            last_unit = None
            for shown, (m, u) in enumerate(rows):
                if shown >= LIST_LIMIT:
                    lines.append(Msg("org.more", {"count": len(rows) - shown}))
                    break
                if u.id != last_unit:
                    lines.append(Msg("org.members_unit", {"unit": unit_label(u)}))
                    last_unit = u.id
                lines.append(Msg("org.members_line", {"name": m.display_name, "role": Role.parse(m.role),
                                                      "id": Html(f"<code>{fmt.esc(m.external_id)}</code>")}))
            if not rows:
                lines.append(Msg("org.none"))
            return Outcome("info", lines, {"count": len(rows)})

        return self._run(run)

    # =============================================================================================
    # /lienket, bot removed, migration
    # =============================================================================================

    def cmd_bind(self, caller: Caller, chat: ChatRef, args: str) -> Outcome:
        tokens = split_args(args)
        if tokens and len(tokens) == 1 and squash(tokens[0]) in _W_UNBIND:
            return self.unbind(caller, chat)
        if not tokens:
            return self.binding_status(caller, chat)
        return self.bind(caller, chat, args)

    def binding_status(self, caller: Caller, chat: ChatRef) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "lienket")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
            key = "org.bound_status" if unit else "org.unbound_status"
            return Outcome("info", [Msg(key, {"unit": unit_label(unit) if unit else ""}), usage("lienket")])

        return self._run(run)

    def bind(self, caller: Caller, chat: ChatRef, ref: str) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "chat.bind")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "chat.bind")
                self._need(caller, Role.LEADER, unit, "chat.bind")
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                old = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
                if old is not None and old.id != unit.id and not caller.can(Role.LEADER, old):
                    self._refuse(caller, "chat.bind", "org.chat_bound_elsewhere", old, unit=unit_label(old))
                if row is not None and old is not None and old.id == unit.id and row.active:
                    return Outcome("info", [Msg("org.already_bound", {"unit": unit_label(unit)})])
                row = repo.get_or_create_chat(s, chat.channel, chat.external_id, chat.title)
                repo.bind_chat(s, row, unit)
                row.active, row.disabled_reason = True, None
                others = len(org_repo.chats_of_unit(s, unit.id)) - 1
            self._audit(caller, "chat.bind", unit, {"chat": chat.external_id, "unit": old.code if old else None},
                        {"chat": chat.external_id, "unit": unit.code})
            msgs = [Msg("org.bound", {"unit": unit_label(unit)})]
            if others > 0:
                msgs.append(Msg("org.bound_others", {"count": others}))
            return Outcome("ok", msgs)

        return self._run(run)

    def unbind(self, caller: Caller, chat: ChatRef) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "chat.unbind")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
                if row is None or unit is None:
                    return Outcome("info", [Msg("org.unbound_status")])
                self._need(caller, Role.LEADER, unit, "chat.unbind")
                repo.bind_chat(s, row, None)
            self._audit(caller, "chat.unbind", unit, {"chat": chat.external_id, "unit": unit.code},
                        {"chat": chat.external_id, "unit": None})
            return Outcome("ok", [Msg("org.unbound", {"unit": unit_label(unit)})])

        return self._run(run)

    def bot_status_changed(self, chat: ChatRef, old_status: str, new_status: str, actor: Caller) -> Outcome:
        """my_chat_member: the bot was removed (chat disabled) or added back (chat enabled again)."""
        gone = new_status in ("left", "kicked", "banned")
        back = new_status in ("member", "administrator", "creator", "restricted") and old_status in (
            "left", "kicked", "banned")
        if not gone and not back:
            return Outcome("info", data={"changed": False})
        when = self.svc.now().strftime("%d/%m/%Y %H:%M")
        reason = f"bot {new_status} by {actor.external_id} at {when}"
        with self.svc.db.session() as s:
            row = repo.chat_by_external(s, chat.channel, chat.external_id)
            if row is None or row.active != gone:
                bound = bool(row and row.unit_id)
                return Outcome("info", data={"changed": False, "known": row is not None, "bound": bound})
            org_repo.set_chat_active(s, chat.channel, chat.external_id, not gone, reason if gone else None)
            unit = repo.unit_by_id(s, row.unit_id) if row.unit_id else None
            bound = unit is not None
        action = "chat.disabled" if gone else "chat.enabled"
        self._audit(actor, action, unit, {"chat": chat.external_id, "active": gone},
                    {"chat": chat.external_id, "active": not gone, "reason": reason if gone else None})
        return Outcome("ok", data={"changed": True, "known": True, "bound": bound})

    def migrate_chat(self, old_id: str, new_id: str, title: str | None, actor: Caller,
                     channel: str = "telegram") -> Outcome:
        """A group became a supergroup: the binding (and settings) follow to the new chat id."""
        with self.svc.db.session() as s:
            what, row = org_repo.migrate_chat(s, channel, old_id, new_id, title)
            unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
        if what in ("moved", "merged"):
            self._audit(actor, "chat.migrate", unit, {"chat": old_id}, {"chat": new_id, "how": what})
        return Outcome("ok" if what in ("moved", "merged") else "info", data={"result": what})

    # =============================================================================================
    # /nhatky
    # =============================================================================================

    def cmd_audit(self, caller: Caller, args: str) -> Outcome:
        tokens = split_args(args)
        limit = 20
        with self.svc.db.session() as s:  # 'Thôn 3' is a unit, not 'Thôn' and 3 lines
            whole = len(self._candidates(s, caller, args, active_only=False)) == 1 if tokens else False
        if tokens and tokens[-1].isdigit() and not whole:
            limit = max(1, min(100, int(tokens[-1])))
            tokens = tokens[:-1]
        return self.audit_log(caller, " ".join(tokens) or None, limit)

    def audit_log(self, caller: Caller, ref: str | None = None, limit: int = 20) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "nhatky")
            with self.svc.db.session() as s:
                if ref:
                    unit = self.resolve_unit(s, caller, ref, "nhatky", active_only=False)
                    self._need(caller, Role.ADMIN, unit, "nhatky")
                    path: str | None = unit.path
                    title = unit_label(unit)
                else:
                    path = self._scope_path(caller)
                    own = self._own_unit(s, caller)
                    title = unit_label(own) if own is not None and path is not None else "–"
                rows = org_repo.audit_entries(s, path, limit)
                ids = sorted({str(p["member"]) for a, _n, _u in rows for p in (a.before, a.after)
                              if isinstance(p, dict) and p.get("member")})
                names = {ext: m.display_name for channel in ("telegram", "zalo")
                         for ext, m in org_repo.members_by_external(s, channel, ids).items()}
            tz = self.svc.settings.tz
            today = self.svc.today()
            lines = [Msg("org.audit_head", {"unit": title, "count": len(rows)})]
            for a, actor_name, about in rows:
                at = a.at.astimezone(tz)
                lines.append(Msg("audit.entry", {
                    "when": Html(f"{fmt.day(at.date(), ref=today)} {at:%H:%M}"),
                    "who": actor_name or a.actor_external_id or "?",
                    "what": LangHtml(partial(sentence, a.action, a.before, a.after,
                                             unit=about.name if about is not None else "",
                                             refused=a.outcome == "refused", today=today, names=names)),
                }))
            if not rows:
                lines.append(Msg("org.none"))
            return Outcome("info", lines, {"count": len(rows)})

        return self._run(run)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _metric_name(code: str) -> Msg:
    from bot.metrics import MetricMsg

    return MetricMsg(code)


def _action_name(action: str) -> Msg:
    from bot.texts import CATALOG

    key = f"org.act.{action}"
    return Msg(key) if key in CATALOG["vi"] else Msg("org.act.other", {"action": action})


def _short(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={_short(x)}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(_short(x) for x in v[:5]) + ("…" if len(v) > 5 else "")
    return "–" if v is None else str(v)


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """'value: 500 → 530' for the keys that changed."""
    before, after = before or {}, after or {}
    parts = []
    for k in list(dict.fromkeys([*before, *after])):
        b, a = before.get(k), after.get(k)
        if k in before and k in after and b == a:
            if k in ("member", "chat", "metric"):
                parts.append(f"{k}={_short(a)}")
            continue
        if k not in before:
            parts.append(f"{k}={_short(a)}")
        elif k not in after:
            parts.append(f"{k}: {_short(b)} → –")
        else:
            parts.append(f"{k}: {_short(b)} → {_short(a)}")
    text = "; ".join(parts)
    return text[:300] + ("…" if len(text) > 300 else "")


def _effective(units: Sequence[Unit], own: dict[tuple[int, str], Any], metrics: Iterable[str]) -> dict[tuple[int, str], int]:
    """Own target, else the sum of the children's effective targets (active units only)."""
    kids: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None:
            kids[u.parent_id].append(u)
    out: dict[tuple[int, str], int] = {}
    for u in sorted(units, key=lambda x: -x.depth):  # children before parents
        for m in metrics:
            tg = own.get((u.id, m))
            if tg is not None:
                out[(u.id, m)] = tg.value
                continue
            vals = [out[(k.id, m)] for k in kids.get(u.id, []) if (k.id, m) in out]
            if vals:
                out[(u.id, m)] = sum(vals)
    return out


def _tree_lines(root: Unit, units: Sequence[Unit], counts: dict[int, int]) -> tuple[list[Msg], int]:
    kids: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None and u.id != root.id:
            kids[u.parent_id].append(u)
    for lst in kids.values():
        lst.sort(key=lambda x: (vn_key(x.name), x.code))
    # show as many levels as fit in LIST_LIMIT lines
    by_depth: dict[int, int] = defaultdict(int)
    for u in units:
        by_depth[u.depth - root.depth] += 1
    max_level, running = 0, 1
    for level in sorted(d for d in by_depth if d > 0):
        running += by_depth[level]
        if running > LIST_LIMIT:
            break
        max_level = level

    def below(u: Unit) -> int:
        return sum(1 + below(k) for k in kids.get(u.id, []))

    lines: list[Msg] = []

    def walk(u: Unit, level: int) -> None:
        hidden = below(u) if level == max_level else 0
        lines.append(Msg("org.tree_line", {
            "indent": Html("    " * level + ("└ " if level else "")),
            "name": u.name, "code": u.code,
            "members": counts.get(u.id, 0),
            "extra": Msg("org.tree_hidden", {"count": hidden}) if hidden else Html(""),
            "off": Msg("org.tree_off") if not u.active else Html(""),
        }))
        if level < max_level:
            for k in kids.get(u.id, []):
                walk(k, level + 1)

    walk(root, 0)
    return lines, len(units)
