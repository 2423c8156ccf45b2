"""Catalog: figures leaders read — baselines' days, dates and deadlines, indicators, official figures."""

from __future__ import annotations

VI: dict[str, str] = {
    "fig.baseline_day_moved": "Ngày mốc đổi từ {old} sang {new}: báo cáo đến hết ngày {new} đã nằm trong mốc.",
    "fig.baseline_day_kept": (
        "Ngày mốc giữ nguyên {day}. Muốn đổi ngày, ghi thêm ngày, ví dụ <code>/moc Thôn 3 m2 405 %TODAY%</code>."
    ),
    "fig.overdue": "⚠️ {metric}: đã quá hạn {deadline} ({days} ngày).",
    "fig.sum_overdue": "Còn {remaining} · đã quá hạn {deadline} ({days} ngày) · 7 ngày qua {pace}/ngày",
    "fig.bad_day": "Ngày «{value}» không hợp lệ. Hãy ghi ngày/tháng, ví dụ 30/11, hoặc «hqua».",
    "fig.two_days": "Chỉ ghi một ngày, ví dụ <code>30/11</code> hoặc <code>hqua</code>.",
    "fig.future_view_day": "Ngày {day} chưa tới (hôm nay là {today}).",
    "fig.when_today": "hôm nay",
    "fig.when_day": "ngày {day}",
    "fig.not_reported": "chưa báo cáo",
    "fig.day_add": "{when} +{n}",
    "fig.row_day": "Ngày {day}",
    "fig.when_today_day": "hôm nay {day}",
    "fig.kind_order": (
        "Không thể đặt {kind} «{unit}» dưới {parent_kind} «{parent}»: dưới {parent_kind} chỉ có {allowed}. "
        "Hãy chọn đơn vị cấp trên đúng cấp hoặc sửa cấp (cap=…)."
    ),
    "fig.kind.country": "cả nước",
    "fig.kind.province": "tỉnh/thành phố",
    "fig.kind.district": "huyện (cũ)",
    "fig.kind.commune": "xã/phường",
    "fig.kind.village": "thôn/tổ dân phố",
    "fig.kind.nothing": "không có đơn vị nào (thôn/tổ dân phố là cấp cuối)",
    "fig.official_set": "✅ Đã ghi số chính thức {metric} của <b>{unit}</b> ngày {day}: <b>{value}</b> (trước: {old}).",
    "fig.official_line": "🏛 Số chính thức {metric} ngày {day}: {official} · số của tổ: {ours} · chênh lệch (tổ − chính thức): {diff}",
    "fig.official_same": "🏛 Số chính thức {metric} ngày {day}: {official} · khớp với số của tổ",
    "fig.raw": "{text}",
    "org.act.official.set": "ghi số chính thức",
    "usage.chinhthuc": (
        "<code>/chinhthuc ĐƠN_VỊ [m1|m2] SỐ [dd/mm]</code> — ghi số chính thức (hệ thống C06) của đơn vị tính đến "
        "ngày đó (mặc định hôm nay), để đối chiếu với số của tổ; ví dụ <code>/chinhthuc Thôn 3 m2 1.046 30/11</code>"
    ),
    "cmd.chinhthuc": "ghi số chính thức (C06) để đối chiếu",
    "usage.chiso": (
        "<code>/chiso</code> — danh sách chỉ số; <code>/chiso them MÃ | Tên | English name | từ 1, từ 2</code> — "
        "thêm, ví dụ <code>/chiso them bdhvs | Bình dân học vụ số | Digital literacy | bình dân học vụ, bdhv</code>; "
        "<code>/chiso doiten MÃ | Tên mới | New name</code>; <code>/chiso tu MÃ | từ 1, từ 2</code> (từ tổ viên "
        "gõ khi báo cáo); <code>/chiso ngung MÃ</code> / <code>/chiso bat MÃ</code>"
    ),
    "cmd.chiso": "quản lý chỉ số (ngoài VNeID)",
    "fig.ind_head": "<b>Chỉ số</b> (mã · tên · từ tổ viên gõ):",
    "fig.ind_line": "• <code>{code}</code> · {vi} / {en} · {words}",
    "fig.ind_line_retired": "• <code>{code}</code> · {vi} / {en} · {words} (đã ngừng)",
    "fig.ind_top_only": "Chỉ số dùng chung cho cả hệ thống: chỉ quản trị cấp cao nhất mới thay đổi được.",
    "fig.ind_unknown": "Không có chỉ số mã «{code}». Các mã hiện có: {known}.",
    "fig.ind_bad_code": "Mã «{code}» không hợp lệ: chữ thường không dấu, số hoặc _, 2–16 ký tự, bắt đầu bằng chữ.",
    "fig.ind_exists": "Đã có chỉ số mã «{code}». Dùng <code>/chiso doiten</code> để đổi tên.",
    "fig.ind_bad_name": "Cần tên tiếng Việt (và tên tiếng Anh), tối đa {max} ký tự, ngăn cách bằng «|».",
    "fig.ind_bad_words": "Từ khóa: tối đa {max} từ, mỗi từ 2–40 ký tự, không phải chỉ là số; ngăn cách bằng dấu phẩy.",
    "fig.ind_word_taken": "Từ «{word}» đã dùng cho chỉ số {code}: tổ viên gõ sẽ không rõ là chỉ số nào.",
    "fig.ind_added": "✅ Đã thêm chỉ số <code>{code}</code>: {vi} / {en}. Tổ viên báo cáo bằng: {words}.",
    "fig.ind_renamed": "✅ Đã đổi tên chỉ số <code>{code}</code>: {old} → {vi} / {en}.",
    "fig.ind_words": "✅ Từ tổ viên gõ cho chỉ số <code>{code}</code>: {words}.",
    "fig.ind_retired": "✅ Đã ngừng chỉ số <code>{code}</code> ({vi}): không nhận báo cáo mới; số cũ vẫn giữ.",
    "fig.ind_activated": "✅ Đã dùng lại chỉ số <code>{code}</code> ({vi}).",
    "fig.ind_default": "Không thể ngừng chỉ số mặc định <code>{code}</code> (DEFAULT_METRIC).",
    "org.act.indicator.add": "thêm chỉ số",
    "org.act.indicator.rename": "đổi tên chỉ số",
    "org.act.indicator.words": "đổi từ khóa chỉ số",
    "org.act.indicator.retire": "ngừng chỉ số",
    "org.act.indicator.activate": "dùng lại chỉ số",
}

