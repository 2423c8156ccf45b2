"""What an import file may hold: its kinds, columns (English and Vietnamese names) and sheet names."""

from __future__ import annotations

from pathlib import Path

from bot.core.org import (
    Msg,
    squash,
)

KINDS = ("units", "targets", "baselines", "members", "chats", "official")
MAX_FILE_BYTES = 10 * 1024 * 1024  # the default of IMPORT_MAX_FILE_MB (a download larger than this is refused)
CHAT_LIMIT = 30  # error lines shown in chat

_UNIT_CODE = ("unitcode", "madonvi", "ma", "madv", "unit", "donvi", "mathon", "maxa")
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "units": {
        "code": ("code", "ma", "madonvi", "unitcode", "madv"),
        "name": ("name", "ten", "tendonvi", "unitname", "tendv"),
        "kind": ("kind", "cap", "loai", "capdonvi", "loaidonvi", "level"),
        "parent_code": ("parentcode", "parent", "macaptren", "captren", "madonvicaptren", "mactren", "thuoc",
                        "madonvicha", "tren"),
    },
    "targets": {
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "target": ("target", "chitieu", "chitieuduocgiao", "value", "soluong"),
        "deadline": ("deadline", "han", "hanhoanthanh", "thoihan", "ngayhethan", "hancuoi"),
    },
    "baselines": {
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "as_of": ("asof", "ngay", "tinhden", "tinhdenngay", "ngaychot", "date"),
        "value": ("value", "soluong", "so", "dadat", "giatri", "luyke", "moc", "baseline"),
    },
    "members": {
        "unit_code": _UNIT_CODE,
        "telegram_id": ("telegramid", "idtelegram", "telegram", "telegramuserid", "tgid", "userid", "id"),
        "name": ("name", "hoten", "hovaten", "ten", "fullname"),
        "role": ("role", "vaitro", "quyen"),
    },
    "chats": {
        "unit_code": _UNIT_CODE,
        "telegram_chat_id": ("telegramchatid", "chatid", "idnhom", "telegramgroupid", "groupid", "idchat",
                             "manhom", "nhom", "telegramchat"),
        "reminder_time": ("remindertime", "gionhac", "nhac", "reminder"),
        "summary_time": ("summarytime", "giotonghop", "tonghop", "summary"),
    },
    "official": {  # official figures (C06) to reconcile with the teams' (bot/core/official.py)
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "day": ("day", "ngay", "date", "tinhden", "tinhdenngay", "asof"),
        "official": ("official", "sochinhthuc", "chinhthuc", "c06", "value", "soluong", "so"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "units": ("code", "name"),
    "targets": ("unit_code", "target"),
    "baselines": ("unit_code", "as_of", "value"),
    "members": ("unit_code", "telegram_id", "name"),
    "chats": ("unit_code", "telegram_chat_id"),
    "official": ("unit_code", "day", "official"),
}
# documented column names (English / Vietnamese, catalog keys imp.col.*), shown when a column is missing
COLUMN_FIELDS = ("code", "name", "kind", "parent_code", "unit_code", "metric", "target", "deadline", "as_of", "value", "telegram_id", "role", "telegram_chat_id", "reminder_time", "summary_time", "day", "official")
COLUMN_NAMES: dict[str, Msg] = {f: Msg(f"imp.col.{f}") for f in COLUMN_FIELDS}
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "units": ("units", "unit", "donvi", "dv", "cacdonvi", "danhsachdonvi"),
    "targets": ("targets", "target", "chitieu", "ct"),
    "baselines": ("baselines", "baseline", "moc", "mocbandau", "solieubandau", "solieudau"),
    "members": ("members", "member", "thanhvien", "tv", "danhsachthanhvien", "nhansu", "roster"),
    "chats": ("chats", "chat", "nhom", "nhomchat", "groups", "group", "lienket"),
    "official": ("official", "chinhthuc", "sochinhthuc", "c06", "doichieu"),
}
KIND_ALIASES: dict[str, str] = {alias: kind for kind, names in SHEET_NAMES.items() for alias in names}


def kind_from_name(name: str) -> str | None:
    """'don_vi.csv' -> 'units', 'Thành viên' -> 'members', 'units_2025.csv' -> 'units'."""
    stem = squash(Path(name).stem if "." in name else name)
    if stem in KIND_ALIASES:
        return KIND_ALIASES[stem]
    for alias in sorted(KIND_ALIASES, key=len, reverse=True):
        if len(alias) >= 4 and stem.startswith(alias):
            return KIND_ALIASES[alias]
    return None
