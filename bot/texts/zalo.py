"""Strings of the Zalo channel and of account linking (Telegram's /lienketzalo and Zalo's "lienket MÃ").

Zalo shows plain text: the runner strips the HTML tags used here, so keep them to <b>/<code>.
"""

VI: dict[str, str] = {
    "cmd.lienketzalo": "liên kết tài khoản Zalo với tài khoản này",
    "usage.lienketzalo": "<code>/lienketzalo</code> (nhắn riêng cho bot), rồi nhắn <code>lienket MÃ</code> cho bot trên Zalo",
    "link.code": (
        "🔗 Mã liên kết Zalo của bạn: <b>{code}</b> (dùng một lần, hết hạn sau {minutes} phút).\n"
        "Mở Zalo, nhắn cho bot báo cáo VNeID: <code>lienket {code}</code>\n"
        "Sau đó báo cáo gửi từ Zalo được tính là của bạn, như gửi từ đây."
    ),
    "link.not_member": (
        "Bạn chưa có trong danh sách tổ nên chưa liên kết được. "
        "Xin mã đăng ký từ tổ trưởng rồi gõ <code>/dangky MÃ</code> trước."
    ),
    "link.private_only": "Để giữ bí mật mã liên kết, hãy nhắn riêng cho bot: mở cuộc trò chuyện với bot rồi gõ /lienketzalo.",
    "link.private_only_zalo": "Để giữ bí mật mã liên kết, hãy nhắn riêng cho bot (không gửi mã trong nhóm).",
    "link.done": (
        "✅ Đã liên kết tài khoản Zalo này với {name} ({unit}). "
        "Báo cáo, hủy báo cáo và xem tiến độ từ Zalo đều tính cho bạn như trên Telegram."
    ),
    "link.already": "Tài khoản Zalo này đã liên kết với {name} ({unit}) rồi.",
    "link.bad_code": (
        "Mã liên kết không đúng hoặc đã hết hạn, bot chưa liên kết gì. "
        "Trong Telegram, gõ /lienketzalo để lấy mã mới (hiệu lực 10 phút)."
    ),
    "link.too_many": "Bạn đã nhập sai mã nhiều lần. Vui lòng thử lại sau {minutes} phút.",
    "link.how": (
        "Đã dùng bot trên Telegram? Trong Telegram, nhắn riêng cho bot: /lienketzalo để lấy mã 6 số, "
        "rồi nhắn ở đây: <code>lienket MÃ</code> (ví dụ <code>lienket 123456</code>)."
    ),
    "link.unlinked": "Đã hủy liên kết tài khoản Zalo này. Các báo cáo cũ vẫn được giữ nguyên.",
    "link.not_linked": "Tài khoản Zalo này chưa liên kết với tài khoản nào.",
    "zalo.undo_hint": "Nhầm số? Gõ HUY để hủy báo cáo vừa gửi.",
    "zalo.confirm_tail": "Nếu đúng, gõ XACNHAN để ghi. Nếu sai, gõ HUYBO rồi gửi lại.",
    "zalo.no_pending": "Không có báo cáo nào đang chờ bạn xác nhận.",
    "zalo.hint": (
        "Bot chưa hiểu tin này. Gõ TROGIUP để xem cách dùng.\n"
        "Ví dụ báo cáo: <code>Thôn 3 hôm nay 12 mức 2</code> hoặc <code>baocao 12</code>"
    ),
    "zalo.not_yet": "Lệnh {command} chưa dùng được trên Zalo. Hãy dùng bot trên Telegram.",
    "zalo.not_here": "Lệnh {command} cần gửi file nên chưa dùng được trên Zalo. Hãy dùng bot trên Telegram.",
    "zalo.join_linked": "Tài khoản Zalo này đã liên kết với tài khoản Telegram của bạn; đơn vị và vai trò theo tài khoản đó.",
    "zalo.help_title": "<b>Hướng dẫn dùng bot báo cáo VNeID trên Zalo</b>",
    "zalo.help_report": (
        "Cách báo cáo: nhắn bình thường cho bot, ví dụ\n"
        "• <code>Thôn 3 hôm nay 12 mức 2</code>\n"
        "• <code>hqua 8 m1, 5 m2</code>\n"
        "• <code>baocao 12</code> (cho thôn của bạn), <code>baocao +5</code> để cộng thêm\n"
        "Gõ HUY để hủy báo cáo vừa gửi. Trong nhóm, hãy @nhắc tên bot.\n"
        "Gõ lệnh không cần dấu «/», ví dụ: tiendo, tonghop, dangky MÃ."
    ),
    "zalo.help_line": "{name} — {desc}",
    "zalo.help_link": (
        "Đã dùng bot trên Telegram? Gõ /lienketzalo trong Telegram để lấy mã, rồi nhắn ở đây: lienket MÃ"
    ),
    "zalo.lich_show": (
        "Lịch của cuộc trò chuyện này ({unit}): nhắc báo cáo {reminder}, tổng hợp {summary}.\n"
        "Gõ LICH TAT để tắt, LICH BAT để bật lại; LICH NGHI xem ngày nghỉ. Giờ nhắc do quản trị đặt theo mặc định "
        "của bot."
    ),
    "zalo.off": "tắt",
    "zalo.lich_on": "✅ Đã bật nhắc báo cáo và tổng hợp cho cuộc trò chuyện này.",
    "zalo.lich_off": "✅ Đã tắt nhắc báo cáo và tổng hợp cho cuộc trò chuyện này. Gõ LICH BAT để bật lại.",
    "zalo.private_bound": (
        "📬 Từ nay bot gửi nhắc báo cáo (khoảng {reminder}) và tổng hợp ({summary}) của {unit} "
        "vào cuộc trò chuyện này. Gõ LICH TAT nếu không muốn nhận."
    ),
    "zalo.chart_file": "bieu-do",
    "zalo.download": "📥 Tải file {name} (liên kết hết hạn sau {hours} giờ): {url}",
    "zalo.no_public_url": (
        "Biểu đồ và file tải về trên Zalo cần máy chủ của bot có địa chỉ công khai (ZALO_PUBLIC_BASE_URL). "
        "Hãy xem trên Telegram hoặc nhờ quản trị cấu hình."
    ),
}

