"""Strings of the first hour (issue 17): the import template, wrong file types."""

VI: dict[str, str] = {
    "tpl.sheet.units": "Đơn vị",
    "tpl.cols.units": "Mã|Tên|Cấp|Mã cấp trên",
    "tpl.sheet.targets": "Chỉ tiêu",
    "tpl.cols.targets": "Mã đơn vị|Chỉ số|Chỉ tiêu|Hạn",
    "tpl.sheet.baselines": "Mốc",
    "tpl.cols.baselines": "Mã đơn vị|Chỉ số|Ngày|Số lượng",
    "tpl.sheet.members": "Thành viên",
    "tpl.cols.members": "Mã đơn vị|Telegram ID|Họ tên|Vai trò",
    "setup.example_commune": "Xã Tân Hòa",
    "setup.example_village": "Thôn 3",
    # ---- /nhatky: each audit entry as a sentence (bot/audit_text.py)
    "audit.entry": "• {when} — {who} {what}.",
    "audit.none": "không có",
    "audit.on": "bật",
    "audit.off": "tắt",
    "audit.everywhere": "toàn hệ thống",
    "audit.change": "{field} từ {old} thành {new}",
    "audit.change_short": "{old} → {new}",
    "audit.renamed": " (tên cũ «{old}»)",
    "audit.extra.target.set": ", hạn {day}",
    "audit.extra.baseline.set": ", tính đến ngày {day}",
    "audit.extra.official.set": ", ngày {day}",
    "audit.refused": "định {what} ({unit}) nhưng bị từ chối: {why}",
    "audit.act.other": "thao tác quản trị",
    "audit.why.scope": "ngoài phạm vi của người đó",
    "audit.why.peer": "người kia có vai trò ngang hoặc cao hơn",
    "audit.why.self": "không được tự đổi cho chính mình",
    "audit.why.above": "vai trò cao hơn quyền của người đó",
    "audit.why.role": "không đủ quyền",
    "audit.why.admin": "chỉ quản trị mới được làm",
    "audit.why.leader": "chỉ trưởng thôn/lãnh đạo mới được làm",
    "audit.why.member": "chưa có trong danh sách tổ",
    "audit.why.bound": "nhóm chưa liên kết hoặc liên kết với đơn vị khác",
    "audit.why.other": "không được phép",
    "audit.field.other": "thông tin khác",
    "audit.field.name": "tên",
    "audit.field.code": "mã",
    "audit.field.kind": "cấp",
    "audit.field.parent": "cấp trên",
    "audit.field.parent_code": "cấp trên",
    "audit.field.unit": "đơn vị",
    "audit.field.active": "hoạt động",
    "audit.field.join_code": "mã đăng ký",
    "audit.field.metric": "chỉ số",
    "audit.field.value": "số",
    "audit.field.deadline": "hạn",
    "audit.field.as_of": "ngày mốc",
    "audit.field.day": "ngày",
    "audit.field.role": "vai trò",
    "audit.field.member": "thành viên",
    "audit.field.chat": "nhóm",
    "audit.field.reason": "lý do",
    "audit.field.reminder_time": "giờ nhắc",
    "audit.field.summary_time": "giờ tổng hợp",
    "audit.field.weekly_day": "ngày tổng kết tuần",
    "audit.field.skip_weekdays": "ngày không nhắc",
    "audit.field.reminders_enabled": "nhắc báo cáo",
    "audit.field.summaries_enabled": "gửi tổng hợp",
    "audit.field.files": "file",
    "audit.field.created": "thêm mới",
    "audit.field.updated": "cập nhật",
    "audit.field.kinds": "loại dữ liệu",
    "audit.s.unit.add": "thêm đơn vị {unit}",
    "audit.s.unit.rename": "đổi tên đơn vị «{old}» thành «{new}»",
    "audit.s.unit.move": "chuyển đơn vị {unit}: {changes}",
    "audit.s.unit.deactivate": "ngừng theo dõi đơn vị {unit}",
    "audit.s.unit.activate": "mở lại đơn vị {unit}",
    "audit.s.unit.join_code": "đổi mã đăng ký của {unit}",
    "audit.s.target.set": "đặt chỉ tiêu {metric} cho {unit}: {new}{changes}",
    "audit.s.target.clear": "bỏ chỉ tiêu {metric} của {unit} (trước là {old})",
    "audit.s.baseline.set": "nhập số mốc {metric} cho {unit}: {new}{changes}",
    "audit.s.member.join": "đăng ký vào tổ {unit}",
    "audit.s.member.role": "đổi vai trò của {member} ở {unit} từ {old} thành {new}",
    "audit.s.member.remove": "xóa {member} khỏi tổ {unit}",
    "audit.s.member.move": "chuyển {member} sang tổ {unit}",
    "audit.s.chat.bind": "liên kết nhóm chat với {unit}",
    "audit.s.chat.unbind": "bỏ liên kết nhóm chat với {unit}",
    "audit.s.chat.disabled": "bị xóa khỏi nhóm chat của {unit} (bot ngừng gửi vào nhóm đó)",
    "audit.s.chat.enabled": "thêm bot lại vào nhóm chat của {unit}",
    "audit.s.chat.migrate": "nâng cấp nhóm chat của {unit} thành siêu nhóm",
    "audit.s.import": "nhập file: {changes}",
    "audit.s.holiday.add": "thêm ngày nghỉ {where} {new} «{old}»{changes}",
    "audit.s.holiday.remove": "bỏ ngày nghỉ {where} {new} «{old}»",
    "audit.s.schedule.change": "đổi lịch của nhóm {unit}: {changes}",
    "audit.s.report.fix": "sửa báo cáo của {member} ở {unit} ngày {old}: {new} (lý do: {changes})",
    "audit.s.report.remove": "xóa báo cáo của {member} ở {unit} ngày {old}: {new} (lý do: {changes})",
    "audit.s.other": "{what} ({unit}): {changes}",
    "tpl.guide_sheet": "Hướng dẫn",
    "tpl.guide": (
        "Mẫu nhập dữ liệu cho bot báo cáo VNeID — điền các trang rồi gửi lại file này cho bot kèm chú thích /nhap\n"
        "Trang «Đơn vị»: mỗi dòng một đơn vị. Mã: chữ không dấu, ví dụ th-3. Tên: Thôn 3. Cấp: thôn, tổ dân phố, "
        "xã, phường… Mã cấp trên: mã của xã, ví dụ {parent}.\n"
        "Trang «Chỉ tiêu»: Mã đơn vị, Chỉ số (m2 hoặc m1), Chỉ tiêu (số nguyên), Hạn (dd/mm/yyyy, có thể để trống).\n"
        "Trang «Mốc»: số đã đạt trước khi dùng bot — Mã đơn vị, Chỉ số, Ngày (dd/mm/yyyy), Số lượng.\n"
        "Trang «Thành viên»: Mã đơn vị, Telegram ID (số), Họ tên, Vai trò (thành viên, trưởng, quản trị). "
        "Có thể bỏ trống trang này: tổ viên tự đăng ký bằng mã (/madangky).\n"
        "Trang nào không dùng thì để trống. Bot kiểm tra cả file trước: có lỗi thì không ghi dòng nào và "
        "báo số dòng cần sửa."
    ),
    "tpl.caption": "📎 File mẫu nhập dữ liệu: điền các trang (xem trang «Hướng dẫn») rồi gửi lại kèm chú thích /nhap.",
    "setup.hello": "Chào {name}! Đây là bot báo cáo tiến độ VNeID. Cùng cài đặt cho xã của bạn, từng bước một.",
    "setup.title": "🛠 <b>Cài đặt bot</b> — bạn là quản trị (ADMIN_IDS). Các bước:",
    "setup.line": "{mark} {n}. {what}",
    "setup.step.unit": "Tạo xã (hoặc tỉnh)",
    "setup.step.villages": "Thêm các thôn, tổ dân phố của {name}",
    "setup.step.bind": "Liên kết nhóm chat của tổ với {name}",
    "setup.step.targets": "Đặt chỉ tiêu",
    "setup.step.codes": "Gửi mã đăng ký cho tổ viên (có ít nhất một tổ viên đăng ký)",
    "setup.next": "👉 <b>Bước tiếp theo:</b> {how}",
    "setup.how.unit": (
        "tạo xã, ví dụ <code>/donvi them x-tanhoa Xã Tân Hòa cap=xa</code> "
        "(mã viết không dấu; tạo tỉnh thì dùng <code>cap=tinh</code>)."
    ),
    "setup.how.villages": (
        "thêm từng thôn, ví dụ <code>/donvi them th-3 Thôn 3 tren={code}</code>; nhiều thôn thì gõ "
        "<code>/nhap mau</code> để nhận file Excel mẫu, điền rồi gửi lại kèm chú thích <code>/nhap</code>."
    ),
    "setup.how.bind": (
        "thêm bot vào nhóm Telegram của tổ, rồi gõ trong nhóm: <code>/lienket {code}</code>. "
        "Nhớ tắt chế độ riêng tư của bot (BotFather → /setprivacy → Disable) để bot đọc được tin báo cáo."
    ),
    "setup.how.targets": (
        "đặt chỉ tiêu cho từng thôn, ví dụ <code>/chitieu th-3 m2 530 %DEADLINE%</code> "
        "(hoặc trang «Chỉ tiêu» trong file mẫu <code>/nhap mau</code>)."
    ),
    "setup.how.codes": (
        "gõ <code>/madangky {code}</code> (trong chat riêng này) để xem mã của từng thôn và gửi cho tổ viên; "
        "tổ viên gõ <code>/dangky MÃ</code>."
    ),
    "setup.all_done": "🎉 Đã cài đặt xong. Tổ viên báo cáo trong nhóm; xem tiến độ: <code>/tonghop</code>. Hướng dẫn: /trogiup",
    "imp.wrong_type": (
        "File «{name}» không phải bảng tính. Bot nhận file Excel (.xlsx) hoặc CSV (UTF-8). "
        "Gõ <code>/nhap mau</code> để nhận file mẫu có sẵn các cột. Bot không thay đổi gì."
    ),
}

