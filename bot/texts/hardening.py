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
    "org.join_throttled": "⏳ Nhập sai mã đăng ký quá nhiều lần. Vui lòng thử lại sau {minutes} phút, "
                          "hoặc xin mã đúng từ trưởng nhóm. Bot không thay đổi gì.",
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
    "org.join_throttled": "⏳ Too many wrong join codes. Please try again in {minutes} minutes, or ask your team "
                          "leader for the right code. Nothing was changed.",
}