EN: dict[str, str] = {
    "fig.baseline_day_moved": "Baseline day moved from {old} to {new}: reports up to {new} are now inside the baseline.",
    "fig.baseline_day_kept": (
        "Baseline day kept at {day}. To change it, add the day, e.g. <code>/baseline Thôn 3 l2 405 %TODAY%</code>."
    ),
    "fig.overdue": "⚠️ {metric}: past the {deadline} deadline ({days} days).",
    "fig.sum_overdue": "{remaining} to go · past the {deadline} deadline ({days} days) · last 7 days {pace}/day",
    "fig.bad_day": "«{value}» is not a valid day. Write day/month, e.g. 30/11, or «hqua» (yesterday).",
    "fig.two_days": "Give one day only, e.g. <code>30/11</code> or <code>hqua</code>.",
    "fig.future_view_day": "{day} has not come yet (today is {today}).",
    "fig.when_today": "today",
    "fig.when_day": "on {day}",
    "fig.not_reported": "not reported",
    "fig.day_add": "{when} +{n}",
    "fig.row_day": "On {day}",
    "fig.when_today_day": "today {day}",
    "fig.kind_order": (
        "Cannot put the {kind} «{unit}» under the {parent_kind} «{parent}»: a {parent_kind} holds only {allowed}. "
        "Choose a parent of the right level or fix the level (cap=…)."
    ),
    "fig.kind.country": "country",
    "fig.kind.province": "province",
    "fig.kind.district": "district (old)",
    "fig.kind.commune": "commune",
    "fig.kind.village": "village/residential group",
    "fig.kind.nothing": "nothing (a village is the last level)",
    "fig.official_set": "✅ Official {metric} figure of <b>{unit}</b> on {day}: <b>{value}</b> (was: {old}).",
    "fig.official_line": "🏛 Official {metric} on {day}: {official} · the teams' figure: {ours} · difference (teams − official): {diff}",
    "fig.official_same": "🏛 Official {metric} on {day}: {official} · matches the teams' figure",
    "fig.raw": "{text}",
    "org.act.official.set": "official figure recorded",
    "usage.chinhthuc": (
        "<code>/official UNIT [l1|l2] NUMBER [dd/mm]</code> — record the official figure (the C06 system) of a unit "
        "as of that day (default today), to compare with the teams' figure; e.g. <code>/official Thôn 3 l2 1.046 30/11</code>"
    ),
    "cmd.chinhthuc": "record an official (C06) figure to compare",
    "usage.chiso": (
        "<code>/indicator</code> — list; <code>/indicator add CODE | Tên | English name | word 1, word 2</code> — "
        "add, e.g. <code>/indicator add bdhvs | Bình dân học vụ số | Digital literacy | bình dân học vụ, bdhv</code>; "
        "<code>/indicator rename CODE | Tên | Name</code>; <code>/indicator words CODE | word 1, word 2</code> (what "
        "members type); <code>/indicator retire CODE</code> / <code>/indicator activate CODE</code>"
    ),
    "cmd.chiso": "manage indicators (beyond VNeID)",
    "fig.ind_head": "<b>Indicators</b> (code · name · words members type):",
    "fig.ind_line": "• <code>{code}</code> · {vi} / {en} · {words}",
    "fig.ind_line_retired": "• <code>{code}</code> · {vi} / {en} · {words} (retired)",
    "fig.ind_top_only": "Indicators are shared by the whole system: only top-level admins may change them.",
    "fig.ind_unknown": "No indicator «{code}». Known codes: {known}.",
    "fig.ind_bad_code": "Code «{code}» is not valid: lower-case letters without diacritics, digits or _, 2–16 characters, starting with a letter.",
    "fig.ind_exists": "Indicator «{code}» exists already. Use <code>/indicator rename</code>.",
    "fig.ind_bad_name": "A Vietnamese name (and an English one) are needed, at most {max} characters, separated by «|».",
    "fig.ind_bad_words": "Words: at most {max}, each 2–40 characters and not only digits; separated by commas.",
    "fig.ind_word_taken": "«{word}» is already used for indicator {code}: members' reports would be ambiguous.",
    "fig.ind_added": "✅ Indicator <code>{code}</code> added: {vi} / {en}. Members report it with: {words}.",
    "fig.ind_renamed": "✅ Indicator <code>{code}</code> renamed: {old} → {vi} / {en}.",
    "fig.ind_words": "✅ Words members type for <code>{code}</code>: {words}.",
    "fig.ind_retired": "✅ Indicator <code>{code}</code> ({vi}) retired: no new reports; past figures are kept.",
    "fig.ind_activated": "✅ Indicator <code>{code}</code> ({vi}) is in use again.",
    "fig.ind_default": "The default indicator <code>{code}</code> (DEFAULT_METRIC) cannot be retired.",
    "org.act.indicator.add": "indicator added",
    "org.act.indicator.rename": "indicator renamed",
    "org.act.indicator.words": "indicator words changed",
    "org.act.indicator.retire": "indicator retired",
    "org.act.indicator.activate": "indicator in use again",
}
