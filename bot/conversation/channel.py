"""What a channel offers, as the conversation core needs to know it (one profile per channel).

The core decides with these flags, never with the channel's name: buttons or typed words, edits, private
sends, whether a confirmation's message id is recorded (and so re-sent on a re-delivered update), the
commands the channel lists in its help and how that help reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.core.commands import COMMANDS

#: the Telegram command list, in the order its handlers register them (its help and menu follow it)
TELEGRAM_COMMANDS = (
    "start", "trogiup", "dangky", "madangky", "donvi", "chitieu", "moc", "thanhvien", "lienket", "nhap", "nhatky",
    "tiendo", "xephang", "chuabaocao", "bieudo", "xuat", "chinhthuc", "chiso", "tonghop", "lich", "kieuxacnhan",
    "lienketzalo", "baocao", "huy", "sua",
)
#: what Zalo understands: the command table but /sua (in its order, which its help follows) and its typed words
ZALO_COMMANDS = (*(spec.name for spec in COMMANDS if spec.name != "sua"),
                 "xacnhan", "huybo", "cong", "tong", "huylienketzalo", "tietkiem")


@dataclass(frozen=True)
class Help:
    """How /start and /trogiup read on a channel."""

    title: str  # catalog key of the help's first line
    report: str  # how to report (key)
    line: str  # one command line (key; name, alias, desc)
    tail: tuple[str, ...]  # keys after the command list
    hidden: frozenset[str] = frozenset({"start"})  # not listed
    start_menu: bool = False  # /start = greeting + the command list (else greeting + how to report)
    details: bool = True  # "/trogiup tiendo" explains one command
    privacy_note: bool = False  # in a group, say when the bot cannot read ordinary messages


@dataclass(frozen=True)
class Channel:
    name: str
    help: Help
    commands: tuple[str, ...]  # in the order the help lists them
    buttons: bool = False  # inline buttons (else the typed words the texts name)
    private_sends: bool = False  # can write to a user privately on its own
    records_replies: bool = False  # confirmations' message ids are recorded (a duplicate resends a lost one)
    typed_choices: bool = False  # "xacnhan"/"huybo"/"cong"/"tong" answer the latest question
    hint: str | None = None  # what a message addressed to the bot that is no report gets (key)
    files: bool = False  # users can send files (/nhap)
    issues_link_codes: bool = False  # /lienketzalo makes a code here; elsewhere "lienket CODE" redeems it
    full_schedule: bool = False  # /lich has every sub-command (else show, on and off)
    track_private: bool = False  # a leader's private chat is bound to their unit (scheduled messages)
    reactions: bool = False  # can react to a member's message (the "reaction" confirmation style)
    unsupported: str = "err.unknown_command"  # what a command the channel lacks gets (key)
    ungated: frozenset[str] = field(default_factory=frozenset)  # commands that check roles themselves

    def with_commands(self, commands: tuple[str, ...] | list[str]) -> Channel:
        return replace(self, commands=tuple(commands))


TELEGRAM = Channel(
    "telegram",
    Help("help.title", "help.report", "help.line", ("help.footer",), privacy_note=True),
    TELEGRAM_COMMANDS, buttons=True, private_sends=True, records_replies=True, files=True, issues_link_codes=True,
    full_schedule=True, reactions=True,
)
ZALO = Channel(
    "zalo",
    Help("zalo.help_title", "zalo.help_report", "zalo.help_line", ("zalo.help_link", "zalo.disclosure"),
         hidden=frozenset({"start", "nhap", "lienketzalo", "kieuxacnhan"}), start_menu=True, details=False),
    ZALO_COMMANDS, typed_choices=True, hint="zalo.hint", track_private=True, unsupported="zalo.not_yet",
    ungated=frozenset({"lienket", "lienketzalo"}),
)


def zalo(name: str = "zalo", *, track_private: bool = True) -> Channel:
    """The Zalo profile for the Bot Platform ("zalo") or the Official Account ("zalo_oa")."""
    return replace(ZALO, name=name, track_private=track_private)
