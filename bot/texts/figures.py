"""Catalog: figures leaders read — baselines' days, dates and deadlines, indicators, official figures."""

from __future__ import annotations

VI: dict[str, str] = {
    "fig.baseline_day_moved": "Ngày mốc đổi từ {old} sang {new}: báo cáo đến hết ngày {new} đã nằm trong mốc.",
    "fig.baseline_day_kept": (
        "Ngày mốc giữ nguyên {day}. Muốn đổi ngày, ghi thêm ngày, ví dụ <code>/moc Thôn 3 m2 405 01/08/2025</code>."
    ),
}

EN: dict[str, str] = {
    "fig.baseline_day_moved": "Baseline day moved from {old} to {new}: reports up to {new} are now inside the baseline.",
    "fig.baseline_day_kept": (
        "Baseline day kept at {day}. To change it, add the day, e.g. <code>/baseline Thôn 3 l2 405 01/08/2025</code>."
    ),
}
