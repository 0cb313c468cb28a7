"""CRM sync benchmark: a full sync of 50k reference accounts, 200k contacts and 100k opportunities from the
local Salesforce stand-in, through the real simple-salesforce client, then an incremental sync with 1%
of each changed.

    python bench/bench_crm_sync.py              # the full size (a few minutes on 2 cores)
    python bench/bench_crm_sync.py --scale 0.1  # a tenth of it

The stand-in runs in a child process (so the figures are the sync's own: wall time, records per second,
the syncing process's peak RSS), serving pages of 2,000 records over HTTPS on 127.0.0.1. The database is
a fresh SQLite file; owners match 200 Slack users in the Slack stand-in. Bounded: the run aborts after
--timeout seconds (default 1,800). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 18
COUNTRIES = ["Germany", "United States", "France", "United Kingdom", "Japan", "Brazil", "India", "Canada", "DE", "US"]
INDUSTRIES = ["Banking", "Insurance", "Technology", "Retail", "Healthcare", "Manufacturing"]
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote",
          "Negotiation/Review"]


def serve(conn: Any, sizes: dict[str, int]) -> None:
    """Child process: build the org in the stand-in, answer commands until told to stop."""
    from tests.support.salesforce_api import SalesforceAPIStub, sf_datetime

    rng = random.Random(SEED)
    sf = SalesforceAPIStub(batch_size=2000).start()
    stamp = sf_datetime(sf.now)
    records = sf.state.records

    def put(obj: str, **values: Any) -> str:
        rid = sf.new_id(obj)
        records[obj][rid] = {"Id": rid, **values, "SystemModstamp": stamp}
        return rid

    users = [put("User", Name=f"Owner {i}", Email=f"owner{i}@acme.test", IsActive=True) for i in range(sizes["users"])]
    refs = [put("Account", Name=f"Customer {i}", Type="Customer - Direct", Industry=rng.choice(INDUSTRIES),
                NumberOfEmployees=rng.randint(50, 200_000), AnnualRevenue=rng.randint(1, 5000) * 1e6,
                BillingCountry=rng.choice(COUNTRIES), OwnerId=rng.choice(users)) for i in range(sizes["accounts"])]
    prospects = [put("Account", Name=f"Prospect {i}", Type="Prospect", Industry=rng.choice(INDUSTRIES),
                     NumberOfEmployees=rng.randint(50, 200_000), BillingCountry=rng.choice(COUNTRIES),
                     OwnerId=rng.choice(users)) for i in range(sizes["accounts"] // 5)]
    for i in range(sizes["contacts"]):
        put("Contact", AccountId=refs[i % len(refs)], Name=f"Person {i}", Title=rng.choice(["CIO", "VP Finance", "CTO"]),
            Email=f"person{i}@customer.example", Phone="+1 555 0100")
    for i in range(sizes["opportunities"]):
        closed = i % 10 == 0
        put("Opportunity", Name=f"Deal {i}", AccountId=rng.choice(prospects), StageName=rng.choice(STAGES),
            Amount=float(rng.randint(10, 2000) * 1000), CloseDate="2026-12-15", IsClosed=closed,
            IsWon=closed and i % 20 == 0, OwnerId=rng.choice(users))
    sf.tick()
    conn.send({"url": sf.base_url, "ca": sf.ca_file, "users": len(users)})
    while True:
        command = conn.recv()
        if command == "stop":
            break
        if command == "busy":
            conn.send(sf.busy_seconds)
            continue
        if command == "touch":  # 1% of each object changes
            with sf.lock:
                now = sf_datetime(sf.tick())
                for obj in ("Account", "Contact", "Opportunity"):
                    ids = list(records[obj])
                    for rid in rng.sample(ids, max(1, len(ids) // 100)):
                        records[obj][rid]["SystemModstamp"] = now
                        if obj == "Account":
                            records[obj][rid]["NumberOfEmployees"] = rng.randint(50, 200_000)
            conn.send("ok")
    sf.stop()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    sizes = {"users": 200, "accounts": int(50_000 * args.scale), "contacts": int(200_000 * args.scale),
             "opportunities": int(100_000 * args.scale)}
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("benchmark timed out")))
    signal.alarm(args.timeout)

    from refbot import db as dbmod
    from refbot.clock import Clock
    from refbot.config import CoreSettings
    from refbot.playground.slack_api import SlackAPIStub
    from refbot.services import crm_sync
    from tests.support import salesforce_api as sfapi

    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=serve, args=(child, sizes), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    info = parent.recv()
    print(f"stand-in ready in {time.perf_counter() - t0:.1f} s: {sizes['accounts']:,} reference accounts "
          f"(+{sizes['accounts'] // 5:,} prospects), {sizes['contacts']:,} contacts, "
          f"{sizes['opportunities']:,} opportunities, {sizes['users']} users")
    os.environ["REQUESTS_CA_BUNDLE"] = info["ca"]
    tmp = tempfile.TemporaryDirectory(prefix="bench-crm-")
    url = f"sqlite:///{tmp.name}/bench.db"
    dbmod.upgrade(url)
    database = dbmod.Database(url)
    try:
        with SlackAPIStub() as slack:
            for i in range(info["users"]):
                slack.add_user(f"U{i:05d}", f"owner{i}", email=f"owner{i}@acme.test")
            from slack_sdk import WebClient

            client = WebClient(token="xoxb-bench", base_url=slack.base_url)
            settings = CoreSettings(_env_file=None, database_url=url, salesforce_instance_url=info["url"],
                                    salesforce_client_id=sfapi.CLIENT_ID, salesforce_client_secret=sfapi.CLIENT_SECRET,
                                    salesforce_account_filter="Type = 'Customer - Direct'")
            rss0 = peak_rss_mb()
            for label, touch in (("full sync", False), ("incremental, 1% changed", True)):
                if touch:
                    parent.send("touch")
                    parent.recv()
                parent.send("busy")
                busy0 = parent.recv()
                start = time.perf_counter()
                result = crm_sync.sync_configured(db=database, settings=settings, slack=client, clock=Clock())
                took = time.perf_counter() - start
                parent.send("busy")
                served = parent.recv() - busy0
                applied = sum(r.applied for r in result.objects)
                per = ", ".join(f"{r.obj.value} {r.applied:,}" for r in result.objects)
                print(f"{label}: {took:.1f} s (the stand-in answering: {served:.1f} s), {applied:,} records "
                      f"({applied / took:,.0f}/s): {per}; "
                      f"peak RSS {peak_rss_mb():.0f} MB (before: {rss0:.0f} MB)"
                      + ("" if result.ok else f"; ERROR {result.error}"))
    finally:
        parent.send("stop")
        proc.join(10)
        database.dispose()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
