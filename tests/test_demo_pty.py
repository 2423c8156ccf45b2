"""`vneid-bot demo` as a person at a terminal uses it (through a pseudo-terminal): Ctrl-C quits at once, edits and
button answers print as they happen, multi-line paste, sending a file, photos saved to a file, limits in :help."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.helpers.ptyrun import PtyProcess

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")]


def _demo(tmp_path: Path) -> PtyProcess:
    p = PtyProcess([sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")], cwd=tmp_path,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(Path.cwd()),
                        "TERM": "dumb", "LANG": "C.UTF-8"})
    p.expect(r"Gõ tin như trong nhóm")
    return p


def test_ctrl_c_quits_at_once_while_waiting_for_input(tmp_path: Path) -> None:
    with _demo(tmp_path) as p:
        p.sendline("/start")
        p.expect("Bot đã sẵn sàng")
        p.sendintr()  # the terminal turns ^C into SIGINT for the demo; no Enter, no Ctrl-D
        assert p.wait(timeout=60) == 0
        assert "Tạm biệt" in p.output and "Traceback" not in p.output


def test_edits_button_answers_paste_and_help_limits(tmp_path: Path) -> None:
    with _demo(tmp_path) as p:
        p.sendline(":help")
        p.expect("Giới hạn của bản demo")
        p.sendline("Thôn 3 hôm nay 12 mức 2")
        p.expect(r"\[1\] ")  # the confirmation and its buttons
        p.sendline(":press 1")
        p.expect("Bot sửa tin")  # the edited confirmation is shown, not only stored in the emulator
        p.sendline(":paste")
        p.expect("một dòng trống để gửi")
        p.sendline("Thôn 5 hôm nay 7 mức 2")
        p.sendline("TDP 5 hôm nay 4 mức 2")
        p.sendline("")
        p.expect("TDP 5")
        p.sendline(":quit")
        assert p.wait(timeout=60) == 0
    out = p.output
    edited = out[out.index("Bot sửa tin"):]
    assert "Thôn 5" in out[out.index("một dòng trống để gửi"):] and "Traceback" not in out, edited[:500]


def test_file_is_sent_and_photos_are_saved_to_a_file(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["x"])  # type: ignore[union-attr]
    buf = io.BytesIO()
    book.save(buf)
    (tmp_path / "don_vi.xlsx").write_bytes(buf.getvalue())
    with _demo(tmp_path) as p:
        p.sendline(":as admin")
        p.sendline(":private")
        p.sendline(f":file {tmp_path / 'don_vi.xlsx'} /nhap")
        p.expect("đã gửi tệp don_vi.xlsx")
        p.expect("🤖 Bot")  # the importer answers the document
        p.sendline(":as leader")
        p.sendline(":group")
        p.sendline("/bieudo")
        saved = p.expect(r"ảnh đã lưu: (\S+) \((\d+) bytes\)")
        p.sendline(":quit")
        assert p.wait(timeout=60) == 0
    photo = Path(saved.group(1))
    assert photo.is_file() and photo.stat().st_size == int(saved.group(2)) > 1000
    assert photo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "anh.png" in saved.group(1) and "Tiến độ" in p.output
