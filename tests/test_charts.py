"""Progress charts: a valid PNG of the documented size, Vietnamese glyphs present in the font."""

from __future__ import annotations

import io
import struct
import warnings
from datetime import date, timedelta

import matplotlib
from matplotlib import font_manager
from PIL import Image

from bot.core.rollup import Rollup, UnitFigures, figures
from bot.present.charts import FONT, chart_size, progress_chart

D = date(2025, 8, 14)
NAMES = ["Thôn Đồng Tâm", "Bản Nà Pục", "Xóm Bãi", "Tổ dân phố Hưng Thịnh Vượng Phát Đạt Quốc Tế", "Thôn Ỷ Lan"]


def unit(i: int, name: str, target: int | None, cum: int, today: int = 3) -> UnitFigures:
    m = figures(D, today, cum, 21, target, None)
    return UnitFigures(i, f"u{i}", name, "village", {"l2": m, "l1": figures(D, 0, 0, 0, None, None)},
                       today > 0, None)


def rollup(n: int) -> Rollup:
    kids = [unit(i + 2, NAMES[i % len(NAMES)] + f" {i}", None if i == 3 else 300 + i * 7, 50 + i * 9)
            for i in range(n)]
    return Rollup(unit(1, "Xã Tân Hòa", 4470, 3087, 12), D, kids, [k for k in kids if not k.reported_today],
                  ["l1", "l2"], "l2")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def test_png_of_expected_size_40_villages() -> None:
    history = [(D - timedelta(days=29 - i), 3000 + 3 * i) for i in range(30)]
    data = progress_chart(rollup(40), history, "vi")
    assert png_size(data) == chart_size(40)
    img = Image.open(io.BytesIO(data))
    img.verify()
    assert img.size == chart_size(40) and chart_size(40)[0] == 960


def test_village_without_children_or_history() -> None:
    r = Rollup(unit(1, "Thôn Đồng Tâm", 530, 392), D, [], [], ["l1", "l2"], "l2")
    assert png_size(progress_chart(r, [], "en")) == chart_size(1)
    no_target = Rollup(unit(1, "Thôn Mới", None, 0, 0), D, [], [], ["l1", "l2"], "l2")
    assert png_size(progress_chart(no_target, [(D, 0)], "vi")) == chart_size(1)


def test_vietnamese_glyphs_render_without_missing_glyph_warnings() -> None:
    path = font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=False)
    assert "DejaVuSans" in path
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font" otherwise
        progress_chart(rollup(5), [(D, 1)], "vi")
    assert matplotlib.get_backend().lower() == "agg"


def test_chart_size_grows_with_bars() -> None:
    w1, h1 = chart_size(1)
    w2, h2 = chart_size(41)
    assert w1 == w2 and h2 > h1 and h2 < 10000 and h2 / w2 < 20  # within Telegram's photo limits
