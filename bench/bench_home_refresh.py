"""What a decision costs in Home tab refreshes: the owner clicks Approve on a request's DM (through the real
Bolt app, against the local Slack Web API stand-in over HTTP, on a SQLite file), with 1, 5 and 20 program
managers. Every committed change republishes the Home tabs it makes stale (refbot.handlers.home_tab); this
prints the milliseconds per decision (the click's whole handling: the transition, the seller's DM, the
approval DM's edit and the Home tabs republished) and how many Home tabs each decision republished.

    python bench/bench_home_refresh.py [decisions per size]

Two kinds of request: an ordinary one (no program manager's queue holds it) and a flagged one (a resting
contact: it waits in the program managers' "Flagged requests" queue until decided). Not a test: figures
depend on the machine.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refbot import db as dbmod  # noqa: E402
from refbot.clock import FrozenClock  # noqa: E402
from refbot.config import Settings  # noqa: E402
from refbot.context import build_context  # noqa: E402
from refbot.domain import ActivityType  # noqa: E402
from refbot.domain import RequestStatus as S  # noqa: E402
from refbot.models import Account, Contact, Opportunity, ReferenceRequest  # noqa: E402
from refbot.playground.payloads import block_actions, dispatch  # noqa: E402
from refbot.playground.slack_api import SlackAPIStub  # noqa: E402
from refbot.services.requests import RequestEnv  # noqa: E402
from refbot.services.requests.approvals import notify_created  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
SECRET = "bench-signing-secret"
OWNER, SELLER = "UOWNER", "USELLER"


def run(admins: int, decisions: int, *, flagged: bool, tmp: Path) -> tuple[float, float]:
    """(median ms per decision, Home tabs republished per decision)."""
    url = f"sqlite:///{tmp / f'home_{admins}_{flagged}.db'}"
    dbmod.upgrade(url)
    pms = [f"UPM{i:02d}" for i in range(admins)]
    with SlackAPIStub() as slack:
        for uid, name in [(OWNER, "Olivia Owner"), (SELLER, "Sam Seller"), *((pm, f"PM {pm}") for pm in pms)]:
            slack.add_user(uid, name, tz="Europe/Berlin")
        settings = Settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                            slack_api_url=slack.base_url, database_url=url, refbot_timezone="Europe/Berlin",
                            refbot_admins=pms)
        database = dbmod.Database(url)
        ctx = build_context(settings, clock=FrozenClock(NOW), db=database)
        from refbot.slack_app import create_app

        app = create_app(settings, context=ctx, process_before_response=True)
        with database.unit_of_work() as s:
            account = Account(external_id="A1", name="Globex", owner_id=OWNER)
            s.add(account)
            contacts = [Contact(external_id=f"C{i}", name=f"Dana {i}", title="CFO", account=account)
                        for i in range(decisions)]
            deal = Opportunity(prospect_company="Initech", stage="evaluation")
            s.add_all([*contacts, deal])
            s.flush()
            ids = []
            for c in contacts:
                r = ReferenceRequest(
                    opportunity_id=deal.id, contact_id=c.id, account_id=account.id, requester_id=SELLER,
                    owner_id=OWNER, activity_type=ActivityType.call, needed_by=dt.date(2026, 12, 10),
                    status=S.pending_approval, flagged=flagged, justification="only one" if flagged else None,
                    created_at=NOW - dt.timedelta(minutes=30), updated_at=NOW)
                s.add(r)
                s.flush()
                ids.append(r.id)
        for request_id in ids:
            with database.unit_of_work() as s:
                notify_created(session=s, env=RequestEnv.from_ctx(ctx), request=s.get(ReferenceRequest, request_id),
                               tell_seller=False)
        for uid in [OWNER, SELLER, *pms]:  # everyone has a Home on record
            from refbot.handlers.home_tab import publish_home

            publish_home(ctx, ctx.client, uid)
        dms = {c.args["metadata"]["event_payload"]["key"]: c.response["ts"] for c in slack.messages_to(OWNER)}
        times, publishes = [], []
        for request_id in ids:
            message = slack.message(OWNER, dms[f"request:{request_id}:approval_dm"])
            before = len(slack.calls("views.publish"))
            start = time.perf_counter()
            assert dispatch(app, block_actions("request_approve", user_id=OWNER, message=message)).status == 200
            times.append((time.perf_counter() - start) * 1000)
            publishes.append(len(slack.calls("views.publish")) - before)
        database.dispose()
    return statistics.median(times), statistics.mean(publishes)


def main() -> None:
    decisions = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"{'program managers':>16} | {'request':>8} | {'ms per decision (median)':>24} | Home tabs republished")
    with tempfile.TemporaryDirectory() as tmp:
        for admins in (1, 5, 20):
            for flagged in (False, True):
                ms, homes = run(admins, decisions, flagged=flagged, tmp=Path(tmp))
                print(f"{admins:>16} | {'flagged' if flagged else 'ordinary':>8} | {ms:>24.1f} | {homes:.1f}")


if __name__ == "__main__":
    main()
