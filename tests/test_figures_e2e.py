"""Figures leaders can trust, end to end (issue 12): baselines honour their day, dates carry their year,
missing is not zero, views for a chosen day, tree validation, indicators, the official form, official figures.

Demo commune (bot.demo_data): 12 villages; Thôn 3: l2 baseline 405 as of 01/08/2025, l2 target 530.
The clock is 14/08/2025 10:00 local. Expected numbers are computed here from the reports the test makes.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from tests.conftest import Harness
from tests.test_zalo_e2e import ZaloHarness, link, zalo  # noqa: F401 - the Zalo fixture

pytestmark = pytest.mark.e2e

THON_3 = 3
TARGET_3 = 530


def text_of(msgs: list) -> str:  # type: ignore[type-arg]
    return "\n".join(m.text or "" for m in msgs)


# ---- item 2: a baseline holds the reports up to its day ------------------------------------------


async def test_baseline_holds_reports_up_to_its_day(harness: Harness) -> None:
    h = harness
    uid = member_id(THON_3)
    reports = {date(2025, 8, 12): 6, date(2025, 8, 13): 10, date(2025, 8, 14): 5}
    for d, v in reports.items():
        r = await h.say(GROUP_ID, uid, f"Thôn 3 ngày {d:%d/%m} {v}")
        assert str(v) in (r[0].text or "")
    # the official count on 13/08 is 420: it holds 12/08 and 13/08 already
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 420 13/08/2025")
    assert "420" in (r[0].text or "") and "13/08/2025" in (r[0].text or "")
    expected = 420 + sum(v for d, v in reports.items() if d > date(2025, 8, 13))  # 425
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert f"{expected}" in text and "435" not in text  # not 420 + 6 + 10 + 5 - ... nor 420 + 10 + 5

    # the commune's cumulative: every village's baseline (as of 01/08) + reports after it, Thôn 3 as above
    from bot.demo_data import VILLAGES

    commune = sum(b for _c, _n, _t, b in VILLAGES) - 405 + expected
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo"))[0].text or ""
    assert f"{commune:,}".replace(",", ".") in text

    # no date: the baseline keeps its day (and says so); the reply to a new report agrees
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 430")
    text = r[0].text or ""
    assert "430" in text and "giữ nguyên 13/08/2025" in text
    r = await h.say(GROUP_ID, uid, "Thôn 3 hôm nay 7")
    assert f"{430 + 7}/{TARGET_3}" in (r[0].text or "")
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert f"{430 + 7}" in text

    # a new day moves it, and says what changed
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 440 14/08/2025")
    text = r[0].text or ""
    assert "13/08/2025 sang 14/08/2025" in text
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "440" in text and "447" not in text


async def test_baseline_day_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    await zalo.say(an, "Thôn 3 hôm qua 10")
    await zalo.say(an, "Thôn 3 hôm nay 5")
    admin = zalo.emu.user("Cán bộ xã")
    await link(zalo, admin, ADMIN_ID)
    replies = await zalo.say(admin, "moc th-3 m2 420 13/08/2025")
    assert "420" in replies[0].text
    replies = await zalo.say(admin, "moc th-3 m2 421")
    assert "giữ nguyên 13/08/2025" in replies[0].text
    replies = await zalo.say(an, "tiendo")
    assert str(421 + 5) in replies[0].text and "436" not in replies[0].text
