"""Writes that trail behind (storage/behind.py): an update's "done" and a confirmation's message id are
written with the next intake transaction, and every reader of them sees them before that."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.core.intake import Intake
from bot.core.reports import ReportService
from bot.core.services import Services
from bot.demo_data import LEADER_ID, member_id, seed_demo
from storage.db import Database
from storage.models import Inbox, Report

NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


@pytest.fixture
def svc(any_db: Database) -> Services:
    seed_demo(any_db)
    return Services(Settings(_env_file=None), any_db, clock=lambda: NOW)  # type: ignore[call-arg]


def _reply_ids(db: Database) -> list[int | None]:
    with db.session() as s:
        return list(s.scalars(select(Report.reply_message_id).order_by(Report.id)))


def _status(db: Database, key: str) -> tuple[str, int] | None:
    with db.session() as s:
        row = s.execute(select(Inbox.status, Inbox.attempts).where(Inbox.update_key == key)).first()
        return None if row is None else (str(row[0]), int(row[1]))


def test_the_next_intake_transaction_writes_what_trails_behind(svc: Services) -> None:
    rs, intake = ReportService(svc), Intake(svc, "telegram", "1")
    who = svc.caller("telegram", member_id(3))
    assert intake.begin("100", "-1") == ("handle", 1)
    out = rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12")
    assert out.status == "stored"
    rs.set_reply(out.undo_id, 555, later=True)
    intake.done_later("100")
    assert _reply_ids(svc.db) == [None] and _status(svc.db, "100") == ("processing", 1)  # not yet written
    assert intake.begin("101", "-1") == ("handle", 1)  # the next update's intake writes both
    assert _reply_ids(svc.db) == [555] and _status(svc.db, "100") == ("done", 1)
    assert intake.begin("100", "-1") == ("skip", 1)  # a re-delivery of the handled update: skipped
    assert len(svc.db.behind) == 0


def test_a_redelivery_before_the_reply_id_is_written_is_not_confirmed_twice(svc: Services) -> None:
    rs = ReportService(svc)
    who = svc.caller("telegram", member_id(3))
    out = rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12")
    assert rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12").resend  # never confirmed: confirmed again
    rs.set_reply(out.undo_id, 555, later=True)
    again = rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12")
    assert again.status == "duplicate" and not again.resend, "confirmed (the id trails behind): silent"


def test_a_fix_replying_to_the_confirmation_finds_it_while_its_id_trails_behind(svc: Services) -> None:
    rs = ReportService(svc)
    member, leader = svc.caller("telegram", member_id(3)), svc.caller("telegram", LEADER_ID)
    out = rs.submit(member, "-1", 5, "Thôn 3 hôm nay 12")
    rs.set_reply(out.undo_id, 900, later=True)
    fixed = rs.fix(leader, "-1", 900, "15 đếm thiếu")  # /sua as a reply to the bot's confirmation 900
    assert fixed.status == "fixed", fixed
    assert _reply_ids(svc.db) == [900, 900]  # the new revision keeps the confirmation's id


def test_what_trails_behind_survives_a_failed_transaction(svc: Services) -> None:
    intake = Intake(svc, "telegram", "1")
    assert intake.begin("200", "-1") == ("handle", 1)
    intake.done_later("200")
    with pytest.raises(RuntimeError), svc.db.carrying():
        raise RuntimeError("the database dropped")
    assert _status(svc.db, "200") == ("processing", 1) and len(svc.db.behind) == 1  # kept for the next one
    intake.flush()
    assert _status(svc.db, "200") == ("done", 1) and len(svc.db.behind) == 0


def test_a_failed_update_counts_attempts_and_a_parked_one_stays_parked(svc: Services) -> None:
    intake = Intake(svc, "telegram", "1")
    intake.max_attempts = 2
    assert intake.begin("300", None) == ("handle", 1)
    assert intake.finish("300", "boom", 1) is False
    assert intake.begin("300", None) == ("handle", 2)
    assert intake.finish("300", "boom", 2) is True
    assert intake.begin("300", None) == ("park", 3)
    intake.park("300", None, 3, None, None)
    assert intake.begin("300", None) == ("skip", 3) and _status(svc.db, "300") == ("parked", 3)


def test_a_long_outage_keeps_the_newest_trailing_writes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import behind as behind_module
    from storage.behind import Behind

    monkeypatch.setattr(behind_module, "KEEP", 3)
    buffer = Behind()
    for i in range(5):
        buffer.reply(i, 100 + i)
        buffer.done("telegram", "1", str(i), NOW)
    buffer.restore(buffer.take())  # the flush failed
    batch = buffer.take()
    assert batch.replies == [(2, 102), (3, 103), (4, 104)] and [k for _c, _b, k, _n in batch.done] == ["2", "3", "4"]
    assert buffer.reply_of(0) is None and buffer.reply_of(4) == 104


def test_a_fetched_batch_counts_the_first_attempts_of_its_new_updates_at_once(svc: Services) -> None:
    intake = Intake(svc, "telegram", "1")
    assert intake.begin("400", "-1") == ("handle", 1)
    intake.done_later("400")
    intake.flush()
    intake.count_fetched([("400", "-1"), ("401", "-1"), ("402", None)])
    assert intake.fetched == {"400": False, "401": True, "402": True}
    assert _status(svc.db, "401") == ("processing", 1) and _status(svc.db, "402") == ("processing", 1)
    assert _status(svc.db, "400") == ("done", 1)  # a row seen before is left as it was
    assert intake.take_fetched("401") is True and intake.take_fetched("401") is None
    assert intake.take_fetched("400") is False
    assert intake.begin("400", "-1") == ("skip", 1)  # seen before: counted (or skipped) when it starts


def test_after_a_crash_a_fetched_batch_is_counted_when_each_update_starts(svc: Services) -> None:
    """Run 1 fetches 500-502 (first attempts counted), handles 500 (its "done" still trailing behind) and
    dies in 501. Every later fetch of them finds them seen: each is counted when it starts, one at a time;
    501 is parked after MAX_UPDATE_ATTEMPTS, 502 (never in flight when the process died) is handled."""
    run1 = Intake(svc, "telegram", "1")
    run1.count_fetched([("500", "-1"), ("501", "-2"), ("502", "-3")])
    assert run1.take_fetched("500") and run1.take_fetched("501")  # handled / in flight at the crash
    run2 = Intake(svc, "telegram", "1")
    run2.count_fetched([("500", "-1"), ("501", "-2"), ("502", "-3")])
    assert run2.fetched == {"500": False, "501": False, "502": False}
    assert run2.begin("500", "-1") == ("handle", 2)  # handled again (found stored), done
    run2.done_later("500")
    assert run2.begin("501", "-2") == ("handle", 2)  # dies again, alone: 502 not started
    run3 = Intake(svc, "telegram", "1")
    run3.count_fetched([("501", "-2"), ("502", "-3")])
    assert run3.begin("501", "-2") == ("handle", 3)  # and again
    run4 = Intake(svc, "telegram", "1")
    run4.count_fetched([("501", "-2"), ("502", "-3")])
    assert run4.begin("501", "-2") == ("park", 4)
    assert run4.begin("502", "-3") == ("handle", 2)
