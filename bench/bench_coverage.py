"""Coverage gaps benchmark: `coverage_gaps` (the program manager's Home and `refbot gaps`) over a synthetic
program in a SQLite file: 10,000 contacts at 2,500 accounts, 2,000 activities, 5,000 searches, 500 channel
asks, 90 days.

    python bench/bench_coverage.py [contacts]

Prints the time of one full computation (median of 5), after one warm-up run. Not a test: figures depend
on the machine.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refbot import db as dbmod  # noqa: E402
from refbot.domain import ActivityType, ContactStatus, Seniority  # noqa: E402
from refbot.models import Account, Activity, ChannelAsk, Contact, SearchLog  # noqa: E402
from refbot.services.coverage import coverage_gaps  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
INDUSTRIES = ["Banking", "Insurance", "Healthcare", "Software", "Retail", "Manufacturing", "Utilities", "Logistics",
              "Media", "Consulting", "Government", "Mining", "Telecommunications", "Biotech"]
COUNTRIES = ["DE", "FR", "GB", "US", "CA", "BR", "JP", "AU", "IN", "ES", "IT", "NL", "SE", "AT", "CH"]


def build(url: str, contacts: int, rng: random.Random) -> None:
    dbmod.upgrade(url)
    database = dbmod.Database(url)
    with database.unit_of_work() as s:
        accounts = [Account(external_id=f"A{i}", name=f"Account {i}", industry=rng.choice(INDUSTRIES),
                            country=rng.choice(COUNTRIES), employees=rng.choice([50, 400, 2500, 8000, 40000]),
                            owner_id=f"U{i % 40}") for i in range(contacts // 4)]
        s.add_all(accounts)
        s.flush()
        people = [Contact(external_id=f"C{i}", name=f"Person {i}", account_id=accounts[i % len(accounts)].id,
                          seniority=rng.choice(list(Seniority)), status=ContactStatus.active) for i in range(contacts)]
        s.add_all(people)
        s.flush()
        s.add_all([Activity(contact_id=rng.choice(people).id, type=ActivityType.call,
                            occurred_on=NOW.date() - dt.timedelta(days=rng.randint(0, 120))) for _ in range(2000)])
        for i in range(5000):
            crit: dict[str, object] = {"industry": rng.choice(INDUSTRIES), "country": rng.choice(COUNTRIES)}
            if rng.random() < 0.5:
                crit["seniority"] = rng.choice(list(Seniority)).value
            if rng.random() < 0.3:
                crit["employees"] = rng.choice([300, 3000, 30000])
            s.add(SearchLog(user_id=f"S{i % 200}", query=f"search {i}", criteria=crit, unmatched=rng.random() < 0.3,
                            created_at=NOW - dt.timedelta(days=rng.randint(0, 89))))
        for i in range(500):
            s.add(ChannelAsk(channel_id="C1", message_ts=f"{i}.0", query=f"ask {i}",
                             criteria={"industry": rng.choice(INDUSTRIES), "country": rng.choice(COUNTRIES)},
                             created_at=NOW - dt.timedelta(days=rng.randint(0, 89))))
    database.dispose()


def main() -> None:
    contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        build(url, contacts, random.Random(20261123))
        database = dbmod.Database(url)
        tz = zoneinfo.ZoneInfo("Europe/Berlin")
        times = []
        for i in range(6):
            with database.unit_of_work(read_only=True) as s:
                start = time.perf_counter()
                result = coverage_gaps(session=s, now=NOW, tz=tz, limit=3)
                if i:
                    times.append(time.perf_counter() - start)
        database.dispose()
    print(f"{contacts:,} contacts, 5,000 searches, 500 asks: {result.total:,} gaps; "
          f"coverage_gaps median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
