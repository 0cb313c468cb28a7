"""The demo program: big and varied enough to try every feature, deterministic, and safe to load again."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
import sqlalchemy as sa

from refbot.domain import Seniority
from refbot.errors import ValidationFailed
from refbot.models import Account, Activity, Contact
from refbot.services.demo import generate, load_demo
from refbot.services.imports import import_files

TODAY = dt.date(2026, 11, 23)


def load(database, **kwargs):
    with database.unit_of_work() as session:
        return load_demo(session=session, today=kwargs.pop("today", TODAY), **kwargs)


def all_of(database, model):
    with database.sessionmaker() as s:
        return list(s.scalars(sa.select(model)))


@pytest.fixture
def demo(database):
    report = load(database)
    return report, all_of(database, Account), all_of(database, Contact), all_of(database, Activity)


def test_demo_program_is_big_and_varied(demo):
    report, accounts, contacts, activities = demo
    assert len(accounts) >= 200 and len(contacts) >= 600
    industries = Counter(a.industry for a in accounts)
    assert len(industries) == 12 and min(industries.values()) >= 10
    assert {"Banking", "Insurance", "Healthcare", "Public Sector", "Software"} <= set(industries)
    regions = Counter(a.region for a in accounts)
    assert set(regions) == {"NA", "LATAM", "EMEA", "APAC"} and min(regions.values()) >= 15
    assert len({a.country for a in accounts}) >= 15
    sizes = sorted(a.employees for a in accounts)
    assert sizes[0] >= 50 and sizes[-1] <= 200_000
    assert sum(s < 1_000 for s in sizes) >= 30 and sum(s > 20_000 for s in sizes) >= 30  # log-spread, small and huge
    for a in accounts:  # revenue in line with size
        assert 50_000 <= a.annual_revenue / a.employees <= 1_300_000, (a.name, a.employees, a.annual_revenue)
        assert a.products and set(a.products) <= {"Payments", "Analytics", "Identity", "Data Platform", "Support Cloud"}
        assert a.use_cases and a.owner_id.startswith("UOWNER")
    assert len({a.name for a in accounts}) == len(accounts)
    assert sum(1 for a in accounts if a.competitor_replaced) > 50
    assert report.imported.summary().startswith("Imported 220 accounts (220 new, 0 updated, 0 unchanged), 660 contacts")


def test_demo_contacts_look_like_people_at_those_companies(demo):
    _, accounts, contacts, _ = demo
    by_id = {a.id: a for a in accounts}
    assert {a.id for a in accounts} == {c.account_id for c in contacts}  # every account has someone to call
    seniority = Counter(c.seniority for c in contacts)
    assert set(seniority) == set(Seniority)  # derived from titles, every level present
    assert Counter(c.persona for c in contacts).keys() == {"business", "technical"}
    for c in contacts:
        assert c.email.endswith(".example.com") and "@" in c.email
        assert c.phone.startswith("+") and " 555 " in c.phone
        assert "call" in c.activities and c.topics and c.timezone
    assert len({c.email for c in contacts}) == len(contacts)
    german = [c for c in contacts if by_id[c.account_id].country == "DE"]
    assert german and all(c.languages[0] == "German" and c.timezone == "Europe/Berlin" for c in german)
    japanese = [c for c in contacts if by_id[c.account_id].country == "JP"]
    assert japanese and all(c.languages[0] == "Japanese" for c in japanese)


def test_demo_has_a_year_of_history_with_fatigue_and_opt_outs(demo):
    report, _, contacts, activities = demo
    statuses = Counter(c.status for c in contacts)
    assert 0.02 <= statuses["opted_out"] / len(contacts) <= 0.08
    assert statuses["paused"] > 0
    ages = [(TODAY - a.occurred_on).days for a in activities]
    assert min(ages) >= 1 and max(ages) <= 365
    assert len(activities) >= len(contacts)  # a busy program
    last_90 = Counter(a.contact_id for a in activities if (TODAY - a.occurred_on).days < 90)
    fatigued = {c for c, n in last_90.items() if n >= 2}
    assert len(fatigued) >= 20
    assert len({a.contact_id for a in activities if (TODAY - a.occurred_on).days < 30}) >= 10
    assert all(a.occurred_on.weekday() < 5 for a in activities)
    opted_out = {c.id for c in contacts if c.status == "opted_out"}
    assert not any(a.contact_id in opted_out and (TODAY - a.occurred_on).days < 90 for a in activities)
    assert report.fatigued == len(fatigued) and report.opted_out == statuses["opted_out"]
    lines = report.lines()
    assert lines[0].startswith("Demo program loaded: 220 accounts")
    assert f"{len(fatigued)} fatigued (2+ activities in the last 90 days)" in lines[2]


def test_same_seed_same_program_other_seed_other_program():
    first = generate(today=TODAY, seed=3, accounts=50, contacts=120)
    assert generate(today=TODAY, seed=3, accounts=50, contacts=120) == first
    assert generate(today=TODAY, seed=4, accounts=50, contacts=120)["accounts.csv"] != first["accounts.csv"]


def test_loading_the_demo_again_changes_nothing(database, demo):
    _, accounts, _, activities = demo
    report = load(database)
    assert report.imported.summary() == (
        f"Imported 220 accounts (0 new, 0 updated, 220 unchanged), 660 contacts (0 new, 0 updated, 660 unchanged), "
        f"{len(activities):,} activities (0 new, 0 updated, {len(activities):,} unchanged)."
    )
    assert {a.external_id: a.updated_at for a in all_of(database, Account)} == {
        a.external_id: a.updated_at for a in accounts}


def test_loading_the_demo_a_month_later_moves_its_history_without_doubling_it(database, demo):
    _, _, contacts, activities = demo
    # a real activity logged through an import meanwhile must survive
    with database.unit_of_work() as s:
        import_files(session=s, files=[("a.csv", f"contact_id,date,type\n{contacts[0].external_id},2026-11-20,call\n")])
    later = TODAY + dt.timedelta(days=30)
    report = load(database, today=later)
    after = all_of(database, Activity)
    assert report.removed_activities > 0
    assert len(after) == len(activities) + 1 + report.imported.counts["activities"].new - report.removed_activities
    demo_ages = [(later - a.occurred_on).days for a in after if a.source == "demo"]
    assert min(demo_ages) >= 1 and max(demo_ages) <= 365
    assert any(a.source == "import" and a.occurred_on == dt.date(2026, 11, 20) for a in after)
    assert len(all_of(database, Contact)) == 660


def test_owner_option_gives_every_account_to_the_person_trying_it(database):
    report = load(database, accounts=24, contacts=40, owner="U123ME")
    assert {a.owner_id for a in all_of(database, Account)} == {"U123ME"}
    assert "Every account is owned by U123ME" in report.lines()[-1]
    assert len(all_of(database, Contact)) == 40


def test_big_demo_names_stay_unique(database):
    files = generate(today=TODAY, accounts=3000, contacts=3000, seed=1)
    names = [line.split(",")[1] for line in files["accounts.csv"].splitlines()[1:]]
    assert len(set(names)) == len(names) == 3000
    employees = [int(line.split(",")[3]) for line in files["accounts.csv"].splitlines()[1:]]
    median = sorted(employees)[len(employees) // 2]
    assert 0.3 < math.log(median / 50) / math.log(200_000 / 50) < 0.7  # log-uniform: median near the geometric middle


def test_demo_never_mixes_into_a_real_program(database):
    with database.unit_of_work() as s:
        import_files(session=s, files=[("a.csv", "account_id,name\nACC-1,Real Customer\n")])
    with pytest.raises(ValidationFailed) as info:
        load(database)
    assert "already holds your own accounts (ACC-1…)" in info.value.message
    assert [a.external_id for a in all_of(database, Account)] == ["ACC-1"]
    assert all_of(database, Contact) == []
