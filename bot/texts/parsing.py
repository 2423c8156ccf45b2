"""Parser explanations (bot/core/parsing/): why a message that looks like a report was not stored."""

from __future__ import annotations

VI: dict[str, str] = {
    "prs.example_marker": "ví dụ",
    "prs.line": "Dòng {no} («{line}»): {text}",
    "prs.unknown_unit_one": "Không tìm thấy đơn vị «{name}». Có phải ý bạn là {cand}? "
                            "Hãy ghi đủ tên, ví dụ: «{cand} hôm nay 12».",
    "prs.known_units": " Các đơn vị bạn có thể báo cáo: {known}",
    "prs.unknown_unit": "Không tìm thấy đơn vị «{name}».{where} Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.ambiguous_unit": "«{name}» khớp với nhiều đơn vị: {cands}. Bot chưa ghi gì, vui lòng ghi rõ tên đơn vị, "
                          "ví dụ: «{first} hôm nay 12».",
    "prs.negative": "Số liệu không được âm ({detail}). Nếu muốn sửa số đã báo, hãy gửi lại số đúng của ngày đó "
                    "hoặc gõ /huy. Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.future_day": "Ngày {detail} chưa tới, bot không ghi báo cáo cho ngày tương lai. "
                      "Ví dụ: «{ex} hôm qua 12» hoặc «{ex} ngày 13/8: 12».",
    "prs.bad_date_mixed": "Tin có nhiều ngày khác nhau; mỗi tin chỉ báo cho một ngày. Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.bad_date": "Ngày «{detail}» không hợp lệ. Ghi ngày theo dạng «ngày 14/8» hoặc «14/08/2025».",
    "prs.bad_number": "«{detail}» không phải số nguyên; số tài khoản là số đếm, ví dụ 12 hoặc 1.046. "
                      "Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.duplicate": "{detail} được báo hai lần trong cùng một tin. Mỗi đơn vị, mỗi mức chỉ ghi một số. "
                     "Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.unknown_metric": "Bot chưa có chỉ số «{detail}». Dùng mức 1 (m1) hoặc mức 2 (m2). "
                          "Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.bad_line": "Bot chưa rõ đâu là số trong ngày (có nhiều số, hoặc số không khớp với mức). "
                    "Mỗi mức ghi một số, ví dụ: «{ex} hôm nay m1 4, m2 9».",
    "prs.usage": "Cách dùng: /baocao [đơn vị] [ngày] SỐ [mức 1|mức 2]. "
                 "Ví dụ: «/baocao 12» hoặc «/baocao {ex} hôm qua 12 m2».",
    "prs.no_value": "Tin chưa có số tài khoản làm được trong ngày (tỷ lệ % hay lũy kế thôi thì chưa đủ). "
                    "Ví dụ: «{ex} hôm nay 12 mức 2».",
    "prs.no_unit": "Bot chưa biết số này là của đơn vị nào nên chưa ghi. Hãy ghi kèm tên đơn vị, "
                   "ví dụ: «{ex} hôm nay 12».",
    "parse.no_unit": "Tin chưa ghi tên đơn vị.",
    # the unit of the examples when the reporter may name none (a unit name as people type it)
    "prs.example_unit": "Thôn 3",
    # {detail} of prs.duplicate for lines without a unit name (the reporter's own unit)
    "prs.own_unit": "Đơn vị của bạn",
}

EN: dict[str, str] = {
    "prs.example_marker": "for example",
    "prs.line": "Line {no} («{line}»): {text}",
    "prs.unknown_unit_one": "No unit «{name}» was found. Did you mean {cand}? "
                            "Write the full name, for example: «{cand} hôm nay 12».",
    "prs.known_units": " Units you can report for: {known}",
    "prs.unknown_unit": "No unit «{name}» was found.{where} For example: «{ex} hôm nay 12 mức 2».",
    "prs.ambiguous_unit": "«{name}» matches several units: {cands}. Nothing was stored; please write the unit's "
                          "full name, for example: «{first} hôm nay 12».",
    "prs.negative": "Figures cannot be negative ({detail}). To correct a figure, send the right figure for that "
                    "day again or type /huy. For example: «{ex} hôm nay 12 mức 2».",
    "prs.future_day": "{detail} has not come yet; the bot does not store reports for future days. "
                      "For example: «{ex} hôm qua 12» or «{ex} ngày 13/8: 12».",
    "prs.bad_date_mixed": "The message has several different days; one message reports one day. "
                          "For example: «{ex} hôm nay 12 mức 2».",
    "prs.bad_date": "«{detail}» is not a valid date. Write dates like «ngày 14/8» or «14/08/2025».",
    "prs.bad_number": "«{detail}» is not a whole number; accounts are counted, e.g. 12 or 1.046. "
                      "For example: «{ex} hôm nay 12 mức 2».",
    "prs.duplicate": "{detail} is reported twice in one message. One figure per unit and level. "
                     "For example: «{ex} hôm nay 12 mức 2».",
    "prs.unknown_metric": "The bot has no metric «{detail}». Use level 1 (m1) or level 2 (m2). "
                          "For example: «{ex} hôm nay 12 mức 2».",
    "prs.bad_line": "The bot cannot tell which number is the daily figure (several numbers, or numbers that do "
                    "not match the levels). One figure per level, for example: «{ex} hôm nay m1 4, m2 9».",
    "prs.usage": "Usage: /baocao [unit] [day] NUMBER [mức 1|mức 2]. "
                 "For example: «/baocao 12» or «/baocao {ex} hôm qua 12 m2».",
    "prs.no_value": "The message has no number of accounts done today (a percentage or a cumulative alone is "
                    "not enough). For example: «{ex} hôm nay 12 mức 2».",
    "prs.no_unit": "The bot does not know which unit this figure is for, so nothing was stored. Add the unit's "
                   "name, for example: «{ex} hôm nay 12».",
    "parse.no_unit": "The message does not name a unit.",
    "prs.example_unit": "Thôn 3",
    "prs.own_unit": "Your unit",
}
