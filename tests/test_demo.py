"""`vneid-bot demo` answers /start and /help in the terminal and exits cleanly at end of input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.e2e
def test_demo_answers_start_and_help(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
        input="/start\n/help\n:as leader\n/help\n",
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Bot đã sẵn sàng" in out and "Hướng dẫn dùng bot" in out
    assert "Tạm biệt" in out and "Traceback" not in proc.stderr
