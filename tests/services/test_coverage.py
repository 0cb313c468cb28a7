"""Coverage gaps: demand against available references by segment, recruiting candidates, asking owners."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from refbot import cli
from refbot.blocks.coverage import coverage_home, load_button
from refbot.domain import ActivityType, ContactStatus, Seniority
from refbot.errors import NotAllowed
from refbot.models import Account, Activity, ChannelAsk, Contact, OutboxMessage, SearchLog
from refbot.services import coverage
from refbot.services.search import search_text
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def ref(session, name, *, industry, country, employees=None, seniority=Seniority.vp, owner="UOWNER",
        status=ContactStatus.active):
    acc = Account(external_id=f"A-{name}", name=name, industry=industry, country=country, employees=employees,
                  owner_id=owner)
    session.add(acc)
    session.flush()
    c = Contact(external_id=f"C-{name}", name=f"Someone at {name}", title="VP", seniority=seniority,
                account_id=acc.id, status=status)
    session.add(c)
    session.flush()
    return acc, c


def searched(session, query, criteria, *, unmatched=True, ago_days=1):
    session.add(SearchLog(user_id=data.SELLER, query=query, criteria=criteria, unmatched=unmatched,
                          created_at=NOW - dt.timedelta(days=ago_days)))


def gaps(session, **kw):
    session.commit()
    return coverage.coverage_gaps(session=session, now=NOW, tz=BERLIN, **kw)


def test_biggest_gap_first_with_recent_distinct_examples(session):
    ref(session, "Shopco", industry="Retail", country="US")  # one retail reference in the US
    for i, q in enumerate(["bank in Germany", "Bank in germany", "german banks", "a bank in DE", "banking DE"]):
        searched(session, q, {"industry": "Banking", "country": "DE"}, ago_days=i + 1)
    for q in ("retailer in the US", "us retail"):
        searched(session, q, {"industry": "Retail", "country": "US"})
    result = gaps(session)
    assert [g.label for g in result.gaps] == ["Financial Services · Germany", "Retail & Consumer · United States"]
    bank = result.gaps[0]
    assert (bank.searches, bank.unmatched, bank.available) == (5, 5, 0)
    # the three most recent, case-insensitively distinct
    assert bank.examples == ("bank in Germany", "german banks", "a bank in DE")
    assert result.gaps[1].available == 1 and result.total == 2 and result.demand == 7


def test_a_well_covered_segment_is_no_gap_and_old_demand_is_not_counted(session):
    for i in range(3):
        ref(session, f"Bank{i}", industry="Banking", country="DE")
    searched(session, "bank in Germany", {"industry": "Banking", "country": "DE"}, unmatched=False)
    searched(session, "insurer in France", {"industry": "Insurance", "country": "FR"}, ago_days=200)
    assert gaps(session).gaps == ()
    old = gaps(session, since=NOW - dt.timedelta(days=365))
    assert [g.label for g in old.gaps] == ["Financial Services · France"]


def test_fatigued_references_count_as_resting_not_available(session):
    _, tired = ref(session, "Bank1", industry="Banking", country="DE")
    ref(session, "Bank2", industry="Banking", country="DE", status=ContactStatus.opted_out)  # never offered
    session.add_all([Activity(contact_id=tired.id, occurred_on=dt.date(2026, 11, d), type=ActivityType.call)
                     for d in (2, 20)])
    searched(session, "bank in Germany", {"industry": "Banking", "country": "DE"})
    gap = gaps(session).gaps[0]
    assert (gap.available, gap.resting) == (0, 1)


def test_segments_read_family_place_size_band_and_seniority(session):
    ref(session, "BigBank", industry="Retail Banking", country="DE", employees=8000, seniority=Seniority.vp)
    ref(session, "SmallBank", industry="Banking", country="DE", employees=300, seniority=Seniority.vp)
    searched(session, "VP at a bank in Germany, 5000 people",
             {"industry": "Banking", "country": "DE", "employees": 6000, "seniority": "vp"})
    searched(session, "CFO at a bank in Germany, 5000 people",
             {"industry": "Banking", "country": "DE", "employees": 6000, "seniority": "c_level"})
    searched(session, "bank in EMEA", {"industry": "Bank", "region": "EMEA"})
    by_label = {g.label: g for g in gaps(session).gaps}
    assert by_label["Financial Services · Germany · 5,000–19,999 employees · VP"].available == 1
    assert by_label["Financial Services · Germany · 5,000–19,999 employees · C-level"].available == 0
    assert by_label["Financial Services · EMEA"].available == 2


def test_channel_asks_and_requests_are_demand(session):
    ask = ChannelAsk(channel_id="C1", message_ts="1.1", user_id=data.SELLER, query="anyone have a hospital in Spain?",
                     criteria={"industry": "Hospital", "country": "ES"}, created_at=NOW - dt.timedelta(days=2))
    session.add(ask)
    opp = data.opportunity(session, "Initech")
    opp.industry, opp.country = "Healthcare", "ES"
    data.request(session, opp=opp, scheduled_at=None, created_at=NOW - dt.timedelta(days=3))
    [gap] = gaps(session).gaps
    assert gap.label == "Healthcare & Life Sciences · Spain"
    assert (gap.asks, gap.requests, gap.demand) == (1, 1, 2)
    assert gap.examples == ("anyone have a hospital in Spain?",)


def test_a_real_search_lands_in_its_segment(session):
    ref(session, "Shopco", industry="Retail", country="US")
    session.commit()
    search_text(session=session, text="bank in Germany", today=NOW.date(), user_id=data.SELLER, now=NOW)
    gap = gaps(session).gaps[0]
    assert gap.label == "Financial Services · Germany" and gap.unmatched == 1


def test_recruits_are_fitting_accounts_without_an_active_contact_and_owners_are_asked_once(session):
    ref(session, "Bank1", industry="Banking", country="DE", status=ContactStatus.opted_out)
    bare = Account(external_id="A-bare", name="Deutsche Beispielbank", industry="Banking", country="DE",
                   owner_id="UOWNER2", employees=50_000)
    session.add(bare)
    ref(session, "Bank3", industry="Banking", country="FR")  # other country: not a fit
    searched(session, "bank in Germany", {"industry": "Banking", "country": "DE"})
    gap = gaps(session).gaps[0]
    assert [r.name for r in gap.recruits] == ["Deutsche Beispielbank", "Bank1"]
    assert not gap.recruits[0].asked

    blocks = coverage_home(gaps(session))
    button = next(b["accessory"] for b in blocks if b.get("accessory"))
    account_id, key = load_button(button["value"])
    with pytest.raises(NotAllowed):
        coverage.ask_owner_to_nominate(session=session, account_id=account_id, segment_key=key, actor_id="UX",
                                       is_admin=False, now=NOW)
    first = coverage.ask_owner_to_nominate(session=session, account_id=account_id, segment_key=key,
                                           actor_id=data.ADMIN, is_admin=True, now=NOW)
    again = coverage.ask_owner_to_nominate(session=session, account_id=account_id, segment_key=key,
                                           actor_id=data.ADMIN, is_admin=True, now=NOW)
    assert first.queued and not again.queued and first.owner_id == "UOWNER2"
    dms = session.query(OutboxMessage).filter(OutboxMessage.channel == "UOWNER2").all()
    assert len(dms) == 1 and "Financial Services · Germany" in json.dumps(dms[0].payload, ensure_ascii=False)
    assert gaps(session).gaps[0].recruits[0].asked


def test_home_section_stays_small(session):
    for i in range(30):
        searched(session, f"thing {i}", {"industry": f"Industry{i}", "country": "DE"})
        session.add(Account(external_id=f"A{i}", name=f"Acc{i}", industry=f"Industry{i}", country="DE",
                            owner_id="UOWNER"))
    result = gaps(session)
    assert result.total == 30
    blocks = coverage_home(result, max_gaps=3, max_recruits=2)
    assert len(blocks) <= 1 + 3 * 3 + 1 and "27 more" in json.dumps(blocks)


@pytest.fixture
def offline(monkeypatch, offline_env):
    monkeypatch.setenv("REFBOT_TIMEZONE", "Europe/Berlin")


def test_cli_lists_gaps_and_refuses_a_bad_date(offline, database, capsys):
    with database.unit_of_work() as s:
        s.add(SearchLog(user_id="U1", query="bank in Germany", criteria={"industry": "Banking", "country": "DE"},
                        unmatched=True, created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)))
    assert cli.main(["gaps"]) == 0
    out = capsys.readouterr().out
    assert "1. Financial Services · Germany" in out and "“bank in Germany”" in out
    assert cli.main(["gaps", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gaps"][0]["unmatched"] == 1
    assert cli.main(["gaps", "--since", "yesterday"]) == 1
    assert "not a date" in capsys.readouterr().err


def test_named_places_size_words_and_or_higher_read_as_the_search_meant_them(session):
    ref(session, "ViennaBank", industry="Banking", country="AT", employees=2500, seniority=Seniority.c_level)
    ref(session, "ParisBank", industry="Banking", country="FR", employees=2500, seniority=Seniority.vp)
    # "FSI in DACH, mid-market, VP or higher", as the parser reads it
    searched(session, "FSI in DACH mid-market VP+", {
        "industry_family": "Financial Services", "countries": ["AT", "CH", "DE"], "place": "DACH",
        "employees_min": 1000, "employees_max": 4999, "seniority": "vp", "seniority_or_higher": True})
    [gap] = gaps(session).gaps
    assert gap.label == "Financial Services · DACH · 1,000–4,999 employees · VP or higher"
    assert gap.available == 1  # the Austrian C-level; not the French bank
    assert coverage.Segment.from_key(gap.segment.key) == gap.segment


def test_the_monthly_digest_charts_the_same_gaps_for_its_month(session):
    from refbot.services import digest

    ref(session, "Shopco", industry="Retail", country="US")
    for i, q in enumerate(["bank in Germany", "german banks", "a bank in DE"]):
        searched(session, q, {"industry": "Banking", "country": "DE"}, ago_days=i + 1)
    searched(session, "bank in Germany last quarter", {"industry": "Banking", "country": "DE"}, ago_days=60)
    session.commit()
    rows = digest.coverage_by_segment(session=session, since=NOW - dt.timedelta(days=30), until=NOW)
    assert rows == [{"segment": "Financial Services · Germany", "demand": 3, "supply": 0}]
