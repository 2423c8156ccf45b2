"""Builds group_chat.jsonl: real-style commune group traffic (hand-written base cases plus the ways the same
message is really typed: without diacritics, in ALL CAPS from Word). Run: python tests/corpus/build_group_chat.py

Expectations follow ../shared/corpus/README.md. Numeric chatter is tagged "chatter_num" so that the
benchmark can count it.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

TODAY = "2025-08-14"
Y = "2025-08-13"
UNITS = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "Thôn 6", "Xóm 2", "Xóm 4", "Thôn Đông", "Thôn Đoài",
         "Thôn Nhân Lý", "Thôn Đồng Tâm", "TDP 5", "Bản Nà Pục", "Tổ 7"]

C = {"not_report": True}
E = {"error": True}


def R(*lines: tuple[Any, ...], day: str = TODAY) -> dict[str, Any]:
    out = []
    for ln in lines:
        unit, value, *rest = ln
        d: dict[str, Any] = {"unit": unit, "metric": rest[0] if rest else None, "value": value, "mode": "set"}
        if len(rest) > 1:
            d["cumulative"] = rest[1]
        out.append(d)
    return {"day": day, "lines": out}


# (text, expect, variants): variants "p" = without diacritics, "u" = upper case
CHATTER_NUM: list[str] = [
    "nhà số 7 xóm 2 nhé", "phòng 105 nhà văn hóa thôn 4", "8h sáng mai họp ở thôn 5, mời 40 hộ",
    "mai bọn em xuống thôn 4 cài cho 15 người", "chiều nay đi 3 hộ ở thôn 2",
    "Kế hoạch số 211/KH-UBND ngày 3/9 về định danh mức 2", "Công văn 45/CAX về triển khai VNeID ở thôn 3",
    "mã OTP 482913 nhé anh", "SĐT anh Hùng thôn 3: 0912345678", "hotline hỗ trợ VNeID 1900 0368",
    "CCCD của bác 034085012345 bị lỗi", "10p nữa em gửi báo cáo thôn 3", "đợi em 5 phút nhé",
    "thôn 6 có 3 máy hỏng", "cảm ơn 8 bạn đoàn viên thôn 2", "xóm 4 còn 2 cụ chưa cài",
    "cần thêm 6 tình nguyện viên cho thôn 1", "KH tháng 9 của thôn 2 là 250", "Triển khai Đề án 06 tại thôn 3",
    "Thực hiện QĐ 757 của tỉnh, thôn 5 cố gắng nhé", "Nghị định 13 về bảo vệ dữ liệu cá nhân, mọi người đọc kỹ",
    "thôn 3 mượn 2 cái điện thoại của đoàn", "tối nay 7h30 thôn Đông họp dân", "thôn 4 có 12 hộ vắng nhà",
    "Thôn 1 mời 25 cụ cao tuổi ra nhà văn hóa", "mai thôn 5 dự kiến cài 30 tk", "tối nay em qua thôn 2 làm cho 6 người",
    "thôn 3 có 150 hộ, 600 khẩu", "xóm 2 có 2 máy tính bảng mới", "anh ơi thôn 6 xin 5 tờ hướng dẫn",
    "nhà số 12 thôn Đoài cần hỗ trợ", "Gọi cho em số 0987 654 321 khi xuống thôn 1", "Phòng 203 UBND xã, 8h mai nha",
    "thôn 5 có 3 cụ trên 80 tuổi cần cài tại nhà", "Đoàn thôn 4 có 18 đoàn viên", "thôn Nhân Lý có 4 điểm cài đặt",
    "mai 6h thôn 6 tập trung 10 bạn", "Thôn 3 cần 2 người trực", "2 bạn thôn 1 ốm nên nghỉ",
    "Tuần sau thôn 5 làm 2 buổi", "Thôn 4 theo quyết định số 15/QĐ-UBND",
    "Theo công văn số 1234/UBND-CA thôn 2 báo cáo trước 17h", "Hôm nay thôn 3 mất điện 2 tiếng",
    "xóm 2 hết 20 tờ phiếu", "Xin 5p thôn 4 đang tổng hợp", "thôn 5 mời 30 hộ dân họp tối nay",
    "Lớp tập huấn 35 học viên ở thôn 2", "thôn 6 có 7 bạn tình nguyện", "thôn 2 cần 4 máy",
    "em gửi lại mã 5678 cho thôn 3 nhé", "Thôn 3 giúp 9 cụ làm thủ tục", "Thôn 1 hỗ trợ 5 hộ nghèo",
    "13h30 chiều nay thôn Đoài họp", "thôn 4 có 2 người chuyển đi", "zalo nhóm thôn 3 có 120 thành viên",
    "mai xuống thôn 5 khoảng 20 người", "Thôn 3 ơi, 9h sáng mai mang 10 ghế sang", "ok 2 bạn thôn 6 về trước đi",
    "thôn 1 xin thêm 3 tình nguyện viên", "Năm 2025 thôn 3 phấn đấu 100%", "thôn 2 tối nay 8h họp",
    "1 bạn thôn Đông xin nghỉ", "thôn 3 chuẩn bị 2 bàn", "Tổ 7 mai trực 2 ca", "thôn 4 có 5 người đăng ký học",
    "chiều nay thôn 5 làm thêm 20 người nữa", "tối nay thôn 1 dự kiến được 10", "Thôn 2 mai cài tiếp 12 tk",
    "Thôn 6 cần mượn 3 máy", "thôn Đoài mượn 1 bộ phát wifi", "xóm 4 có 6 máy không chụp được ảnh",
    "Thôn 3 còn 40 người chưa cài mức 2", "thôn 5 hỏi 2 trường hợp bị lỗi tên", "Bản Nà Pục có 3 cụ nằm liệt giường",
    "Tổ 7 có 4 bạn trực tối nay", "thôn 1: đợi 15 phút nữa nhé", "5 phút nữa em gửi số thôn 2",
    "Thôn 4 theo KH số 45/KH-UBND", "Căn cứ Kế hoạch 102/KH-CAH thôn 3 tiếp tục", "Thực hiện Đề án 06, thôn 6 ra quân",
    "số máy bàn thôn 2: 02373 812 345", "thôn 3 có 2 người ko có điện thoại thông minh",
    "Thôn Đông mời 15 hộ họp lúc 19h", "thôn 5 hẹn 7 người 8h sáng mai", "cảm ơn 12 bạn thôn 4 hôm nay nhé",
    "thôn 2 có 1 máy bị khóa", "thôn 6 mượn phòng 2 của trường", "xóm 2 có 9 cụ cần hỗ trợ",
    "T3 mai e xuống 10 ng nha", "ok a, 5p nua e gui", "thôn 3 có 3 máy hết pin", "Thôn 1 cần 5 cái sạc dự phòng",
    "mai họp 14h thôn 5 mời 20 đảng viên", "thôn 2 đc 3 giấy khen", "thôn 4 hỗ trợ 8 hộ khó khăn",
    "thôn 3 có 25 học sinh tham gia", "thôn 6 tuần này được 2 buổi tập huấn",
    "thôn 5 tổng 320 hộ dân", "KH của thôn 1 là 180 tài khoản", "chỉ tiêu thôn 2 là 300",
    "thôn 3 mã hồ sơ 102345", "thôn Đồng Tâm sđt trưởng thôn 0978123456", "thôn 4 chiều nay 3 hộ nhờ xuống nhà",
    "thôn 2 tối nay làm thêm 8 người", "Thôn 6 có 10 người đi làm ăn xa",
    "😂 thôn 3 hôm qua 2 người ngã xe", "thôn 5 mời 3 bạn hỗ trợ nhé 🙏", "anh chị thôn 4 ơi đợi 10 phút",
    "xóm 4 số nhà 27 cần cài tại nhà", "phòng 12 nhà văn hóa thôn 6 mở cửa lúc 7h", "thôn 3 tập trung ở số 5 đường Lê Lợi",
    "Nhóm thôn 2 có 45 người", "thôn 1 có 4 cụ xin cài tại nhà", "Thôn Đoài còn 3 cụ chưa có CCCD",
    "Thôn 3 có 2 trường hợp sai ngày sinh", "thôn 1 ngày mai làm 15 người", "thôn 5 cần 2 người biết chụp ảnh",
    "thôn 4 đến 5 người hỏi cách cài", "thôn 2 có 6 người đến hỏi", "Thôn 6 họp 2 lần trong tuần",
]
# chatter without a number (and questions)
CHATTER: list[str] = [
    "ok anh", "dạ vâng ạ", "Thôn 3 báo cáo sau nhé", "mọi người nhớ báo cáo trước 17h nha",
    "thôn 5 ơi gửi số đi em", "Thôn 2 hôm nay bao nhiêu rồi?", "đã nhận ạ 👍", "cảm ơn cả nhà",
    "anh ơi mức 2 cần những gì ạ?", "hnay thon 4 nghi nhe", "thôn Đông chưa gửi ạ?", "Tốt lắm các em",
]
REPORTS: list[tuple[str, dict[str, Any]]] = [
    ("Thôn 2 hôm nay 14 chứ không phải 11", R(("Thôn 2", 14))),
    ("Thôn 3 sửa 7 thành 9", R(("Thôn 3", 9))),
    ("Thôn 4 hôm nay 12 tk (lúc nãy gửi nhầm 3)", R(("Thôn 4", 12))),
    ("Thôn 5 cài 15, kích hoạt thành công 11 tk m2", R(("Thôn 5", 11, "l2"))),
    ("Thôn 1 MĐ2: 8", R(("Thôn 1", 8, "l2"))),
    ("Thôn 6 MĐ1 5 tk", R(("Thôn 6", 5, "l1"))),
    ("Thôn 6 ĐDĐT mức 2 được 9", R(("Thôn 6", 9, "l2"))),
    ("Thôn 3 hôm nay trong đó 4 mức 1, 8 mức 2", R(("Thôn 3", 4, "l1"), ("Thôn 3", 8, "l2"))),
    ("BÁO CÁO KẾT QUẢ MỨC 1 NGÀY 13/8\nThôn 1: 5\nThôn 2: 7", R(("Thôn 1", 5, "l1"), ("Thôn 2", 7, "l1"), day=Y)),
    ("Xóm 02: 6", R(("Xóm 2", 6))),
    ("Đơn vị | Mức 1 | Mức 2\nThôn 1 | 3 | 5\nThôn 2 | 0 | 4",
     R(("Thôn 1", 3, "l1"), ("Thôn 1", 5, "l2"), ("Thôn 2", 0, "l1"), ("Thôn 2", 4, "l2"))),
    ("Đơn vị\tMức 1\tMức 2\nThôn 3\t2\t6\nThôn 4\t1\t3",
     R(("Thôn 3", 2, "l1"), ("Thôn 3", 6, "l2"), ("Thôn 4", 1, "l1"), ("Thôn 4", 3, "l2"))),
    ("hqua:\nĐông 6\nĐoài 4", R(("Thôn Đông", 6), ("Thôn Đoài", 4), day=Y)),
    ("Thôn 3 trong ngày 12 TK", R(("Thôn 3", 12))),
    ("Thôn 4 hôm nay 9, 1.204 lũy kế", R(("Thôn 4", 9, None, 1204))),
    ("Thôn 3 hnay dc 12 tk m2", R(("Thôn 3", 12, "l2"))),
    ("thôn 5 hôm nay 7 tk", R(("Thôn 5", 7))),
    ("THÔN 1: 15 TK MỨC 2", R(("Thôn 1", 15, "l2"))),
    ("TDP 5 báo cáo 10 tài khoản", R(("TDP 5", 10))),
    ("✅ Thôn 6: 8 tk 👍", R(("Thôn 6", 8))),
    ("Thôn Nhân Lý kích hoạt được 6 tài khoản mức 2", R(("Thôn Nhân Lý", 6, "l2"))),
    ("Bản Nà Pục hôm qua 4 tk", R(("Bản Nà Pục", 4), day=Y)),
    ("Tổ 7 đạt 3 tk mức 1", R(("Tổ 7", 3, "l1"))),
    ("Xóm 4 hôm nay được 5 người", R(("Xóm 4", 5))),
    ("Thôn Đồng Tâm: 11 tk ĐDĐT", R(("Thôn Đồng Tâm", 11))),
    ("- Thôn 1: 4\n- Thôn 2: 6\n- Thôn 3: 2", R(("Thôn 1", 4), ("Thôn 2", 6), ("Thôn 3", 2))),
    ("Báo cáo ngày 13/8:\n• Thôn 4: 7 tk\n• Thôn 5: 3 tk", R(("Thôn 4", 7), ("Thôn 5", 3), day=Y)),
    ("Thôn 2 kích hoạt 10 công dân mức 2", R(("Thôn 2", 10, "l2"))),
    ("Thôn 5 hnay lm dc 6 tk m2 nha", R(("Thôn 5", 6, "l2"))),
    ("thôn 6 báo cáo: 13 tk", R(("Thôn 6", 13))),
    ("Thôn 3 hôm nay 9 tk, lũy kế 412", R(("Thôn 3", 9, None, 412))),
    ("Thôn 1 m1: 3, m2: 7", R(("Thôn 1", 3, "l1"), ("Thôn 1", 7, "l2"))),
    ("Thôn 4 sửa lại: 8 tk mức 2", R(("Thôn 4", 8, "l2"))),
    ("Thôn 2 hướng dẫn 20 người, kích hoạt được 9 tk", R(("Thôn 2", 9))),
    ("Thôn 6 thu nhận 12 hồ sơ, kích hoạt 7 tk mức 2", R(("Thôn 6", 7, "l2"))),
    ("BÁO CÁO MỨC 2 NGÀY 14/8\n1. Thôn 5: 6\n2. Thôn 6: 2\n3. Xóm 02: 3",
     R(("Thôn 5", 6, "l2"), ("Thôn 6", 2, "l2"), ("Xóm 2", 3, "l2"))),
    ("Thôn Đoài hôm nay MĐ2 được 4 tk", R(("Thôn Đoài", 4, "l2"))),
    ("Thôn 1 hôm nay 5 tk, 980 lũy kế", R(("Thôn 1", 5, None, 980))),
    ("Thôn 3 hôm nay 6 chứ không phải 9 nhé", R(("Thôn 3", 6))),
    ("Thôn 5 sửa 4 thành 5 tk mức 2", R(("Thôn 5", 5, "l2"))),
    ("Thôn 2 trong ngày được 7 tk", R(("Thôn 2", 7))),
    ("Thôn 4: trong đó 2 mức 1, 5 mức 2", R(("Thôn 4", 2, "l1"), ("Thôn 4", 5, "l2"))),
    ("Thôn 6 cài đặt 10, kích hoạt 8 tk", R(("Thôn 6", 8))),
]
ERRORS: list[str] = [
    "Thôn 3 hôm nay mức 2", "Xóm Quê: 4", "Thôn Nhân Lí: 5", "Thôn 99 được 5 tk", "Thôn 4 hôm nay -3 tk",
    "Thôn 2 ngày 20/8 được 6 tk", "Thôn 5 hôm nay báo cáo tk mức 2", "Xóm 9: 7 tk", "Thôn Đông Hải: 6 tk",
]


def strip_marks(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def main() -> None:
    cases: list[dict[str, Any]] = []

    def add(tag: str, text: str, expect: dict[str, Any]) -> None:
        cases.append({"id": f"gc{len(cases) + 1:03d}", "tag": tag, "today": TODAY, "units": UNITS,
                      "text": text, "expect": expect})

    for text in CHATTER_NUM:
        add("chatter_num", text, C)
        add("chatter_num", strip_marks(text).lower(), C)
    for text in CHATTER:
        add("chatter", text, C)
        add("chatter", strip_marks(text), C)
    for text, expect in REPORTS:
        add("report", text, expect)
        add("report", strip_marks(text), expect)
        add("report", text.upper(), expect)
    for text in ERRORS:
        add("error", text, E)
        add("error", text.upper(), E)
    seen: set[str] = set()
    unique = []
    for c in cases:
        if c["text"] not in seen:
            seen.add(c["text"])
            unique.append(c)
    for k, c in enumerate(unique, 1):
        c["id"] = f"gc{k:03d}"
    out = Path(__file__).with_name("group_chat.jsonl")
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in unique), encoding="utf-8")
    print(f"{len(unique)} cases ({sum(c['tag'] == 'chatter_num' for c in unique)} numeric chatter) -> {out}")


if __name__ == "__main__":
    main()
