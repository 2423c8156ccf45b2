"""Strings of Zalo in production (issue 14): disclosure, quota, budget mode, the Official Account channel.

Plain text on Zalo: keep tags to <b>/<code> (stripped before sending).
"""

VI: dict[str, str] = {
    "zalo.disclosure": (
        "Lưu ý: đây là trợ lý tự động (bot), không phải người trả lời. "
        "Bot chỉ ghi nhận số liệu VNeID bạn gửi cho tổ công tác."
    ),
    "zalo.quota_warn": (
        "⚠️ Bot Zalo đã gửi {sent} / {limit} tin nhắn trong tháng {month} ({percent}). "
        "Để tiết kiệm, tổ trưởng có thể gõ trong nhóm: <code>tietkiem gop</code> (gộp xác nhận) "
        "hoặc <code>tietkiem tonghop</code> (chỉ gửi tổng hợp)."
    ),
    "zalo.quota_stop": (
        "⛔ Zalo báo bot đã hết hạn mức tin nhắn tháng {month}. Bot tạm ngừng gửi tin (vẫn ghi nhận báo cáo) "
        "và sẽ gửi lại từ tháng sau. Cân nhắc chuyển sang Official Account (xem docs/zalo.md)."
    ),
    "zalo.budget_show": (
        "Chế độ tiết kiệm tin nhắn của nhóm này: {mode}.\n"
        "Gõ <code>tietkiem gop</code> (gộp xác nhận mỗi {minutes} phút), "
        "<code>tietkiem tonghop</code> (chỉ gửi tổng hợp, không xác nhận từng báo cáo) "
        "hoặc <code>tietkiem tat</code> (trả lời từng tin)."
    ),
    "zalo.budget_set": "Đã đặt chế độ tiết kiệm tin nhắn của nhóm này: {mode}.",
    "zalo.budget_mode.full": "tắt (trả lời từng tin)",
    "zalo.budget_mode.batched": "gộp xác nhận",
    "zalo.budget_mode.summaries": "chỉ gửi tổng hợp",
    "zalo.budget_group_only": "Chế độ tiết kiệm chỉ dùng trong nhóm đã liên kết với một đơn vị.",
    "zalo.budget_batch_title": "Xác nhận báo cáo (gộp):",
    "cmd.tietkiem": "chế độ tiết kiệm tin nhắn của nhóm (gop, tonghop, tat)",
    "usage.tietkiem": "<code>tietkiem gop</code>, <code>tietkiem tonghop</code> hoặc <code>tietkiem tat</code>",
    "oa.auth_done": "Đã lưu token Official Account (hết hạn lúc {expires}).",
    "oa.auth_failed": "Không lấy được token từ Zalo: {reason}",
    "oa.token_dead": (
        "⛔ Token Official Account không còn dùng được ({reason}). Quản trị viên cần cấp quyền lại: "
        "chạy <code>vneid-bot zalo-oa auth --code MÃ</code> trên máy chủ."
    ),
}

EN: dict[str, str] = {
    "zalo.disclosure": (
        "Note: this is an automated assistant (a bot), not a person. "
        "It only records the VNeID figures you send for your team."
    ),
    "zalo.quota_warn": (
        "⚠️ The Zalo bot has sent {sent} / {limit} messages in {month} ({percent}). "
        "To save messages a leader can type in the group: <code>tietkiem gop</code> (batch confirmations) "
        "or <code>tietkiem tonghop</code> (summaries only)."
    ),
    "zalo.quota_stop": (
        "⛔ Zalo says the bot's message quota for {month} is used up. The bot stops sending (reports are still "
        "recorded) and resumes next month. Consider an Official Account (see docs/zalo.md)."
    ),
    "zalo.budget_show": (
        "Message-saving mode of this group: {mode}.\n"
        "Type <code>tietkiem gop</code> (confirmations batched every {minutes} minutes), "
        "<code>tietkiem tonghop</code> (summaries only, no per-report confirmation) "
        "or <code>tietkiem tat</code> (answer every message)."
    ),
    "zalo.budget_set": "Message-saving mode of this group set to: {mode}.",
    "zalo.budget_mode.full": "off (answer every message)",
    "zalo.budget_mode.batched": "batched confirmations",
    "zalo.budget_mode.summaries": "summaries only",
    "zalo.budget_group_only": "Message-saving mode is for a group bound to a unit.",
    "zalo.budget_batch_title": "Report confirmations (batched):",
    "cmd.tietkiem": "message-saving mode of the group (gop, tonghop, tat)",
    "usage.tietkiem": "<code>tietkiem gop</code>, <code>tietkiem tonghop</code> or <code>tietkiem tat</code>",
    "oa.auth_done": "Official Account token saved (expires at {expires}).",
    "oa.auth_failed": "Could not get a token from Zalo: {reason}",
    "oa.token_dead": (
        "⛔ The Official Account token no longer works ({reason}). An administrator must authorise again: "
        "run <code>vneid-bot zalo-oa auth --code CODE</code> on the server."
    ),
}