EN: dict[str, str] = {
    "tpl.sheet.units": "units",
    "tpl.cols.units": "code|name|kind|parent_code",
    "tpl.sheet.targets": "targets",
    "tpl.cols.targets": "unit_code|metric|target|deadline",
    "tpl.sheet.baselines": "baselines",
    "tpl.cols.baselines": "unit_code|metric|as_of|value",
    "tpl.sheet.members": "members",
    "tpl.cols.members": "unit_code|telegram_id|name|role",
    "setup.example_commune": "Xã Tân Hòa",
    "setup.example_village": "Thôn 3",
    # ---- /audit
    "audit.entry": "• {when} — {who} {what}.",
    "audit.none": "none",
    "audit.on": "on",
    "audit.off": "off",
    "audit.everywhere": "everywhere",
    "audit.change": "{field} from {old} to {new}",
    "audit.change_short": "{old} → {new}",
    "audit.renamed": " (formerly «{old}»)",
    "audit.extra.target.set": ", deadline {day}",
    "audit.extra.baseline.set": ", as of {day}",
    "audit.extra.official.set": ", on {day}",
    "audit.refused": "tried to {what} ({unit}) but was refused: {why}",
    "audit.act.other": "an admin action",
    "audit.why.scope": "outside their scope",
    "audit.why.peer": "the other person has the same or a higher role",
    "audit.why.self": "nobody changes their own role",
    "audit.why.above": "a role above their own",
    "audit.why.role": "not allowed for their role",
    "audit.why.admin": "admins only",
    "audit.why.leader": "leaders only",
    "audit.why.member": "not on a team roster",
    "audit.why.bound": "the group is not bound, or bound to another unit",
    "audit.why.other": "not allowed",
    "audit.field.other": "other details",
    "audit.field.name": "name",
    "audit.field.code": "code",
    "audit.field.kind": "kind",
    "audit.field.parent": "parent",
    "audit.field.parent_code": "parent",
    "audit.field.unit": "unit",
    "audit.field.active": "active",
    "audit.field.join_code": "join code",
    "audit.field.metric": "metric",
    "audit.field.value": "value",
    "audit.field.deadline": "deadline",
    "audit.field.as_of": "as of",
    "audit.field.day": "day",
    "audit.field.role": "role",
    "audit.field.member": "member",
    "audit.field.chat": "group",
    "audit.field.reason": "reason",
    "audit.field.reminder_time": "reminder time",
    "audit.field.summary_time": "summary time",
    "audit.field.weekly_day": "weekly summary day",
    "audit.field.skip_weekdays": "days without reminders",
    "audit.field.reminders_enabled": "reminders",
    "audit.field.summaries_enabled": "summaries",
    "audit.field.files": "files",
    "audit.field.created": "new",
    "audit.field.updated": "updated",
    "audit.field.kinds": "kinds",
    "audit.s.unit.add": "added the unit {unit}",
    "audit.s.unit.rename": "renamed the unit «{old}» to «{new}»",
    "audit.s.unit.move": "moved the unit {unit}: {changes}",
    "audit.s.unit.deactivate": "deactivated the unit {unit}",
    "audit.s.unit.activate": "reactivated the unit {unit}",
    "audit.s.unit.join_code": "changed the join code of {unit}",
    "audit.s.target.set": "set the {metric} target of {unit}: {new}{changes}",
    "audit.s.target.clear": "removed the {metric} target of {unit} (was {old})",
    "audit.s.baseline.set": "entered the {metric} baseline of {unit}: {new}{changes}",
    "audit.s.member.join": "joined the team of {unit}",
    "audit.s.member.role": "changed the role of {member} in {unit} from {old} to {new}",
    "audit.s.member.remove": "removed {member} from the team of {unit}",
    "audit.s.member.move": "moved {member} to the team of {unit}",
    "audit.s.chat.bind": "bound a group chat to {unit}",
    "audit.s.chat.unbind": "unbound a group chat from {unit}",
    "audit.s.chat.disabled": "was removed from the group chat of {unit} (the bot stopped posting there)",
    "audit.s.chat.enabled": "added the bot back to the group chat of {unit}",
    "audit.s.chat.migrate": "upgraded the group chat of {unit} to a supergroup",
    "audit.s.import": "imported a file: {changes}",
    "audit.s.holiday.add": "added the {where} holiday {new} «{old}»{changes}",
    "audit.s.holiday.remove": "removed the {where} holiday {new} «{old}»",
    "audit.s.schedule.change": "changed the schedule of the group of {unit}: {changes}",
    "audit.s.report.fix": "corrected the report of {member} for {unit} on {old}: {new} (reason: {changes})",
    "audit.s.report.remove": "removed the report of {member} for {unit} on {old}: {new} (reason: {changes})",
    "audit.s.other": "{what} ({unit}): {changes}",
    "tpl.guide_sheet": "Guide",
    "tpl.guide": (
        "Import template of the VNeID report bot — fill in the sheets, then send this file back with the caption /import\n"
        "Sheet «units»: one unit per row. code: no accents, e.g. th-3. name: Thôn 3. kind: village, commune… "
        "parent_code: the commune's code, e.g. {parent}.\n"
        "Sheet «targets»: unit_code, metric (l2 or l1), target (a whole number), deadline (dd/mm/yyyy, optional).\n"
        "Sheet «baselines»: progress before the bot — unit_code, metric, as_of (dd/mm/yyyy), value.\n"
        "Sheet «members»: unit_code, telegram_id (a number), name, role (member, leader, admin). "
        "May stay empty: members join with a join code (/joincode).\n"
        "Leave unused sheets empty. The bot checks the whole file first: with any problem nothing is stored and "
        "the rows to fix are listed."
    ),
    "tpl.caption": "📎 Import template: fill in the sheets (see the «Guide» sheet) and send it back with the caption /import.",
    "setup.hello": "Hello {name}! This is the VNeID progress bot. Let's set it up for your commune, step by step.",
    "setup.title": "🛠 <b>Bot setup</b> — you are an admin (ADMIN_IDS). The steps:",
    "setup.line": "{mark} {n}. {what}",
    "setup.step.unit": "Create the commune (or province)",
    "setup.step.villages": "Add the villages of {name}",
    "setup.step.bind": "Bind the team's group chat to {name}",
    "setup.step.targets": "Set targets",
    "setup.step.codes": "Share the join codes with members (at least one member joined)",
    "setup.next": "👉 <b>Next step:</b> {how}",
    "setup.how.unit": (
        "create the commune, e.g. <code>/unit add x-tanhoa Xã Tân Hòa kind=commune</code> "
        "(codes without accents; a province: <code>kind=province</code>)."
    ),
    "setup.how.villages": (
        "add each village, e.g. <code>/unit add th-3 Thôn 3 parent={code}</code>; for many, type "
        "<code>/import template</code> for an Excel template, fill it in and send it back with the caption <code>/import</code>."
    ),
    "setup.how.bind": (
        "add the bot to the team's Telegram group, then type in the group: <code>/bind {code}</code>. "
        "Disable the bot's privacy mode (BotFather → /setprivacy → Disable) so it can read reports."
    ),
    "setup.how.targets": (
        "set each village's target, e.g. <code>/target th-3 l2 530 %DEADLINE%</code> "
        "(or the «targets» sheet of the template, <code>/import template</code>)."
    ),
    "setup.how.codes": (
        "type <code>/joincode {code}</code> (in this private chat) to see each village's code and send it to the "
        "members; they type <code>/join CODE</code>."
    ),
    "setup.all_done": "🎉 Setup is complete. Members report in the group; progress: <code>/summary</code>. Help: /help",
    "imp.wrong_type": (
        "«{name}» is not a spreadsheet. The bot takes Excel (.xlsx) or CSV (UTF-8) files. "
        "Type <code>/import template</code> to get a template with the columns ready. Nothing was changed."
    ),
}
