"""Strings of the schedules: daily/weekly summaries, reminders, escalations, /tonghop and /lich."""

VI: dict[str, str] = {
    "lich.holiday_default": "Ngày nghỉ",
    "rem.example": "{unit} hôm nay 12 mức 2",
    "usage.tonghop": "<code>/tonghop [đơn vị] [hqua|dd/mm]</code> (tổng hợp hôm nay hoặc ngày đã chọn của đơn vị nhóm này/của bạn), ví dụ "
    "<code>/tonghop Thôn 3</code>, <code>/tonghop hqua</code>, <code>/tonghop 30/11</code>",
    "usage.lich": (
        "\n<code>/lich</code> — xem lịch của nhóm\n"
        "<code>/lich nhac 16:30</code> | <code>tat</code> | <code>bat</code> — giờ nhắc báo cáo\n"
        "<code>/lich tonghop 20:00</code> | <code>tat</code> | <code>bat</code> — giờ gửi tổng hợp\n"
        "<code>/lich tuan CN</code> — ngày tổng kết tuần (T2…T7, CN)\n"
        "<code>/lich bo T7,CN</code> | <code>bo khong</code> — ngày trong tuần không nhắc\n"
        "<code>/lich tat</code> | <code>/lich bat</code> — tắt/bật cả nhắc và tổng hợp\n"
        "<code>/lich nghi</code> — ngày nghỉ sắp tới\n"
        "<code>/lich nghi %HOLIDAY% Tết Dương lịch</code> — thêm ngày nghỉ (không nhắc): quản trị toàn hệ thống "
        "thêm ngày nghỉ toàn quốc, quản trị xã/tỉnh thêm ngày nghỉ riêng của đơn vị mình\n"
        "<code>/lich bonghi %HOLIDAY%</code> — bỏ ngày nghỉ"
    ),
    # daily summary
    "sum.title": "📊 <b>Tổng hợp VNeID — {unit}</b>\nNgày {day}",
    "sum.metric": "<b>{metric}</b>: {when} +{today} · lũy kế {cum}/{target} (<b>{pct}</b>)",
    "sum.metric_nt": "<b>{metric}</b>: {when} +{today} · lũy kế {cum} (chưa có chỉ tiêu)",
    "sum.pace": "Còn {remaining} · cần {needed}/ngày để kịp hạn {deadline} · 7 ngày qua {pace}/ngày",
    "sum.done": "🎉 Đã đạt chỉ tiêu {metric}!",
    "sum.reported": "Đã báo cáo {when}: <b>{n}/{total}</b> đơn vị",
    "sum.children": "<b>Các đơn vị (theo % {metric}):</b>",
    "sum.child": "{rank}. {name} — {pct}{today}",
    "sum.child_today": " · +{n}",
    "sum.no_pct": "chưa có chỉ tiêu",
    "sum.more": "… và {n} đơn vị khác",
    "sum.silent": "<b>Chưa báo cáo {when} ({n}):</b> {names}",
    "sum.all_reported": "✅ Tất cả đơn vị đã báo cáo {when}.",
    "sum.unit_silent": "⏳ {unit} chưa báo cáo {when}.",
    "sum.chart_caption": "Biểu đồ tiến độ — {unit}, {day}",
    # weekly summary
    "wk.title": "📅 <b>Tổng kết tuần {start}–{end} — {unit}</b>",
    "wk.metric": "<b>{metric}</b>: +{week} trong tuần · lũy kế {cum}/{target} (<b>{pct}</b>)",
    "wk.metric_nt": "<b>{metric}</b>: +{week} trong tuần · lũy kế {cum}",
    "wk.vs_prev": "Tuần trước: +{prev}{change}",
    "wk.children": "<b>Xếp hạng cuối tuần (theo % {metric}):</b>",
    "wk.child": "{rank}. {name} — {pct} · +{week} tuần {move}",
    "wk.up": "▲{n}",
    "wk.down": "▼{n}",
    "wk.same": "=",
    "wk.new": "(mới)",
    "wk.best": "🏆 Tăng nhiều nhất tuần: {name} (+{week})",
    # reminders
    "rem.title": "⏰ <b>Nhắc báo cáo VNeID — {day}</b>",
    "rem.one": "<b>{unit}</b> chưa báo cáo hôm nay.",
    "rem.many": "Các đơn vị chưa báo cáo hôm nay ({n}/{total}):",
    "rem.line": "• <b>{unit}</b>{members}",
    "rem.members": ": {names}",
    "rem.how": (
        "Gõ số liệu ngay trong nhóm, ví dụ <code>{example}</code>. "
        "Hôm nay không có kết quả thì gõ <code>/baocao 0</code>."
    ),
    # escalation
    "esc.title": "⚠️ <b>Đơn vị chưa báo cáo nhiều ngày — {unit}</b>",
    "esc.line": "• <b>{unit}</b> — {days} ngày làm việc liền{last}{leaders}",
    "esc.last": " (lần cuối {day})",
    "esc.never": " (chưa báo cáo lần nào)",
    "esc.at_least": "≥ {n}",
    "esc.leaders": " · {names}",
    "esc.footer": "Đề nghị lãnh đạo đôn đốc các đơn vị trên báo cáo.",
    # admins
    "adm.chat_disabled": (
        "⚠️ Bot không gửi được tin vào nhóm <b>{title}</b> (đơn vị {unit}): {reason}.\n"
        "Bot đã ngừng gửi nhắc và tổng hợp cho nhóm này. Khi đã thêm lại bot vào nhóm, "
        "gõ <code>/lich bat</code> trong nhóm để bật lại."
    ),
    "adm.reason_blocked": "bot bị chặn hoặc bị xóa khỏi nhóm",
    "adm.reason_not_found": "không tìm thấy nhóm",
    # /tonghop
    "th.no_unit": "Nhóm này và bạn chưa gắn với đơn vị nào. Quản trị gõ <code>/lienket MÃ_ĐƠN_VỊ</code> trong nhóm trước.",
    "th.unknown_unit": "Không tìm thấy đơn vị «{name}» trong phạm vi của bạn.",
    "th.ambiguous": "«{name}» có thể là: {names}. Hãy gõ rõ hơn.",
    "th.scope": "Chỉ trưởng/lãnh đạo của {unit} (hoặc cấp trên) mới xem được tổng hợp này.",
    # /lich
    "lich.show": (
        "🗓 <b>Lịch của nhóm — {unit}</b>\n"
        "• Nhắc báo cáo: {reminder}\n"
        "• Tổng hợp hằng ngày: {summary}\n"
        "• Tổng kết tuần: {weekly}\n"
        "• Không nhắc vào: {skip}\n"
        "• Ngày nghỉ sắp tới: {holidays}\n"
        "Gõ <code>/lich ?</code> để xem cách đổi."
    ),
    "lich.inactive": "⚠️ Nhóm đang bị tắt ({reason}). Gõ <code>/lich bat</code> để bật lại.",
    "lich.off": "tắt",
    "lich.at": "{time}",
    "lich.default": " (mặc định)",
    "lich.weekly": "{day} lúc {time}",
    "lich.none": "không",
    "lich.unbound": (
        "Nhóm này chưa liên kết với đơn vị nào nên chưa có lịch. "
        "Quản trị gõ <code>/lienket MÃ_ĐƠN_VỊ</code> trong nhóm trước."
    ),
    "lich.scope": "Chỉ trưởng/lãnh đạo của {unit} (hoặc quản trị) mới đổi được lịch của nhóm này. Bot không thay đổi gì.",
    "lich.saved": "✅ Đã lưu: {what}. Có hiệu lực ngay.",
    "lich.w_reminder": "giờ nhắc báo cáo {value}",
    "lich.w_summary": "giờ tổng hợp {value}",
    "lich.w_weekly": "tổng kết tuần vào {value}",
    "lich.w_skip": "không nhắc vào {value}",
    "lich.w_rem_on": "bật nhắc báo cáo",
    "lich.w_rem_off": "tắt nhắc báo cáo",
    "lich.w_sum_on": "bật tổng hợp",
    "lich.w_sum_off": "tắt tổng hợp",
    "lich.w_all_on": "bật nhắc và tổng hợp",
    "lich.w_all_off": "tắt nhắc và tổng hợp",
    "lich.bad_time": "Giờ «{value}» không hợp lệ. Viết dạng <code>16:30</code> hoặc <code>16h30</code>. Bot không thay đổi gì.",
    "lich.bad_weekday": "«{value}» không phải ngày trong tuần. Dùng T2, T3, …, T7, CN. Bot không thay đổi gì.",
    "lich.bad_date": "Ngày «{value}» không hợp lệ. Viết dạng <code>%HOLIDAY%</code>. Bot không thay đổi gì.",
    "lich.holiday_admin": (
        "Ngày nghỉ chỉ quản trị mới thêm/bỏ được: ngày nghỉ toàn quốc do quản trị toàn hệ thống, ngày nghỉ riêng "
        "của xã/tỉnh do quản trị của xã/tỉnh đó. Bot không thay đổi gì."
    ),
    "lich.holiday_added": "✅ Đã thêm ngày nghỉ toàn quốc {day}: {name}. Hôm đó bot không nhắc báo cáo ở mọi đơn vị.",
    "lich.holiday_renamed": "✅ Ngày {day} đã là ngày nghỉ; đổi tên «{old}» → «{name}».",
    "lich.holiday_same": "Ngày {day} đã là ngày nghỉ «{name}». Bot không thay đổi gì.",
    "lich.holiday_past": (
        "Ngày {day} đã qua. Ngày nghỉ để bot không nhắc báo cáo hôm đó, nên chỉ thêm hôm nay hoặc ngày sắp tới "
        "(kiểm tra lại năm). Bot không thay đổi gì."
    ),
    "lich.holiday_removed": "✅ Đã bỏ ngày nghỉ {day} ({name}). Hôm đó bot nhắc báo cáo như thường.",
    "lich.holiday_missing": "Ngày {day} không có trong danh sách ngày nghỉ. Bot không thay đổi gì.",
    "lich.holidays": "🎌 <b>Ngày nghỉ sắp tới</b> (bot không nhắc báo cáo):\n{lines}",
    "lich.holiday_line": "• {day} ({weekday}): {name} — {scope}",
    "lich.no_holidays": "Chưa có ngày nghỉ nào sắp tới. Thêm: <code>/lich nghi %HOLIDAY% Tết Dương lịch</code>",
    "wd.0": "Thứ 2",
    "wd.1": "Thứ 3",
    "wd.2": "Thứ 4",
    "wd.3": "Thứ 5",
    "wd.4": "Thứ 6",
    "wd.5": "Thứ 7",
    "wd.6": "Chủ nhật",
}

