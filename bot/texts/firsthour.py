"""Strings of the first hour (issue 17): the import template, wrong file types."""

VI: dict[str, str] = {
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
