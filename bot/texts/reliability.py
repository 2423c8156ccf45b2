"""Texts of the durable intake: parked updates (dead letters)."""

from __future__ import annotations

VI: dict[str, str] = {
    "bg.working": "⏳ Đang xử lý… Bot sẽ trả lời khi xong; các tin nhắn khác vẫn được xử lý bình thường.",
    "bg.progress": "⏳ Đang xử lý… {pct}%",
    "bg.done": "✅ Đã xử lý xong.",
    "bg.failed": "⚠️ Chưa xử lý xong (xem tin trả lời bên dưới).",
    "rel.parked_admin": (
        "⚠️ Bot đã dừng xử lý một tin nhắn sau {attempts} lần thử không thành công (nhóm/người gửi {chat}). "
        "Tin đã được lưu riêng để kiểm tra, các tin khác vẫn được xử lý bình thường. Lỗi: {error}"
    ),
    "rel.process_died": "bot bị dừng đột ngột khi đang xử lý tin này",
    "rel.parked_user": (
        "⚠️ Bot không xử lý được tin nhắn này sau {attempts} lần thử và đã báo quản trị viên. "
        "Vui lòng không gửi lại; quản trị viên sẽ liên hệ với bạn."
    ),
}

EN: dict[str, str] = {
    "bg.working": "⏳ Working on it… The bot will answer when done; other messages are handled as usual.",
    "bg.progress": "⏳ Working on it… {pct}%",
    "bg.done": "✅ Done.",
    "bg.failed": "⚠️ Not finished (see the reply below).",
    "rel.parked_admin": (
        "⚠️ The bot stopped handling one message after {attempts} failed attempts (chat/sender {chat}). "
        "It was set aside for review; other messages are handled as usual. Error: {error}"
    ),
    "rel.process_died": "the bot stopped abruptly while handling it",
    "rel.parked_user": (
        "⚠️ The bot could not handle this message after {attempts} attempts and has told the administrators. "
        "Please do not send it again; an administrator will contact you."
    ),
}
