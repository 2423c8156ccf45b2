"""Charts at broadcast scale (bot/present/chart_render.py): the cache keyed by what the picture shows, the
process pool and its fallback, workers that never outlive the bot, and the scheduler drawing one chart per
unit for several groups."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from bot.channels.telegram.sender import TelegramSender
from bot.core.rollup import Rollup, UnitFigures, compute_rollup, figures
from bot.delivery import scheduling
from bot.delivery.scheduling import Scheduler, render_chart
from bot.demo_data import GROUP_ID, Demo, seed_demo
from bot.present import chart_render
from bot.present.chart_render import ChartCache, ChartRenderer, chart_key
from bot.present.charts import chart_size, progress_chart
from storage import repo
from storage.db import Database
from tests.helpers.schedule import FakeBot, Msg, Sent, at, make_services, report

D = date(2025, 8, 14)
ROOT = Path(__file__).resolve().parents[1]


def unit(i: int, name: str, target: int | None, cum: int, today: int = 3) -> UnitFigures:
    return UnitFigures(i, f"u{i}", name, "village", {"l2": figures(D, today, cum, 21, target, None)}, today > 0, None)


def village(cum: int = 120, today: int = 3) -> Rollup:
    return Rollup(unit(1, "Thôn Đồng Tâm", 500, cum, today), D, [], [], ["l2"], "l2")


HISTORY = [(D - timedelta(days=4 - i), 100 + 5 * i) for i in range(5)]


class Counting:
    """The in-thread drawing, counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, r: Rollup, history: list[tuple[date, int]], lang: str, metric: str) -> bytes:
        self.calls += 1
        return progress_chart(r, history, lang, metric)


def is_png(data: bytes, bars: int = 1) -> bool:
    img = Image.open(io.BytesIO(data))
    img.verify()
    return img.format == "PNG" and img.size == chart_size(bars)


# ---- the cache -------------------------------------------------------------------------------------


async def test_same_inputs_give_the_same_bytes_drawn_once() -> None:
    draw = Counting()
    r = ChartRenderer(0, draw=draw)
    first = await r.render(village(), HISTORY, "vi", "Mức 2")
    again = await r.render(village(), list(HISTORY), "vi", "Mức 2")  # equal inputs, other objects
    assert again == first and is_png(first)
    assert r.render_now(village(), HISTORY, "vi", "Mức 2") == first
    assert draw.calls == 1 and r.drawn == 1 and r.cache.hits == 2


async def test_a_change_in_the_data_draws_again() -> None:
    draw = Counting()
    r = ChartRenderer(0, draw=draw)
    before = await r.render(village(cum=120), HISTORY, "vi", "Mức 2")
    new_report = await r.render(village(cum=125, today=8), HISTORY, "vi", "Mức 2")
    new_series = await r.render(village(cum=120), HISTORY[:-1] + [(D, 130)], "vi", "Mức 2")
    english = await r.render(village(cum=120), HISTORY, "en", "Level 2")
    assert draw.calls == 4
    assert len({before, new_report, new_series, english}) == 4
    assert await r.render(village(cum=120), HISTORY, "vi", "Mức 2") == before and draw.calls == 4


def test_key_is_what_the_picture_shows() -> None:
    base = chart_key(village(), HISTORY, "vi", "Mức 2")
    assert chart_key(village(), list(HISTORY), "vi", "Mức 2") == base
    assert chart_key(village(cum=121), HISTORY, "vi", "Mức 2") != base
    assert chart_key(village(), HISTORY, "vi", "Chỉ số mới") != base  # an indicator renamed
    other_day = Rollup(village().unit, D + timedelta(days=1), [], [], ["l2"], "l2")
    assert chart_key(other_day, HISTORY, "vi", "Mức 2") != base


def test_cache_is_bounded_in_entries_and_bytes() -> None:
    c = ChartCache(entries=2, max_bytes=10)
    c.put("a", b"1111")
    c.put("b", b"2222")
    assert c.get("a") == b"1111"  # a is now the most recent
    c.put("c", b"3333")
    assert c.get("b") is None and c.get("a") == b"1111" and c.get("c") == b"3333"
    c.put("d", b"4444444")  # 4 + 7 > 10 bytes: the least recent go
    assert len(c) == 1 and c.get("d") == b"4444444" and c.size_bytes == 7
    c.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert c.get("huge") is None and c.get("d") == b"4444444"


async def test_concurrent_requests_for_one_chart_share_one_drawing() -> None:
    import asyncio

    draw = Counting()
    r = ChartRenderer(0, draw=draw)
    pngs = await asyncio.gather(*(r.render(village(), HISTORY, "vi", "Mức 2") for _ in range(5)))
    assert draw.calls == 1 and len(set(pngs)) == 1


