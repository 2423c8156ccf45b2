"""Vietnamese sort order (bot.core.collation) and view days (bot.core.days)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core import fmt
from bot.core.collation import vn_key
from bot.core.days import DayError, take_day

TODAY = date(2025, 8, 14)


def test_vietnamese_order() -> None:
    names = ["Yên Bình", "Đồng Tâm", "Dương", "Ấp Bắc", "An", "Ăn", "Bản Nà Pục", "Tổ 10", "Tổ 7", "Ơn", "Ô", "Oanh"]
    assert sorted(names, key=vn_key) == ["An", "Ăn", "Ấp Bắc", "Bản Nà Pục", "Dương", "Đồng Tâm", "Ô", "Oanh", "Ơn",
                                         "Tổ 7", "Tổ 10", "Yên Bình"]
    assert sorted(["đa", "Da", "da", "dà", "dá"], key=vn_key) == ["da", "Da", "dà", "dá", "đa"]


@pytest.mark.parametrize(("text", "rest", "day"), [
    ("", [], TODAY),
    ("hqua", [], date(2025, 8, 13)),
    ("Thôn 3 hôm qua", ["Thôn", "3"], date(2025, 8, 13)),
    ("30/07", [], date(2025, 7, 30)),
    ("ngày 30/07/2025 th-3", ["th-3"], date(2025, 7, 30)),
    ("th-3 m2 1/8", ["th-3", "m2"], date(2025, 8, 1)),
])
def test_take_day(text: str, rest: list[str], day: date) -> None:
    assert take_day(text.split(), TODAY) == (rest, day)


def test_take_day_wraps_the_year_and_refuses_bad_days() -> None:
    assert take_day(["30/12"], date(2026, 1, 2))[1] == date(2025, 12, 30)
    for bad, key in (("32/13", "fig.bad_day"), ("15/08", "fig.future_view_day"), ("hqua 12/08", "fig.two_days")):
        with pytest.raises(DayError) as exc:
            take_day(bad.split(), TODAY)
        assert exc.value.key == key


def test_dates_outside_the_year_show_it() -> None:
    assert fmt.day(date(2028, 12, 2), ref=TODAY) == "02/12/2028"
    assert fmt.day(date(2025, 12, 2), ref=TODAY) == "02/12"
