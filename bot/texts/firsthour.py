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
    "imp.wrong_type": (
        "«{name}» is not a spreadsheet. The bot takes Excel (.xlsx) or CSV (UTF-8) files. "
        "Type <code>/import template</code> to get a template with the columns ready. Nothing was changed."
    ),
}
