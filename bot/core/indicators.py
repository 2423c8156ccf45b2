"""/chiso (/indicator): admins add, rename and retire indicators (chỉ số) beyond VNeID mức 1/mức 2 —
Bình dân học vụ số, tài khoản an sinh xã hội, chữ ký số công cộng, hồ sơ dịch vụ công trực tuyến… — with
Vietnamese and English names and the words members type for them (the parser learns them from here).

    /chiso                                   list
    /chiso them CODE | Tên | Name | từ 1, từ 2   add
    /chiso doiten CODE | Tên mới | New name  rename
    /chiso tu CODE | từ 1, từ 2              the words members type
    /chiso ngung CODE  /  /chiso bat CODE    retire / bring back

Indicators are shared by the whole system: global admins and admins of a top-level unit manage them.
"""

from __future__ import annotations

import re

from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.metrics import MetricInfo, load, split_words
from bot.core.org import Fail, Msg, OrgService, Outcome, usage
from bot.core.parsing import normalize
from bot.core.services import Services
from storage import metric_repo, repo

CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,15}")
MAX_NAME = 100
MAX_WORDS = 10
_ACTIONS = {"them": "add", "add": "add", "doiten": "rename", "rename": "rename", "tu": "words", "words": "words",
            "tukhoa": "words", "ngung": "retire", "retire": "retire", "bat": "activate", "activate": "activate"}


class IndicatorService:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.org = OrgService(svc)

    def cmd(self, caller: Caller, args: str) -> Outcome:
        out = self.org._run(lambda: self._cmd(caller, args))
        load(self.svc.db)  # the new names, for replies rendered without the database
        return out

    def _may_manage(self, caller: Caller) -> None:
        self.org._need_role(caller, Role.ADMIN, "chiso")
        if caller.global_admin:
            return
        with self.svc.db.session() as s:
            own = repo.unit_by_id(s, caller.unit_id) if caller.unit_id is not None else None
            top = own is not None and own.parent_id is None
        if not top:
            self.org._refuse(caller, "chiso", "fig.ind_top_only")

    def _cmd(self, caller: Caller, args: str) -> Outcome:
        self._may_manage(caller)
        words = args.split(maxsplit=1)
        if not words:
            return self._list()
        action = _ACTIONS.get(normalize(words[0]).replace(" ", ""))
        if action is None:
            raise Fail("usage", usage("chiso"))
        parts = [p.strip() for p in (words[1] if len(words) > 1 else "").split("|")]
        head = parts[0].split()
        if not head:
            raise Fail("usage", usage("chiso"))
        code = head[0].lower()
        if action == "words" and len(head) > 1:  # "/chiso tu bdhvs bình dân, bdhv" without a bar
            parts = [code, " ".join(head[1:]), *parts[1:]]
        elif len(head) > 1:  # a code is one word
            raise Fail("error", Msg("fig.ind_bad_code", {"code": parts[0][:40]}))
        known = load(self.svc.db)
        if action == "add":
            return self._add(caller, code, parts[1:], known)
        if code not in known:
            raise Fail("error", Msg("fig.ind_unknown", {"code": code, "known": ", ".join(known)}))
        if action == "rename":
            return self._rename(caller, code, parts[1:])
        if action == "words":
            return self._words(caller, code, parts[1] if len(parts) > 1 else "", known)
        return self._set_active(caller, code, action == "activate")

    def _list(self) -> Outcome:
        lines = [Msg("fig.ind_head")]
        for m in load(self.svc.db).values():
            lines.append(Msg("fig.ind_line" if m.active else "fig.ind_line_retired",
                             {"code": m.code, "vi": m.name_vi, "en": m.name_en, "words": ", ".join(m.words) or "–"}))
        lines.append(usage("chiso"))
        return Outcome("info", lines)

    @staticmethod
    def _names(rest: list[str]) -> tuple[str, str]:
        vi = " ".join(rest[0].split()) if rest else ""
        en = " ".join(rest[1].split()) if len(rest) > 1 else ""
        if not vi or len(vi) > MAX_NAME or len(en) > MAX_NAME:
            raise Fail("error", Msg("fig.ind_bad_name", {"max": MAX_NAME}), usage("chiso"))
        return vi, en or vi

    def _check_words(self, code: str, text: str, known: dict[str, MetricInfo]) -> str:
        words = split_words(text)
        if len(words) > MAX_WORDS or any(len(w) < 2 or len(w) > 40 or w.isdigit() for w in words):
            raise Fail("error", Msg("fig.ind_bad_words", {"max": MAX_WORDS}))
        taken = {normalize(w): c for c, m in known.items() if c != code for w in (*m.words, m.code)}
        for w in words:
            if normalize(w) in taken:
                raise Fail("error", Msg("fig.ind_word_taken", {"word": w, "code": taken[normalize(w)]}))
        return "|".join(words)

    def _add(self, caller: Caller, code: str, rest: list[str], known: dict[str, MetricInfo]) -> Outcome:
        if not CODE_RE.fullmatch(code):
            raise Fail("error", Msg("fig.ind_bad_code", {"code": code}))
        if code in known:
            raise Fail("error", Msg("fig.ind_exists", {"code": code}))
        vi, en = self._names(rest)
        words = self._check_words(code, rest[2] if len(rest) > 2 else "", known)
        with self.svc.db.session() as s:
            metric_repo.add(s, code, vi, en, words)
        self.org._audit(caller, "indicator.add", None, None, {"code": code, "vi": vi, "en": en, "words": words})
        return Outcome("ok", [Msg("fig.ind_added", {"code": code, "vi": vi, "en": en,
                                                    "words": ", ".join(split_words(words)) or "–"})])

    def _rename(self, caller: Caller, code: str, rest: list[str]) -> Outcome:
        vi, en = self._names(rest)
        with self.svc.db.session() as s:
            m = metric_repo.by_code(s, code)
            assert m is not None
            before = {"vi": m.name_vi, "en": m.name_en}
            m.name_vi, m.name_en = vi, en
        self.org._audit(caller, "indicator.rename", None, before, {"code": code, "vi": vi, "en": en})
        return Outcome("ok", [Msg("fig.ind_renamed", {"code": code, "old": before["vi"], "vi": vi, "en": en})])

    def _words(self, caller: Caller, code: str, text: str, known: dict[str, MetricInfo]) -> Outcome:
        words = self._check_words(code, text, known)
        with self.svc.db.session() as s:
            m = metric_repo.by_code(s, code)
            assert m is not None
            before = {"words": m.words}
            m.words = words
        self.org._audit(caller, "indicator.words", None, before, {"code": code, "words": words})
        return Outcome("ok", [Msg("fig.ind_words", {"code": code, "words": ", ".join(split_words(words)) or "–"})])

    def _set_active(self, caller: Caller, code: str, active: bool) -> Outcome:
        if not active and code == self.svc.settings.default_metric:
            raise Fail("error", Msg("fig.ind_default", {"code": code}))
        with self.svc.db.session() as s:
            m = metric_repo.by_code(s, code)
            assert m is not None
            if m.active == active:
                return Outcome("info", [Msg("org.no_change")])
            m.active = active
            name = m.name_vi
        self.org._audit(caller, "indicator.activate" if active else "indicator.retire", None, {"active": not active},
                        {"code": code, "active": active})
        return Outcome("ok", [Msg("fig.ind_activated" if active else "fig.ind_retired", {"code": code, "vi": name})])
