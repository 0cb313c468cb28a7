"""The monthly digest: its figures are the report's for the same month, on a program with known numbers;
the schedule arithmetic; the charts; the message; `refbot digest`."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from refbot import cli
from refbot.blocks.digest import digest_message, digest_text
from refbot.domain import ActivityType, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.errors import ValidationFailed
from refbot.models import Activity, ChannelAsk
from refbot.playground.slack_api import texts_of, validate_blocks
from refbot.services import digest as svc
from refbot.services.digest_charts import render_charts
from refbot.services.reports import build_report
from tests import loop_data as data

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 7, 8, 30, tzinfo=dt.UTC)
NOV = dt.date(2026, 11, 1)


def at(day, hour=10, month=11):
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def program(database):
    """November 2026: 2 deals won with references ($300K + $100K), 1 lost with one, 1 won and 2 lost
    without; 5 requests (3 served, 1 declined "renewal", 1 expired); October: 1 request, 1 $50K win."""
    with database.unit_of_work() as s:
        globex = data.account(s, "Globex <Corp>")
        dana = data.contact(s, globex, "Dana Scully")
        hooli = data.account(s, "Hooli")
        fox = data.contact(s, hooli, "Fox Mulder")

        def deal(name, amount, outcome, day, month=11):
            opp = data.opportunity(s, name, amount=amount, owner_id=None)
            opp.outcome, opp.outcome_at = outcome, at(day, month=month)
            return opp

        won1, won2 = deal("Initech", 300_000, OpportunityOutcome.won, 20), deal("Acme", 100_000, OpportunityOutcome.won, 25)
        lost = deal("Vandelay", 90_000, OpportunityOutcome.lost, 21)
        deal("Nobody asked", 70_000, OpportunityOutcome.won, 12)
        deal("Lost alone", 10_000, OpportunityOutcome.lost, 13)
        deal("Lost alone too", 10_000, OpportunityOutcome.lost, 14)
        october = deal("Earlier", 50_000, OpportunityOutcome.won, 20, month=10)
        # approval after 4 h, 10 h, 30 h: median 10 h
        data.request(s, scheduled_at=at(9), status=S.debriefed, created_at=at(2), approved_at=at(2, 14),
                     contact_=dana, opp=won1, requester_id="USELL1")
        data.request(s, scheduled_at=at(12), status=S.completed, created_at=at(3), approved_at=at(3, 20),
                     contact_=fox, opp=won2, requester_id="USELL2")
        data.request(s, scheduled_at=at(15), status=S.debriefed, created_at=at(4), approved_at=at(5, 16),
                     contact_=dana, opp=lost, requester_id="USELL2")
        data.request(s, scheduled_at=None, status=S.declined, created_at=at(6), contact_=fox,
                     requester_id="USELL1").decline_reason = "Customer in renewal"
        data.request(s, scheduled_at=None, status=S.expired, created_at=at(7), contact_=fox, requester_id="USELL1")
        data.request(s, scheduled_at=at(8, month=10), status=S.debriefed, created_at=at(1, month=10),
                     approved_at=at(1, 20, month=10), contact_=fox, opp=october)
        s.add_all([Activity(contact_id=dana.id, occurred_on=dt.date(2026, 11, 9), type=ActivityType.call),
                   Activity(contact_id=dana.id, occurred_on=dt.date(2026, 11, 15), type=ActivityType.call),
                   Activity(contact_id=fox.id, occurred_on=dt.date(2026, 11, 12), type=ActivityType.call),
                   ChannelAsk(channel_id="C1", message_ts="1.1", query="bank in Germany?", created_at=at(18))])


def test_the_digest_says_what_refbot_report_says_for_the_month(database, program):
    since, until = svc.month_window(NOV, BERLIN)
    with database.unit_of_work() as s:
        digest = svc.build_digest(session=s, month=NOV, now=NOW, tz_name="Europe/Berlin")
        report = build_report(session=s, now=NOW, since=since, until=until, tz_name="Europe/Berlin")
    assert digest["report"] == report and not digest["empty"]
    r = digest["report"]
    assert r["outcomes"]["influenced_revenue"] == 400_000 and r["outcomes"]["won"] == 2 and r["outcomes"]["lost"] == 1
    assert r["win_rate"]["with_references"] == {"won": 2, "lost": 1, "closed": 3, "rate": 0.667}
    assert r["win_rate"]["without_references"] == {"won": 1, "lost": 2, "closed": 3, "rate": 0.333}
    assert r["win_rate"]["small_sample"] is True and r["win_rate"]["difference"] == 0.333
    assert r["requests"]["total"] == 5 and r["approval"]["median_hours"] == 10.0
    assert (r["served"]["served"], r["served"]["declined"], r["served"]["expired"]) == (3, 1, 1)
    assert r["served"]["decline_reasons"] == [{"reason": "Customer in renewal", "count": 1}]
    assert r["time_to_call"]["calls"] == 3
    assert [(a["contact"], a["activities"]) for a in r["top_advocates"]] == [("Dana Scully", 2), ("Fox Mulder", 1)]
    # Initech ($300K) counts for USELL1, Acme ($100K) for USELL2 (who also asked for the lost Vandelay)
    assert [(t["user_id"], t["won_deals"], t["influenced_revenue"], t["requests"]) for t in r["top_sellers"]] == [
        ("USELL1", 1, 300_000, 3), ("USELL2", 1, 100_000, 2)]
    series = {m["month"]: m for m in digest["series"]}
    assert list(series) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert (series["2026-10"]["influenced_revenue"], series["2026-10"]["requests"]) == (50_000, 1)
    assert series["2026-10"]["median_approval_hours"] == 10.0 and series["2026-09"]["median_approval_hours"] is None
    with database.unit_of_work() as s:  # each month's bar is that month's report
        oct_since, oct_until = svc.month_window(dt.date(2026, 10, 1), BERLIN)
        october = build_report(session=s, now=NOW, since=oct_since, until=oct_until, tz_name="Europe/Berlin")
    assert october["outcomes"]["influenced_revenue"] == 50_000 and october["requests"]["total"] == 1


def test_schedule_first_monday_in_the_program_timezone():
    assert svc.first_monday_slot(dt.date(2026, 12, 1), BERLIN) == dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    assert svc.first_monday_slot(dt.date(2027, 6, 1), BERLIN) == dt.datetime(2027, 6, 7, 7, 0, tzinfo=dt.UTC)  # CEST
    assert svc.first_monday_slot(dt.date(2027, 2, 1), BERLIN).date() == dt.date(2027, 2, 1)  # a Monday itself
    before = dt.datetime(2026, 12, 7, 7, 59, tzinfo=dt.UTC)
    assert svc.due_month(now=before, tz=BERLIN) == (dt.date(2026, 10, 1), dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC))
    assert svc.due_month(now=before + dt.timedelta(minutes=1), tz=BERLIN)[0] == dt.date(2026, 11, 1)
    assert svc.due_month(now=dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC), tz=BERLIN)[0] == dt.date(2026, 12, 1)
    assert svc.month_window(NOV, BERLIN) == (dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
                                             dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    assert svc.parse_month("2026-3") == dt.date(2026, 3, 1)
    for bad in ("2026-13", "11/2026", "", "2026-00"):
        with pytest.raises(ValidationFailed, match="not a month like 2026-11"):
            svc.parse_month(bad)


def test_the_message_is_within_slack_limits_and_escapes_user_text(database, program):
    with database.unit_of_work() as s:
        digest = svc.build_digest(session=s, month=NOV, now=NOW, tz_name="Europe/Berlin")
    text, blocks = digest_message(digest, why="Posted monthly.")
    assert validate_blocks(blocks, surface="message") == [] and len(blocks) <= 50
    dumped = "\n".join(texts_of(blocks))
    assert "Globex &lt;Corp&gt;" in dumped and "<Corp>" not in dumped
    for expected in ("$400K from 2 won deals", "67% with references (2 of 3) vs 33% without (1 of 3)",
                     "small sample", "3 served · 1 declined · 1 expired", "To approval: 10 h (median)",
                     "Customer in renewal (1)", "1. Dana Scully (Globex &lt;Corp&gt;) · 2 activities",
                     "1. <@USELL1> · 3 requests · $300K won", "1 ask made in channels"):
        assert expected in dumped, expected
    assert text == "Reference program, November 2026: $400K influenced revenue from 2 won deals, 5 requests."
    assert "Influenced revenue: $400K (2 won deals, 1 lost deal)" in digest_text(digest)


def test_charts_are_png_images_of_the_series(database, program):
    with database.unit_of_work() as s:
        digest = svc.build_digest(session=s, month=NOV, now=NOW, tz_name="Europe/Berlin")
    charts = render_charts(digest)
    assert [c.name for c in charts] == ["revenue-requests", "approval-time"]
    for chart in charts:
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(chart.png[16:20], "big"), int.from_bytes(chart.png[20:24], "big")
        assert (width, height) == (800, 400)
    assert charts[0].alt == "November 2026: $400K influenced revenue, 5 requests"
    digest["coverage"] = [{"segment": "Banking · DACH", "demand": 5, "supply": 1}]
    assert [c.name for c in render_charts(digest)][-1] == "coverage"


@pytest.fixture
def offline(monkeypatch, offline_env):
    monkeypatch.setenv("REFBOT_TIMEZONE", "Europe/Berlin")
    return offline_env


def test_refbot_digest_prints_the_figures_and_writes_the_charts(offline, program, capsys):
    assert cli.main(["digest", "--month", "2026-11", "--out", "charts"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Reference program digest: November 2026")
    assert "Win rate: 67% with references (2 of 3) vs 33% without (1 of 3)" in out
    written = sorted(p.name for p in (offline / "charts").iterdir())
    assert written == ["refbot-digest-2026-11-approval-time.png", "refbot-digest-2026-11-revenue-requests.png"]
    assert (offline / "charts" / written[0]).read_bytes().startswith(b"\x89PNG")
    assert f"Chart: charts/{written[1]}" in out


def test_refbot_digest_refuses_bad_input_and_says_when_a_month_is_empty(offline, program, capsys):
    assert cli.main(["digest", "--month", "2026-02"]) == 0
    assert "Nothing happened in February 2026" in capsys.readouterr().out
    assert list(offline.glob("*.png")) == []  # no charts for an empty month
    assert cli.main(["digest", "--month", "Nov"]) == 1
    assert capsys.readouterr().err.strip() == "refbot: --month: 'Nov' is not a month like 2026-11."
    (offline / "afile").write_text("x")
    assert cli.main(["digest", "--month", "2026-11", "--out", "afile"]) == 1
    assert "is a file, not a directory" in capsys.readouterr().err
