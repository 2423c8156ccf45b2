"""Strings of the confirmation style (/kieuxacnhan: a reply per report, or 👍 plus a digest) and of the digest."""

VI: dict[str, str] = {
    "cmd.kieuxacnhan": "cách bot xác nhận báo cáo trong nhóm (traloi, camxuc)",
    "usage.kieuxacnhan": (
        "<code>/kieuxacnhan camxuc</code> (thả 👍 vào tin báo cáo, gửi bản tổng hợp ngắn định kỳ) hoặc "
        "<code>/kieuxacnhan traloi</code> (trả lời từng tin, mặc định)"
    ),
    "cfs.style.reply": "trả lời từng tin báo cáo",
    "cfs.style.reaction": "thả 👍 vào tin báo cáo + bản tổng hợp ngắn",
    "cfs.show": (
        "Cách xác nhận báo cáo của nhóm này: <b>{style}</b>.\n"
        "Gõ <code>/kieuxacnhan camxuc</code> để bot thả 👍 vào tin báo cáo và gửi bản tổng hợp ngắn "
        "tối đa {minutes} phút một lần, hoặc <code>/kieuxacnhan traloi</code> để bot trả lời từng tin."
    ),
    "cfs.set.reaction": (
        "Đã đổi: bot sẽ thả 👍 vào tin báo cáo được ghi nhận và gửi bản tổng hợp ngắn tối đa {minutes} phút "
        "một lần. Câu hỏi, lỗi, báo cáo sửa số và /huy vẫn được trả lời như thường."
    ),
    "cfs.set.reply": "Đã đổi: bot sẽ trả lời từng tin báo cáo được ghi nhận.",
    "cfs.unchanged": "Nhóm này đã dùng cách xác nhận: {style}. Không có gì thay đổi.",
    "cfs.bad_word": "Bot không hiểu «{word}». Không có gì thay đổi.",
    "cfs.group_only": "Cách xác nhận chỉ đặt được trong nhóm đã liên kết với một đơn vị (/lienket).",
    "cfs.no_reactions": (
        "Zalo chưa cho bot thả cảm xúc vào tin nhắn, nên trên Zalo bot vẫn trả lời từng báo cáo. "
        "Để bớt tin nhắn, tổ trưởng có thể gõ <code>tietkiem gop</code> (gộp xác nhận)."
    ),
    "dig.title": "👍 <b>Đã ghi nhận {count} báo cáo</b> ({start}–{end}):",
    "dig.line": "• {unit}: {metric} <b>{value}</b> ({who})",
    "dig.line_day": "• {unit}, ngày {day}: {metric} <b>{value}</b> ({who})",
    "dig.more": "(tiếp theo)",
    "audit.s.chat.confirm_style": "đổi cách xác nhận báo cáo của nhóm ({unit}): {new}",
    "org.act.kieuxacnhan": "đổi cách xác nhận báo cáo",
}

EN: dict[str, str] = {
    "cmd.kieuxacnhan": "how the bot confirms reports in the group (traloi, camxuc)",
    "usage.kieuxacnhan": (
        "<code>/kieuxacnhan camxuc</code> (a 👍 on the report message, a short digest now and then) or "
        "<code>/kieuxacnhan traloi</code> (a reply to every report, the default)"
    ),
    "cfs.style.reply": "a reply to every report",
    "cfs.style.reaction": "a 👍 on the report message + a short digest",
    "cfs.show": (
        "How this group's reports are confirmed: <b>{style}</b>.\n"
        "Type <code>/kieuxacnhan camxuc</code> for a 👍 on each report message and a short digest at most "
        "every {minutes} minutes, or <code>/kieuxacnhan traloi</code> for a reply to every report."
    ),
    "cfs.set.reaction": (
        "Changed: the bot puts a 👍 on each stored report message and posts a short digest at most every "
        "{minutes} minutes. Questions, errors, corrections and /huy still get a reply."
    ),
    "cfs.set.reply": "Changed: the bot replies to every stored report.",
    "cfs.unchanged": "This group already uses: {style}. Nothing was changed.",
    "cfs.bad_word": "The bot does not understand «{word}». Nothing was changed.",
    "cfs.group_only": "The confirmation style can only be set in a group bound to a unit (/lienket).",
    "cfs.no_reactions": (
        "Zalo does not let bots react to messages yet, so on Zalo the bot keeps replying to every report. "
        "To send fewer messages a leader can type <code>tietkiem gop</code> (batched confirmations)."
    ),
    "dig.title": "👍 <b>{count} reports stored</b> ({start}–{end}):",
    "dig.line": "• {unit}: {metric} <b>{value}</b> ({who})",
    "dig.line_day": "• {unit}, {day}: {metric} <b>{value}</b> ({who})",
    "dig.more": "(continued)",
    "audit.s.chat.confirm_style": "changed how the group's reports are confirmed ({unit}): {new}",
    "org.act.kieuxacnhan": "changing how reports are confirmed",
}
