"""Catalog: figures leaders read — baselines' days, dates and deadlines, indicators, official figures."""

from __future__ import annotations

VI: dict[str, str] = {
    "fig.baseline_day_moved": "Ngày mốc đổi từ {old} sang {new}: báo cáo đến hết ngày {new} đã nằm trong mốc.",
    "fig.baseline_day_kept": (
        "Ngày mốc giữ nguyên {day}. Muốn đổi ngày, ghi thêm ngày, ví dụ <code>/moc Thôn 3 m2 405 01/08/2025</code>."
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
}

EN: dict[str, str] = {
    "fig.baseline_day_moved": "Baseline day moved from {old} to {new}: reports up to {new} are now inside the baseline.",
    "fig.baseline_day_kept": (
        "Baseline day kept at {day}. To change it, add the day, e.g. <code>/baseline Thôn 3 l2 405 01/08/2025</code>."
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
}