EN: dict[str, str] = {
    "cmd.lienketzalo": "link a Zalo account to this account",
    "usage.lienketzalo": "<code>/linkzalo</code> (in a private chat with the bot), then send <code>lienket CODE</code> to the bot on Zalo",
    "link.code": (
        "🔗 Your Zalo link code: <b>{code}</b> (single use, expires in {minutes} minutes).\n"
        "Open Zalo and send the VNeID report bot: <code>lienket {code}</code>\n"
        "Reports sent from Zalo then count as yours, as if sent from here."
    ),
    "link.not_member": (
        "You are not on a team roster yet, so there is nothing to link. "
        "Ask your team leader for the join code and type <code>/dangky CODE</code> first."
    ),
    "link.private_only": "To keep the link code secret, message the bot privately: open a chat with the bot and type /linkzalo.",
    "link.private_only_zalo": "To keep the link code secret, send it to the bot privately (not in a group).",
    "link.done": (
        "✅ This Zalo account is now linked to {name} ({unit}). "
        "Reports, undo and progress from Zalo count for you exactly as on Telegram."
    ),
    "link.already": "This Zalo account is already linked to {name} ({unit}).",
    "link.bad_code": (
        "The link code is wrong or has expired; nothing was linked. "
        "In Telegram, type /linkzalo to get a new code (valid 10 minutes)."
    ),
    "link.too_many": "Too many wrong codes. Please try again in {minutes} minutes.",
    "link.how": (
        "Already using the bot on Telegram? In Telegram, message the bot privately: /linkzalo to get a 6-digit code, "
        "then send it here: <code>lienket CODE</code> (for example <code>lienket 123456</code>)."
    ),
    "link.unlinked": "This Zalo account is no longer linked. Earlier reports are kept as they are.",
    "link.not_linked": "This Zalo account is not linked to any account.",
    "zalo.undo_hint": "Wrong number? Type HUY to undo the report you just sent.",
    "zalo.confirm_tail": "If it is right, type XACNHAN to store it. If not, type HUYBO and send it again.",
    "zalo.no_pending": "No report of yours is waiting for confirmation.",
    "zalo.hint": (
        "The bot did not understand this message. Type TROGIUP for help.\n"
        "Example report: <code>Thôn 3 hôm nay 12 mức 2</code> or <code>baocao 12</code>"
    ),
    "zalo.not_yet": "{command} is not available on Zalo yet. Please use the bot on Telegram.",
    "zalo.not_here": "{command} needs a file upload, which Zalo does not offer. Please use the bot on Telegram.",
    "zalo.join_linked": "This Zalo account is linked to your Telegram account; your unit and role follow that account.",
    "zalo.help_title": "<b>How to use the VNeID report bot on Zalo</b>",
    "zalo.help_report": (
        "How to report: just message the bot, for example\n"
        "• <code>Thôn 3 hôm nay 12 mức 2</code>\n"
        "• <code>hqua 8 m1, 5 m2</code>\n"
        "• <code>baocao 12</code> (for your own village), <code>baocao +5</code> to add to it\n"
        "Type HUY to undo the report you just sent. In a group, @mention the bot.\n"
        "Commands need no «/», for example: tiendo, tonghop, dangky CODE."
    ),
    "zalo.help_line": "{name} — {desc}",
    "zalo.help_link": "Already on Telegram? Type /linkzalo there to get a code, then send here: lienket CODE",
    "zalo.lich_show": (
        "Schedule of this chat ({unit}): reminder {reminder}, summary {summary}.\n"
        "Type LICH TAT to switch them off, LICH BAT to switch them on; LICH NGHI lists the days off. Times follow "
        "the bot's defaults."
    ),
    "zalo.off": "off",
    "zalo.lich_on": "✅ Reminders and summaries are on for this chat.",
    "zalo.lich_off": "✅ Reminders and summaries are off for this chat. Type LICH BAT to switch them on again.",
    "zalo.private_bound": (
        "📬 From now on the bot sends {unit}'s reminder (around {reminder}) and summary ({summary}) "
        "to this chat. Type LICH TAT if you do not want them."
    ),
    "zalo.chart_file": "chart",
    "zalo.download": "📥 Download {name} (the link expires in {hours} hours): {url}",
    "zalo.no_public_url": (
        "Charts and downloads on Zalo need the bot's server to have a public address (ZALO_PUBLIC_BASE_URL). "
        "Please use Telegram, or ask an admin to configure it."
    ),
}
