"""Hardening (issue 15): import bounds, control and look-alike characters, rate limits, scoped holidays."""

from __future__ import annotations

VI: dict[str, str] = {
    "imp.limit_uncompressed": "File Excel giải nén ra quá lớn (tối đa {mb} MB). Hãy chia thành nhiều file nhỏ hơn.",
    "imp.limit_ratio": "File Excel nén bất thường (nén hơn {ratio} lần), bot không mở. Hãy lưu lại file bằng Excel.",
    "imp.limit_sheets": "File có quá nhiều trang tính (tối đa {max}).",
    "imp.limit_rows": "File có quá nhiều dòng (tối đa {max} dòng mỗi file). Hãy chia thành nhiều file.",
    "imp.limit_columns": "dòng có dữ liệu ngoài {max} cột đầu (tối đa {max} cột).",
    "imp.limit_cell": "ô ở cột {column} dài quá {max} ký tự.",
    "imp.control_chars": "ô ở cột {column} chứa ký tự điều khiển (không in được). Hãy gõ lại ô đó.",
    "org.name_control": "Tên có ký tự điều khiển hoặc ký tự đảo chiều văn bản (không nhìn thấy). Hãy gõ lại tên. "
                        "Bot không thay đổi gì.",
    "imp.name_control": "cột {column} có ký tự điều khiển hoặc ký tự đảo chiều văn bản (không nhìn thấy). "
                        "Hãy gõ lại tên đó.",
    "imp.member_look_alike": "tên «{name}» trộn chữ cái của nhiều bảng chữ (Latinh với Kirin/Hy Lạp) và trông "
                             "giống hệt thành viên «{other}» cùng đơn vị. Hãy gõ lại tên bằng bàn phím tiếng Việt.",
    "imp.chat_unseen": "bot chưa thấy nhóm {id} (chưa nhận tin nhắn nào từ nhóm đó) nên không liên kết được. "
                       "Hãy thêm bot vào nhóm đó và gửi một tin nhắn trong nhóm (ví dụ /lienket), rồi gửi lại "
                       "file; hoặc nhờ quản trị viên toàn hệ thống nhập dòng này.",
    "org.join_throttled": "⏳ Nhập sai mã đăng ký quá nhiều lần. Vui lòng thử lại sau {minutes} phút, "
                          "hoặc xin mã đúng từ trưởng nhóm. Bot không thay đổi gì.",
    # scoped holidays (issue 15 item 4): national ones for global admins, days off of a unit for its admins
    "lich.holiday_national": (
        "Ngày {day} là ngày nghỉ toàn quốc «{name}» (không nhắc ở mọi đơn vị): chỉ quản trị toàn hệ thống mới "
        "thêm, đổi tên hoặc bỏ được. Bot không thay đổi gì."
    ),
    "lich.holiday_added_unit": (
        "✅ Đã thêm ngày nghỉ riêng của {unit} {day}: {name}. Hôm đó bot không nhắc báo cáo trong {unit}; "
        "các đơn vị khác vẫn nhắc như thường."
    ),
    "lich.holiday_renamed_unit": "✅ Ngày {day} đã là ngày nghỉ riêng của {unit}; đổi tên «{old}» → «{name}».",
    "lich.holiday_removed_unit": "✅ Đã bỏ ngày nghỉ riêng của {unit} {day} ({name}). Hôm đó bot nhắc báo cáo như thường.",
    "lich.holiday_missing_unit": "Ngày {day} không phải ngày nghỉ riêng của {unit}. Bot không thay đổi gì.",
    "lich.scope_national": "toàn quốc",
    "lich.scope_unit": "riêng {unit}",
    "audit.holiday.national": "toàn quốc",
    "audit.holiday.unit": "riêng của {unit}",
    "audit.why.national": "ngày nghỉ toàn quốc chỉ quản trị toàn hệ thống mới đổi được",
    "org.act.lich.nghi": "thêm ngày nghỉ",
    "org.act.lich.bonghi": "bỏ ngày nghỉ",
}

EN: dict[str, str] = {
    "imp.limit_uncompressed": "The Excel file is too large once unpacked (at most {mb} MB). Split it into smaller files.",
    "imp.limit_ratio": "The Excel file is compressed abnormally (more than {ratio} times); the bot does not open it. "
                       "Save it again with Excel.",
    "imp.limit_sheets": "The file has too many sheets (at most {max}).",
    "imp.limit_rows": "The file has too many rows (at most {max} per file). Split it into several files.",
    "imp.limit_columns": "the row has data beyond the first {max} columns (at most {max} columns).",
    "imp.limit_cell": "the cell in column {column} is longer than {max} characters.",
    "imp.control_chars": "the cell in column {column} contains a control (non-printable) character. Retype that cell.",
    "org.name_control": "The name holds control or text-direction characters (invisible). Please retype it. "
                        "Nothing was changed.",
    "imp.name_control": "column {column} holds control or text-direction characters (invisible). Retype that name.",
    "imp.member_look_alike": "name «{name}» mixes alphabets (Latin with Cyrillic/Greek) and looks exactly like "
                             "member «{other}» of the same unit. Retype the name with a Vietnamese keyboard.",
    "imp.chat_unseen": "the bot has not seen chat {id} (no message from it yet), so it cannot be bound. Add the bot "
                       "to that group and send a message there (e.g. /lienket), then send the file again; or ask a "
                       "global admin to import this row.",
    "org.join_throttled": "⏳ Too many wrong join codes. Please try again in {minutes} minutes, or ask your team "
                          "leader for the right code. Nothing was changed.",
    "lich.holiday_national": (
        "{day} is the national holiday «{name}» (no reminders in any unit): only global admins add, rename or "
        "remove it. Nothing was changed."
    ),
    "lich.holiday_added_unit": (
        "✅ Day off of {unit} added on {day}: {name}. No reminders in {unit} that day; other units are reminded "
        "as usual."
    ),
    "lich.holiday_renamed_unit": "✅ {day} was already a day off of {unit}; renamed «{old}» → «{name}».",
    "lich.holiday_removed_unit": "✅ Day off of {unit} on {day} ({name}) removed. Reminders as usual that day.",
    "lich.holiday_missing_unit": "{day} is not a day off of {unit}. Nothing was changed.",
    "lich.scope_national": "national",
    "lich.scope_unit": "{unit} only",
    "audit.holiday.national": "national",
    "audit.holiday.unit": "{unit} day-off",
    "audit.why.national": "national holidays are changed by global admins only",
    "org.act.lich.nghi": "holiday added",
    "org.act.lich.bonghi": "holiday removed",
}