# ---- the pool --------------------------------------------------------------------------------------


async def test_the_pool_draws_a_valid_png_equal_to_the_in_thread_one() -> None:
    r = ChartRenderer(1)
    try:
        png = await r.render(village(), HISTORY, "vi", "Mức 2")
        assert r.pool_running and r.drawn_in_pool == 1
        assert is_png(png)
        local = progress_chart(village(), HISTORY, "vi", "Mức 2")
        a, b = (Image.open(io.BytesIO(x)).convert("RGB") for x in (png, local))
        assert a.size == b.size and ImageChops.difference(a, b).getbbox() is None  # the same picture
        workers = list((r._pool._processes or {}).values()) if r._pool else []  # noqa: SLF001
        assert workers and all(p.is_alive() for p in workers)
    finally:
        r.close()
    assert not r.pool_running and all(not p.is_alive() for p in workers)  # joined, none left behind


async def test_no_pool_means_drawing_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot_start(*_a: Any, **_k: Any) -> Any:
        raise OSError("no semaphores here")

    monkeypatch.setattr(chart_render, "ProcessPoolExecutor", cannot_start)
    r = ChartRenderer(2)
    assert r.start() is False
    png = await r.render(village(), HISTORY, "vi", "Mức 2")
    assert is_png(png) and r.drawn == 1 and r.drawn_in_pool == 0
    assert is_png(await r.render(village(cum=1), HISTORY, "vi", "Mức 2", pool=False))


@pytest.mark.faults
def test_workers_exit_when_the_bot_is_killed(tmp_path: Path) -> None:
    """kill -9 of the process that owns the pool: its workers do not linger as orphans."""
    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from bot.present.chart_render import ChartRenderer\n"
        "if __name__ == '__main__':\n"
        "    r = ChartRenderer(2)\n"
        "    r.warm().result(timeout=120)\n"
        "    print(' '.join(str(p) for p in r._pool._processes), flush=True)\n"
        "    time.sleep(600)\n")
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert pids and all(alive(p) for p in pids)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    deadline = time.monotonic() + 30  # a wait for the event, not a timing assertion (they poll every 0.5 s)
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in pids)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# ---- the scheduler -------------------------------------------------------------------------------


