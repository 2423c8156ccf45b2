"""Guided first run: what an ADMIN_IDS admin still has to do to make the bot useful, one step at a time.

`/start` by such an admin shows the checklist (done ✅ / still to do ⬜) and the next step with a command to
copy; the replies of the setup commands end with the next step until everything is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.access import Caller
from bot.core.services import Services
from bot.texts import t
from storage.setup_repo import SetupState, setup_state, unit_name

STEPS = ("unit", "villages", "bind", "targets", "codes")


@dataclass(frozen=True)
class Setup:
    state: SetupState
    done: dict[str, bool]

    @property
    def complete(self) -> bool:
        return all(self.done.values())

    @property
    def next_step(self) -> str | None:
        return next((step for step in STEPS if not self.done[step]), None)

    def _args(self, lang: str) -> dict[str, str]:
        return {"code": self.state.top_code or "x-tanhoa", "name": self.state.top_name or t("setup.example_commune", lang)}

    def checklist(self, lang: str) -> str:
        lines = [t("setup.title", lang)]
        for i, step in enumerate(STEPS, start=1):
            mark = "✅" if self.done[step] else "⬜"
            lines.append(t("setup.line", lang, mark=mark, n=i, what=t(f"setup.step.{step}", lang, **self._args(lang))))
        nxt = self.next_step
        lines += ["", self.next_text(lang) if nxt else t("setup.all_done", lang)]
        return "\n".join(lines)

    def next_text(self, lang: str) -> str:
        nxt = self.next_step
        if nxt is None:
            return t("setup.all_done", lang)
        return t("setup.next", lang, how=t(f"setup.how.{nxt}", lang, **self._args(lang)))


def setup_of(svc: Services) -> Setup:
    with svc.db.session() as s:
        st = setup_state(s)
    return Setup(st, {
        "unit": st.top_units > 0,
        "villages": st.child_units > 0,
        "bind": st.bound_chats > 0,
        "targets": st.targets > 0,
        "codes": st.members > 0,
    })


def guides(caller: Caller) -> bool:
    """The guided setup talks to ADMIN_IDS admins (who may start from an empty database)."""
    return caller.global_admin


def example_unit(svc: Services, caller: Caller) -> str:
    """The unit name report examples use: the caller's own unit (a stranger: a typical village name)."""
    if caller.unit_id is None:
        return t("setup.example_village", caller.language)
    with svc.db.session() as s:
        return unit_name(s, caller.unit_id) or t("setup.example_village", caller.language)
