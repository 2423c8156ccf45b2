"""Strings for two reporters of one unit, expired confirmations and leaders' corrections (/sua)."""

VI: dict[str, str] = {
    "cmd.sua": "sửa hoặc xóa báo cáo của thành viên (trả lời tin báo cáo)",
    "usage.sua": (
        "Trả lời (reply) tin báo cáo của thành viên bằng <code>/sua 15 [lý do]</code> để sửa số, "
        "hoặc <code>/sua xoa [lý do]</code> để xóa báo cáo đó"
    ),
    "rep.day_today": "hôm nay",
    "rep.day_on": "ngày {day}",
    "rep.day_total": "📊 {unit} {when}: <b>{total}</b> = {parts}",
    "rep.day_part": "{name} {value}",
    "rep.day_none": "chưa có ai báo",
    "rep.held_by_baseline": "ℹ️ Ngày {day} không sau ngày mốc {base} của {unit}: số liệu mốc đã tính đến ngày đó, "
                            "nên số này được lưu nhưng không cộng thêm vào lũy kế.",
    "rep.day_replaced": "↪️ Số này là tổng của {unit}, thay cho số của {parts} (vẫn lưu trong lịch sử).",
    "rep.share_head": "👥 Bot chưa ghi. Đơn vị đã có người khác báo cùng ngày:",
    "rep.share_line": "• {unit} {when} ({metric}): đã có {parts}; bạn báo {value}.",
    "rep.share_tail": (
        "Số của bạn là phần cộng thêm, hay là tổng của cả đơn vị? Bấm «Cộng thêm» nếu là số của riêng bạn; "
        "bấm «Là tổng» nếu đây là tổng cả đơn vị (thay cho số của người khác)."
    ),
    "rep.btn_share_add": "➕ Cộng thêm",
    "rep.btn_share_total": "🟰 Là tổng",
    "rep.share_choose": "Hãy chọn «Cộng thêm» hoặc «Là tổng».",
    "rep.share_not_asked": "Bot đang chờ bạn xác nhận một số cao bất thường (Xác nhận / Hủy bỏ), bot không ghi gì.",
    "rep.pending_expired": "Yêu cầu xác nhận này đã hết hạn, bot không ghi gì. Hãy gửi lại báo cáo nếu cần.",
    "rep.pending_stale": "Tin này đã được sửa sau đó; bot giữ số của bản sửa mới nhất và không ghi bản cũ.",
    "rep.fix_usage": (
        "Hãy trả lời (reply) tin báo cáo cần sửa bằng <code>/sua 15 lý do</code> để sửa số, "
        "hoặc <code>/sua xoa lý do</code> để xóa. Bot không sửa gì."
    ),
    "rep.fix_too_big": "Số sửa vượt ngưỡng {limit} trong một ngày. Bot không sửa gì.",
    "rep.fix_role": "Chỉ tổ trưởng hoặc quản trị được sửa báo cáo của người khác. Bot không sửa gì.",
    "rep.fix_nothing": (
        "Tin được trả lời không có số liệu nào đang được tính (có thể đã sửa hoặc hủy). Bot không sửa gì."
    ),
    "rep.fix_many": (
        "Tin này có {count} dòng số liệu; /sua chỉ sửa tin có một dòng. Hãy nhờ người báo sửa tin, "
        "hoặc dùng <code>/sua xoa</code> rồi báo lại. Bot không sửa gì."
    ),
    "rep.fix_same": "Số đang ghi đã là {value}. Bot không sửa gì.",
    "rep.fix_done": "✏️ {fixer} đã sửa báo cáo của {reporter}:",
    "rep.fix_removed": "🗑 {fixer} đã xóa báo cáo của {reporter}:",
    "rep.fix_line": "• {unit} — {metric} ngày {day}: {old} → <b>{new}</b>",
    "rep.fix_reason": "Lý do: {note}",
    "org.act.report.fix": "sửa báo cáo của thành viên",
    "org.act.report.remove": "xóa báo cáo của thành viên",
    "zalo.share_tail": (
        "Gõ CONG nếu đây là số của riêng bạn (cộng thêm); gõ TONG nếu đây là tổng cả đơn vị "
        "(thay cho số của người khác); gõ HUYBO để bỏ."
    ),
}

EN: dict[str, str] = {
    "cmd.sua": "correct or remove a member's report (reply to it)",
    "usage.sua": (
        "Reply to a member's report with <code>/fix 15 [reason]</code> to correct the figure, "
        "or <code>/fix delete [reason]</code> to remove that report"
    ),
    "rep.day_today": "today",
    "rep.day_on": "on {day}",
    "rep.day_total": "📊 {unit} {when}: <b>{total}</b> = {parts}",
    "rep.day_part": "{name} {value}",
    "rep.day_none": "nobody has reported",
    "rep.held_by_baseline": "ℹ️ {day} is not after the baseline day {base} of {unit}: the baseline already counts "
                            "up to that day, so this figure is stored but not added to the cumulative.",
    "rep.day_replaced": "↪️ This is the total of {unit}; it replaces the figures of {parts} (kept in the history).",
    "rep.share_head": "👥 Nothing stored yet. Someone else already reported for this unit that day:",
    "rep.share_line": "• {unit} {when} ({metric}): already {parts}; you reported {value}.",
    "rep.share_tail": (
        "Does your figure add to theirs, or is it the whole unit's total? Press «Add» if it is your own count; "
        "press «Is the total» if it is the whole unit's figure (it replaces the others')."
    ),
    "rep.btn_share_add": "➕ Add",
    "rep.btn_share_total": "🟰 Is the total",
    "rep.share_choose": "Please choose «Add» or «Is the total».",
    "rep.share_not_asked": "The bot is waiting for you to confirm an unusually high figure (Confirm / Cancel); "
                           "nothing was stored.",
    "rep.pending_expired": "This confirmation has expired; nothing was stored. Send the report again if needed.",
    "rep.pending_stale": "This message was edited later; the newest edit's figure is kept, this older one is not stored.",
    "rep.fix_usage": (
        "Reply to the report to correct with <code>/fix 15 reason</code> to change the figure, "
        "or <code>/fix delete reason</code> to remove it. Nothing was changed."
    ),
    "rep.fix_too_big": "The corrected figure is over the daily limit of {limit}. Nothing was changed.",
    "rep.fix_role": "Only leaders and admins may correct other people's reports. Nothing was changed.",
    "rep.fix_nothing": "The message you replied to has no figure currently counted (edited or undone?). "
                       "Nothing was changed.",
    "rep.fix_many": (
        "This message has {count} lines of figures; /fix corrects one-line reports only. Ask the reporter to edit "
        "it, or use <code>/fix delete</code> and report again. Nothing was changed."
    ),
    "rep.fix_same": "The stored figure is already {value}. Nothing was changed.",
    "rep.fix_done": "✏️ {fixer} corrected {reporter}'s report:",
    "rep.fix_removed": "🗑 {fixer} removed {reporter}'s report:",
    "rep.fix_line": "• {unit} — {metric} on {day}: {old} → <b>{new}</b>",
    "rep.fix_reason": "Reason: {note}",
    "org.act.report.fix": "corrected a member's report",
    "org.act.report.remove": "removed a member's report",
    "zalo.share_tail": (
        "Type CONG if it is your own count (added); type TONG if it is the whole unit's total "
        "(it replaces the others'); type HUYBO to drop it."
    ),
}
