"""Builds holdout.jsonl: cases written after the parser rules, in other words and for another commune,
to measure how the rules generalise (first measured before any fix). Run: python tests/corpus/build_holdout.py"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TODAY = "2025-08-14"
Y = "2025-08-13"
UNITS = ["Thôn Thượng", "Thôn Hạ", "Thôn Trung", "Xóm Mới", "Xóm 3", "Thôn 8", "Thôn 9", "Thôn 10", "TDP 2",
         "Bản Co", "Tổ 4"]
C = {"not_report": True}
E = {"error": True}


def R(*lines: tuple[Any, ...], day: str = TODAY) -> dict[str, Any]:
    return {"day": day, "lines": [{"unit": u, "metric": (m[0] if m else None), "value": v, "mode": "set"}
                                  for u, v, *m in lines]}


CASES: list[tuple[str, str, dict[str, Any]]] = [
    # numeric chatter
    ("chatter_num", "Thôn 8 sáng mai 7h30 tập trung tại hội trường, mời 25 đoàn viên", C),
    ("chatter_num", "xom moi con 4 ho chua co dien thoai thong minh", C),
    ("chatter_num", "Thôn 9 nhờ xã cử 2 cán bộ xuống hỗ trợ", C),
    ("chatter_num", "Anh Tuấn thôn 10 sđt 0385 112 233 nhé", C),
    ("chatter_num", "tdp 2 họp lúc 19h30 tối nay", C),
    ("chatter_num", "Thực hiện Công văn số 2150/UBND-VP, Thôn Hạ rà soát lại", C),
    ("chatter_num", "Theo Quyết định 1286/QĐ-UBND thôn Trung triển khai", C),
    ("chatter_num", "mã xác thực 739201 bác nhé", C),
    ("chatter_num", "Thôn Thượng cần thêm 3 người hỗ trợ chụp ảnh", C),
    ("chatter_num", "15 phút nữa thôn 9 gửi số", C),
    ("chatter_num", "Bản Co có 2 máy tính không vào được mạng", C),
    ("chatter_num", "thôn 8 mượn 4 cái ghế nhựa", C),
    ("chatter_num", "cam on 6 ban thanh nien thon ha", C),
    ("chatter_num", "Xóm 3 có 5 cụ già yếu cần đến tận nhà", C),
    ("chatter_num", "Chỉ tiêu tháng này của thôn 10 là 120", C),
    ("chatter_num", "Tổ 4 dự kiến ngày kia làm 30 người", C),
    ("chatter_num", "thôn trung chiều nay xuống 6 hộ", C),
    ("chatter_num", "Thôn 9 tuần sau làm tiếp 20 hộ", C),
    ("chatter_num", "nhà văn hóa thôn 8 phòng số 3", C),
    ("chatter_num", "TDP 2 có 180 hộ dân", C),
    ("chatter_num", "Thôn Hạ mời 12 hộ họp chiều mai", C),
    ("chatter_num", "Đề án 06 năm 2025, Thôn 10 cố lên 💪", C),
    ("chatter_num", "Thôn Thượng hỏi 3 trường hợp quên mật khẩu", C),
    ("chatter_num", "Thôn 8 có 7 học sinh tình nguyện", C),
    ("chatter_num", "xom 3 het 30 to roi", C),
    ("chatter_num", "Thôn 9 sắp làm 10 người nữa", C),
    ("chatter_num", "bản Co đợi 10p mạng chập chờn", C),
    ("chatter_num", "THÔN 10 MỜI 40 HỘ DÂN DỰ HỌP", C),
    ("chatter_num", "Thôn Trung 3 bạn xin về sớm", C),
    ("chatter_num", "Thôn 8 năm nay có 2 người mới chuyển về", C),
    # chatter without numbers
    ("chatter", "thôn 9 gửi số chưa em?", C),
    ("chatter", "Cảm ơn Thôn Hạ nhiều nhé", C),
    # reports
    ("report", "Thôn 8 hôm nay kích hoạt 9 tk", R(("Thôn 8", 9))),
    ("report", "thon 9 hnay dc 4 tk muc 2", R(("Thôn 9", 4, "l2"))),
    ("report", "THÔN 10: 11 TÀI KHOẢN", R(("Thôn 10", 11))),
    ("report", "Xóm Mới hôm qua 5 tk", R(("Xóm Mới", 5), day=Y)),
    ("report", "Thôn Hạ 7 tk mức 2 chứ ko phải 5", R(("Thôn Hạ", 7, "l2"))),
    ("report", "Thôn Trung sửa 3 thành 6", R(("Thôn Trung", 6))),
    ("report", "Xóm 03: 4 tk", R(("Xóm 3", 4))),
    ("report", "Bản Co cài 10, kích hoạt 6 tk", R(("Bản Co", 6))),
    ("report", "TDP 2 MĐ2 được 8", R(("TDP 2", 8, "l2"))),
    ("report", "Tổ 4 hnay 3 mức 1, 5 mức 2", R(("Tổ 4", 3, "l1"), ("Tổ 4", 5, "l2"))),
    ("report", "BÁO CÁO MỨC 2 NGÀY 13/8\n- Thôn 8: 4\n- Thôn 9: 2", R(("Thôn 8", 4, "l2"), ("Thôn 9", 2, "l2"), day=Y)),
    ("report", "Đơn vị\tMức 1\tMức 2\nThôn 10\t1\t2", R(("Thôn 10", 1, "l1"), ("Thôn 10", 2, "l2"))),
    ("report", "hôm qua:\nThượng 3\nTrung 2", R(("Thôn Thượng", 3), ("Thôn Trung", 2), day=Y)),
    ("report", "Thôn 9 trong ngày 6 tk", R(("Thôn 9", 6))),
    ("report", "✅ Thôn 8 báo cáo 5 tk ĐDĐT mức 2 🎉", R(("Thôn 8", 5, "l2"))),
    ("report", "thon thuong hom nay 8", R(("Thôn Thượng", 8))),
    # second batch (teen code, emoji, Word pastes), also measured before any fix
    ("chatter_num", "t9 mai e xuong 8h nka", C),
    ("chatter_num", "oki a, 10p nua e gui so thon 8 ạ", C),
    ("chatter_num", "thon ha co 3 ong ba ko biet dung dt", C),
    ("chatter_num", "Thôn 10 ơi nhà số 45 cần cài tại nhà nhé", C),
    ("chatter_num", "🙏🙏 cảm ơn 5 bạn thôn 9 nhiều", C),
    ("chatter_num", "THÔN TRUNG TỔ CHỨC 2 ĐỢT RA QUÂN", C),
    ("chatter_num", "xóm mới hỏi cách cài cho 6 cụ", C),
    ("chatter_num", "thôn 8 lúc 15h có 9 người đến nhà văn hóa", C),
    ("chatter_num", "thon 9 lam 2 ca sang chieu", C),
    ("chatter_num", "Tổ 4 có 3 điểm hỗ trợ ạ", C),
    ("chatter_num", "TDP 2 xin 20 tờ rơi", C),
    ("chatter_num", "thôn Thượng còn 12 người đi làm xa chưa về", C),
    ("chatter_num", "e gửi a zalo thôn 10: 0909 888 777", C),
    ("error", "Thôn 9 năm 2024 đạt 85%", E),  # a percentage alone next to a unit: the existing no_value hint
    ("report", "t8 hnay dc 5 tk nha a", R(("Thôn 8", 5))),
    ("report", "thon 10 hnay lm dc 7tk m2 ạ 😊", R(("Thôn 10", 7, "l2"))),
    ("report", "👉 Thôn Hạ: 6 TK", R(("Thôn Hạ", 6))),
    ("report", "THÔN THƯỢNG HÔM NAY KÍCH HOẠT 10 TÀI KHOẢN MỨC 2", R(("Thôn Thượng", 10, "l2"))),
    ("report", "xom 3 hqua 2tk", R(("Xóm 3", 2), day=Y)),
    ("report", "Ngày 13/8:\n+ Thôn 8: 3\n+ Thôn 9: 1", R(("Thôn 8", 3), ("Thôn 9", 1), day=Y)),
    ("report", "Bản Co hôm nay được 4 người kích hoạt mức 2", R(("Bản Co", 4, "l2"))),
    ("report", "Tổ 4 : 2 tk (sửa lại, lúc nãy gửi nhầm 5)", R(("Tổ 4", 2))),
    # broken
    ("error", "Thôn 11: 4 tk", E),
    ("error", "Thôn 8 hôm nay mức 2", E),
    ("error", "Thôn Thưọng Hạ: 5 tk", E),
]


def main() -> None:
    out = Path(__file__).with_name("holdout.jsonl")
    rows = [{"id": f"ho{k:03d}", "tag": tag, "today": TODAY, "units": UNITS, "text": text, "expect": expect}
            for k, (tag, text, expect) in enumerate(CASES, 1)]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} cases -> {out}")


if __name__ == "__main__":
    main()