EN: dict[str, str] = {
    "lich.holiday_default": "Holiday",
    "rem.example": "{unit} hôm nay 12 mức 2",
    "usage.tonghop": "<code>/summary [unit] [hqua|dd/mm]</code> (the summary of today or the chosen day, for this chat's unit or yours), e.g. "
    "<code>/summary Thôn 3</code>, <code>/summary hqua</code>",
    "usage.lich": (
        "\n<code>/schedule</code> — show this chat's schedule\n"
        "<code>/schedule nhac 16:30</code> | <code>tat</code> | <code>bat</code> — reminder time (off/on)\n"
        "<code>/schedule tonghop 20:00</code> | <code>tat</code> | <code>bat</code> — summary time (off/on)\n"
        "<code>/schedule tuan CN</code> — weekly summary day (T2…T7 = Mon…Sat, CN = Sun)\n"
        "<code>/schedule bo T7,CN</code> | <code>bo khong</code> — weekdays without reminders\n"
        "<code>/schedule tat</code> | <code>/schedule bat</code> — everything off/on\n"
        "<code>/schedule nghi</code> — upcoming holidays\n"
        "<code>/schedule nghi %HOLIDAY% New Year</code> — add a holiday (no reminders): global admins add national "
        "holidays, commune/province admins add days off of their own unit\n"
        "<code>/schedule bonghi %HOLIDAY%</code> — remove a holiday"
    ),
    "sum.title": "📊 <b>VNeID summary — {unit}</b>\nDay {day}",
    "sum.metric": "<b>{metric}</b>: {when} +{today} · total {cum}/{target} (<b>{pct}</b>)",
    "sum.metric_nt": "<b>{metric}</b>: {when} +{today} · total {cum} (no target yet)",
    "sum.pace": "{remaining} to go · {needed}/day needed for the {deadline} deadline · last 7 days {pace}/day",
    "sum.done": "🎉 {metric} target reached!",
    "sum.reported": "Reported {when}: <b>{n}/{total}</b> units",
    "sum.children": "<b>Units (by {metric} % done):</b>",
    "sum.child": "{rank}. {name} — {pct}{today}",
    "sum.child_today": " · +{n}",
    "sum.no_pct": "no target",
    "sum.more": "… and {n} more units",
    "sum.silent": "<b>Not reported {when} ({n}):</b> {names}",
    "sum.all_reported": "✅ Every unit has reported {when}.",
    "sum.unit_silent": "⏳ {unit} has not reported {when}.",
    "sum.chart_caption": "Progress chart — {unit}, {day}",
    "wk.title": "📅 <b>Week {start}–{end} — {unit}</b>",
    "wk.metric": "<b>{metric}</b>: +{week} this week · total {cum}/{target} (<b>{pct}</b>)",
    "wk.metric_nt": "<b>{metric}</b>: +{week} this week · total {cum}",
    "wk.vs_prev": "Previous week: +{prev}{change}",
    "wk.children": "<b>Ranking at the end of the week (by {metric} %):</b>",
    "wk.child": "{rank}. {name} — {pct} · +{week} this week {move}",
    "wk.up": "▲{n}",
    "wk.down": "▼{n}",
    "wk.same": "=",
    "wk.new": "(new)",
    "wk.best": "🏆 Most added this week: {name} (+{week})",
    "rem.title": "⏰ <b>VNeID report reminder — {day}</b>",
    "rem.one": "<b>{unit}</b> has not reported today.",
    "rem.many": "Units that have not reported today ({n}/{total}):",
    "rem.line": "• <b>{unit}</b>{members}",
    "rem.members": ": {names}",
    "rem.how": (
        "Type your figures right here, e.g. <code>{example}</code>. "
        "Nothing done today? Type <code>/report 0</code>."
    ),
    "esc.title": "⚠️ <b>Units silent for several days — {unit}</b>",
    "esc.line": "• <b>{unit}</b> — {days} working days in a row{last}{leaders}",
    "esc.last": " (last report {day})",
    "esc.never": " (never reported)",
    "esc.at_least": "≥ {n}",
    "esc.leaders": " · {names}",
    "esc.footer": "Leaders, please follow up with these units.",
    "adm.chat_disabled": (
        "⚠️ The bot cannot post in <b>{title}</b> (unit {unit}): {reason}.\n"
        "Reminders and summaries for this chat are stopped. Once the bot is back in the chat, "
        "type <code>/schedule bat</code> there to turn them on again."
    ),
    "adm.reason_blocked": "the bot was blocked or removed from the chat",
    "adm.reason_not_found": "chat not found",
    "th.no_unit": "Neither this chat nor you belong to a unit. An admin types <code>/bind UNIT_CODE</code> in the chat first.",
    "th.unknown_unit": "No unit «{name}» within your scope.",
    "th.ambiguous": "«{name}» could be: {names}. Please be more specific.",
    "th.scope": "Only leaders of {unit} (or above) can see this summary.",
    "lich.show": (
        "🗓 <b>Schedule of this chat — {unit}</b>\n"
        "• Report reminder: {reminder}\n"
        "• Daily summary: {summary}\n"
        "• Weekly summary: {weekly}\n"
        "• No reminders on: {skip}\n"
        "• Upcoming holidays: {holidays}\n"
        "Type <code>/schedule ?</code> to see how to change it."
    ),
    "lich.inactive": "⚠️ This chat is switched off ({reason}). Type <code>/schedule bat</code> to switch it on.",
    "lich.off": "off",
    "lich.at": "{time}",
    "lich.default": " (default)",
    "lich.weekly": "{day} at {time}",
    "lich.none": "none",
    "lich.unbound": (
        "This chat is not bound to a unit, so it has no schedule. "
        "An admin types <code>/bind UNIT_CODE</code> in the chat first."
    ),
    "lich.scope": "Only leaders of {unit} (or admins) can change this chat's schedule. Nothing was changed.",
    "lich.saved": "✅ Saved: {what}. Effective immediately.",
    "lich.w_reminder": "reminder time {value}",
    "lich.w_summary": "summary time {value}",
    "lich.w_weekly": "weekly summary on {value}",
    "lich.w_skip": "no reminders on {value}",
    "lich.w_rem_on": "reminders on",
    "lich.w_rem_off": "reminders off",
    "lich.w_sum_on": "summaries on",
    "lich.w_sum_off": "summaries off",
    "lich.w_all_on": "reminders and summaries on",
    "lich.w_all_off": "reminders and summaries off",
    "lich.bad_time": "«{value}» is not a time. Write <code>16:30</code> or <code>16h30</code>. Nothing was changed.",
    "lich.bad_weekday": "«{value}» is not a weekday. Use T2, T3, …, T7, CN (Mon…Sun). Nothing was changed.",
    "lich.bad_date": "«{value}» is not a date. Write <code>%HOLIDAY%</code>. Nothing was changed.",
    "lich.holiday_admin": (
        "Only admins add or remove holidays: global admins the national ones, a commune/province admin the days "
        "off of their own unit. Nothing was changed."
    ),
    "lich.holiday_added": "✅ National holiday added on {day}: {name}. No reminders in any unit that day.",
    "lich.holiday_renamed": "✅ {day} was already a holiday; renamed «{old}» → «{name}».",
    "lich.holiday_same": "{day} is already the holiday «{name}». Nothing was changed.",
    "lich.holiday_past": (
        "{day} is in the past. A holiday stops reminders on that day, so only today or a later day can be added "
        "(check the year). Nothing was changed."
    ),
    "lich.holiday_removed": "✅ Holiday {day} ({name}) removed. Reminders as usual that day.",
    "lich.holiday_missing": "{day} is not a holiday. Nothing was changed.",
    "lich.holidays": "🎌 <b>Upcoming holidays</b> (no reminders):\n{lines}",
    "lich.holiday_line": "• {day} ({weekday}): {name} — {scope}",
    "lich.no_holidays": "No upcoming holidays. Add one: <code>/schedule nghi %HOLIDAY% New Year</code>",
    "wd.0": "Monday",
    "wd.1": "Tuesday",
    "wd.2": "Wednesday",
    "wd.3": "Thursday",
    "wd.4": "Friday",
    "wd.5": "Saturday",
    "wd.6": "Sunday",
}
