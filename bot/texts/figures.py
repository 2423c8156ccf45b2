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
}