class PhotoBot(FakeBot):
    """A FakeBot that keeps the photo bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.photos: dict[int, bytes] = {}

    async def send_photo(self, chat_id: int | str, photo: bytes, caption: str | None = None, **_: Any) -> Any:
        mid = next(self.counter)
        self.sent.append(Sent(int(chat_id), "photo", caption or "", mid))
        self.photos[int(chat_id)] = photo
        return Msg(mid)


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def demo(db: Database) -> Demo:
    return seed_demo(db)


OTHER_GROUPS = (-100601, -100602)


def bind_more_groups(db: Database) -> None:
    """Two more groups bound to the commune GROUP_ID is bound to."""
    with db.session() as s:
        first = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert first is not None and first.unit_id is not None
        unit_ = repo.unit_by_id(s, first.unit_id)
        for ext in OTHER_GROUPS:
            repo.bind_chat(s, repo.get_or_create_chat(s, "telegram", str(ext), f"Nhóm {ext}"), unit_)


async def test_groups_of_one_unit_get_the_same_chart_drawn_once(db: Database, demo: Demo) -> None:
    bind_more_groups(db)
    now = at(2025, 8, 14, 20, 1)
    draw = Counting()
    bot = PhotoBot()
    sched = Scheduler(make_services(db, now), TelegramSender(bot), renderer=ChartRenderer(0, draw=draw))  # type: ignore[arg-type]
    rep = await sched.tick(now)
    groups = (GROUP_ID, *OTHER_GROUPS)
    assert rep.sent >= 3
    for g in groups:
        assert [m.kind for m in bot.to(g) if m.kind == "photo"] == ["photo"]  # each group its chart
    assert len({bot.photos[g] for g in groups}) == 1 and is_png(bot.photos[GROUP_ID], bars=len(demo.village_ids))
    assert draw.calls == 1


async def test_a_broadcast_draws_in_the_pool(db: Database, demo: Demo) -> None:
    bind_more_groups(db)
    now = at(2025, 8, 14, 20, 1)
    bot = PhotoBot()
    renderer = ChartRenderer(1)
    sched = Scheduler(make_services(db, now, chart_pool_min=2), TelegramSender(bot), renderer=renderer)  # type: ignore[arg-type]
    try:
        await sched.tick(now)
        assert renderer.drawn_in_pool == 1 and renderer.drawn == 1
        assert all(is_png(bot.photos[g], bars=len(demo.village_ids)) for g in (GROUP_ID, *OTHER_GROUPS))
    finally:
        sched.close()
    assert not renderer.pool_running


async def test_a_stand_in_chart_function_is_still_used(db: Database, demo: Demo,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling.scheduler, "chart_function", lambda: (lambda r, h, lang: b"\x89PNG fake"))
    now = at(2025, 8, 14, 20, 1)
    bot = PhotoBot()
    await Scheduler(make_services(db, now), TelegramSender(bot), renderer=ChartRenderer(0)).tick(now)  # type: ignore[arg-type]
    assert bot.photos[GROUP_ID] == b"\x89PNG fake"


def test_the_summary_chart_is_drawn_again_after_a_new_report(db: Database, demo: Demo,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    draw = Counting()
    monkeypatch.setattr(chart_render, "_SHARED", ChartRenderer(0, draw=draw))
    unit_id = demo.commune_id
    first = render_chart(db, compute_rollup(db, unit_id, D), "vi")
    assert first is not None and render_chart(db, compute_rollup(db, unit_id, D), "vi") == first
    assert draw.calls == 1
    report(db, next(iter(demo.village_ids.values())), D, 7)
    changed = render_chart(db, compute_rollup(db, unit_id, D), "vi")
    assert changed is not None and changed != first and draw.calls == 2


# ---- frames reused by a drawing thread -------------------------------------------------------------

NAMES = ["Thôn Đồng Tâm", "Bản Nà Pục", "Xóm Bãi", "Tổ dân phố Hưng Thịnh Vượng Phát Đạt Quốc Tế", "Thôn Ỷ Lan"]


def commune(n: int, k: int) -> Rollup:
    kids = [unit(i + 2, NAMES[(i + k) % 5] + f" {i}", None if i == 3 else 300 + 7 * i * k, 50 + 9 * i * k + k)
            for i in range(n)]
    return Rollup(unit(1, "Xã Tân Hòa", 4470, 3087 + k, 12), D, kids, [], ["l2"], "l2")


def series(k: int, days: int = 30) -> list[tuple[date, int]]:
    return [(D - timedelta(days=days - 1 - i), 100 * k + 3 * i * k) for i in range(days)]


def test_a_reused_frame_draws_what_a_new_figure_draws() -> None:
    """The drawing thread keeps one figure per shape and redraws only the data: a sequence of charts of
    every shape (series or not, target or not, long and short names, 1, 5 and 40 bars, both languages)
    gives the pixels of figures made afresh for each."""
    from bot.present.charts import DPI, figure, render_png

    cases = [
        (Rollup(unit(1, "Thôn Số 5", 500, 120, 0), D, [], [], ["l2"], "l2"), series(1), "vi"),
        (Rollup(unit(1, "Thôn Đồng Tâm Thượng Hạ Rất Dài Tên", 500, 700, 5), D, [], [], ["l2"], "l2"), series(2), "vi"),
        (Rollup(unit(1, "Thôn Mới", None, 0, 0), D, [], [], ["l2"], "l2"), [(D, 0)], "vi"),
        (Rollup(unit(1, "Thôn Số 6", 500, 120, 2), D, [], [], ["l2"], "l2"), [], "en"),
        (Rollup(unit(1, "Thôn Số 7", 300, 290, 1), D, [], [], ["l2"], "l2"), series(3, 10), "vi"),
        (commune(5, 1), series(20), "vi"),
        (commune(5, 3), series(5), "vi"),
        (commune(40, 2), series(30), "en"),
        (commune(5, 2), [], "vi"),
        (Rollup(unit(1, "Thôn Số 10", None, 5000, 3), D, [], [], ["l2"], "l2"), series(20), "vi"),
        (Rollup(unit(1, "Thôn Số 9", None, 50, 3), D, [], [], ["l2"], "l2"), series(1), "vi"),  # a smaller range
        (Rollup(unit(1, "Thôn Số 5", 500, 120, 0), D, [], [], ["l2"], "l2"), series(1), "vi"),
    ]
    for r, history, lang in cases:
        reused = Image.open(io.BytesIO(render_png(r, history, lang, "Mức 2"))).convert("RGB")
        buf = io.BytesIO()
        figure(r, history, lang, "Mức 2").savefig(buf, format="png", dpi=DPI)
        fresh = Image.open(buf).convert("RGB")
        assert reused.size == fresh.size == chart_size(max(len(r.children), 1))
        assert ImageChops.difference(reused, fresh).getbbox() is None, (r.unit.name, len(history), lang)
