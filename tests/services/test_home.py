import datetime as dt
import zoneinfo

from refbot.domain import ActivityType, NominationStatus, PointsReason
from refbot.domain import RequestStatus as S
from refbot.models import Activity, ChannelAsk, Debrief, Nomination, ReferenceRequest, SearchLog
from refbot.services import home
from refbot.services.points import award
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def many_requests(session, n, *, status=S.pending_approval, requester=data.SELLER, created=None):
    contact = data.contact(session, data.account(session, "Globex"))
    opp = data.opportunity(session)
    session.add_all([
        ReferenceRequest(opportunity_id=opp.id, contact_id=contact.id, account_id=contact.account_id,
                         requester_id=requester, owner_id=data.OWNER, needed_by=dt.date(2026, 12, 1) + dt.timedelta(i % 20),
                         status=status, created_at=created or NOW - dt.timedelta(hours=i))
        for i in range(n)
    ])
    session.commit()
    return contact


def test_seller_sees_open_requests_capped_with_the_total_and_debriefs_waiting(session):
    many_requests(session, 500)
    past = data.request(session, scheduled_at=NOW - dt.timedelta(days=1))  # call yesterday, no debrief
    data.request(session, scheduled_at=NOW + dt.timedelta(days=1))  # call tomorrow: not waiting yet
    filed = data.request(session, scheduled_at=NOW - dt.timedelta(days=2), status=S.completed)
    session.add(Debrief(request_id=filed.id, filed_by=data.SELLER, filed_at=NOW))
    data.request(session, scheduled_at=NOW - dt.timedelta(days=3), status=S.scheduled, requester_id="USOMEONE")
    session.commit()
    seller = home.seller_home(session=session, user_id=data.SELLER, now=NOW, tz=BERLIN)
    assert seller.open_total == 502 and len(seller.open_requests) == home.LIST_LIMIT
    assert seller.debriefs_total == 1 and [r.id for r in seller.debriefs] == [past.id]
    assert seller.quarter == "Q4 2026" and seller.rank is None and seller.points == 0


def test_points_and_rank_count_this_quarter_only(session):
    award(session=session, reason=PointsReason.manual, source_key="old", user_id=data.SELLER, points=50,
          now=dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC))
    award(session=session, reason=PointsReason.debrief_on_time, source_key="a", user_id=data.SELLER, now=NOW)
    award(session=session, reason=PointsReason.nomination_accepted, source_key="b", user_id="UTOP", now=NOW)
    session.commit()
    seller = home.seller_home(session=session, user_id=data.SELLER, now=NOW, tz=BERLIN)
    assert (seller.points, seller.rank, seller.ranked) == (5, 2, 2)


def test_account_owners_see_their_approvals_and_accounts_activity(session):
    assert home.owner_home(session=session, user_id=data.OWNER, now=NOW, tz=BERLIN) is None
    contact = many_requests(session, 12)
    upcoming = data.request(session, scheduled_at=NOW + dt.timedelta(days=2), contact_=contact)
    data.request(session, scheduled_at=NOW - dt.timedelta(days=2), contact_=contact)  # past: not upcoming
    session.add(Activity(contact_id=contact.id, occurred_on=dt.date(2026, 11, 20), type=ActivityType.call))
    session.add(Activity(contact_id=contact.id, occurred_on=dt.date(2026, 9, 1), type=ActivityType.video))
    session.commit()
    owner = home.owner_home(session=session, user_id=data.OWNER, now=NOW, tz=BERLIN)
    assert owner.approvals_total == 12 and len(owner.approvals) == home.LIST_LIMIT
    assert owner.approvals[0].created_at <= owner.approvals[-1].created_at  # oldest first
    assert [r.id for r in owner.upcoming] == [upcoming.id] and owner.upcoming_total == 1
    assert [(a.activity, a.day) for a in owner.recent] == [(ActivityType.call, dt.date(2026, 11, 20))]
    assert home.owner_home(session=session, user_id=data.SELLER, now=NOW, tz=BERLIN) is None


def test_program_managers_see_the_queues_and_the_quarter(session):
    many_requests(session, 3, created=NOW - dt.timedelta(hours=30))  # older than the 24 h reminder
    many_requests(session, 2, created=NOW - dt.timedelta(hours=1))
    data.request(session, scheduled_at=NOW - dt.timedelta(hours=5))  # missing debrief (delay 2 h)
    data.request(session, scheduled_at=NOW - dt.timedelta(hours=1))  # too early to call it missing
    limited = data.contact(session, data.account(session, "Initech"), "Fox Mulder", max_per_quarter=1)
    session.add(Activity(contact_id=limited.id, occurred_on=dt.date(2026, 11, 2), type=ActivityType.call))
    session.add(Nomination(nominator_id="UNOM", account_name="Hooli", contact_name="Gavin", why="x",
                           status=NominationStatus.pending, dedupe_key="k", created_at=NOW))
    session.add_all([SearchLog(query="bank germany", unmatched=True, created_at=NOW - dt.timedelta(days=1)),
                     SearchLog(query="Bank  Germany", unmatched=True, created_at=NOW - dt.timedelta(days=2)),
                     SearchLog(query="old", unmatched=True, created_at=NOW - dt.timedelta(days=40)),
                     ChannelAsk(channel_id="C1", message_ts="1.1", created_at=NOW - dt.timedelta(days=3))])
    session.commit()
    admin = home.admin_home(session=session, now=NOW, tz=BERLIN, default_channel="C0SALES")
    assert admin.aging_total == 3 and admin.aging_hours == 24
    assert admin.missing_total == 1
    assert [(c.contact_name, c.uses, c.limit) for c in admin.at_limit] == [("Fox Mulder", 1, 1)]
    assert admin.nominations_total == 1 and admin.nominations[0].account_is_new
    assert (admin.unmatched_total, admin.unmatched_queries) == (2, ("bank germany",))
    assert admin.channel_asks == 1
    assert admin.kpis.requests == 7 and admin.kpis.calls == 1 and admin.quarter == "Q4 2026"
    assert admin.leaderboard_channel == "<#C0SALES>"
