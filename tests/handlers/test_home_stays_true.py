"""Issue 16: every Home tab a decision concerns is republished, wherever the decision was made; the owner's
and the program manager's rows say what they need to decide; cut lists lead somewhere; the flagged-request DM
has buttons. Through the real Bolt app and the Slack stand-in, asserting what each person sees."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.domain import RequestStatus as S
from refbot.models import ReferenceRequest
from refbot.playground.slack_api import texts_of
from refbot.services.requests import RequestEnv
from refbot.services.requests.approvals import notify_created
from tests import loop_data as data
from tests.loop_data import open_home
from tests.support.payloads import block_actions, dispatch, plain_value, view_submission

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PM2 = "UPM2"


@pytest.fixture(autouse=True)
def people(slack_api):
    data.add_people(slack_api)


def shown(view) -> str:
    return "\n".join(texts_of(view["blocks"]))


def buttons(view, block_prefix: str = "") -> list[str]:
    return [el["text"]["text"] for b in view["blocks"] if b["type"] == "actions"
            and b.get("block_id", "").startswith(block_prefix) for el in b["elements"]]


def asked(ctx, session, *, flagged=False, requester=data.SELLER, minutes=20, contacts=1):
    """A pending request for the owner's Globex account, notified as a real one would be."""
    account = data.account(session, "Globex")
    contact = data.contact(session, account)
    for i in range(contacts - 1):
        data.contact(session, account, f"Other Person {i}")
    request = data.request(session, scheduled_at=None, status=S.pending_approval, contact_=contact,
                           requester_id=requester, created_at=NOW - dt.timedelta(minutes=minutes))
    request.needed_by = dt.date(2026, 12, 10)
    if flagged:
        request.flagged, request.justification = True, "The only CFO on <this> core system"
    session.commit()
    with ctx.db.unit_of_work() as s:
        notify_created(session=s, env=RequestEnv.from_ctx(ctx), request=s.get(ReferenceRequest, request.id),
                       tell_seller=False)
    return request


def test_approving_from_the_dm_takes_the_request_off_the_owners_home_and_updates_the_others(
        bolt_app, slack_api, session, ctx):
    request = asked(ctx, session)
    home = open_home(bolt_app, slack_api, data.OWNER)
    assert "Approvals waiting for you (1)" in shown(home) and "waiting under an hour" in shown(home)
    assert "waiting 0 hours" not in shown(home)
    seller_before = open_home(bolt_app, slack_api, data.SELLER)
    assert "Pending approval" in shown(seller_before) or "waiting for <@UOWNER>" in shown(seller_before)

    dm = slack_api.last_message_to(data.OWNER)
    assert dispatch(bolt_app, block_actions("request_approve", user_id=data.OWNER, message=dm)).status == 200

    owner_home = slack_api.home(data.OWNER)  # republished without the owner opening it again
    assert "Approvals waiting for you (0)" in shown(owner_home) and f"#{request.id}" not in shown(
        owner_home).split("Your accounts")[0]
    assert "Mark scheduled" in [b["accessory"]["text"]["text"] for b in slack_api.home(data.SELLER)["blocks"]
                                if b.get("accessory")]


def test_a_program_manager_deciding_refreshes_the_owners_home(bolt_app, slack_api, session, ctx):
    request = asked(ctx, session, flagged=True)
    open_home(bolt_app, slack_api, data.OWNER)
    pm_home = open_home(bolt_app, slack_api, data.ADMIN)
    assert "Flagged requests (1)" in shown(pm_home)
    dispatch(bolt_app, block_actions("request_decline", str(request.id), data.ADMIN, view=pm_home))
    form = slack_api.last_view()
    assert form["callback_id"] == "request_decline_modal"
    dispatch(bolt_app, view_submission("request_decline_modal", {"reason": {"value": plain_value("Resting")}},
                                       user_id=data.ADMIN, private_metadata=form["private_metadata"]))
    assert session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request.id)) is S.declined
    assert "Approvals waiting for you (0)" in shown(slack_api.home(data.OWNER))
    assert "Flagged requests (1)" not in shown(slack_api.home(data.ADMIN))


def test_the_owners_row_shows_the_resting_flag_the_sellers_reason_and_suggest(bolt_app, slack_api, session, ctx):
    request = asked(ctx, session, flagged=True, contacts=2)
    home = open_home(bolt_app, slack_api, data.OWNER)
    text = shown(home)
    assert "Dana is resting or busy" in text and "The only CFO on &lt;this&gt; core system" in text
    assert buttons(home, f"home_approval_{request.id}") == ["Approve", "Decline", "Suggest another contact"]
    assert "You own these accounts" in text  # why the reader sees it
    dispatch(bolt_app, block_actions("request_suggest", str(request.id), data.OWNER, view=home))
    assert slack_api.last_view()["callback_id"] == "request_suggest_modal"


def test_the_flagged_dm_has_open_approve_decline_and_never_for_the_requester(bolt_app, slack_api, session, ctx,
                                                                               settings):
    request = asked(ctx, session, flagged=True)
    dm = slack_api.last_message_to(data.ADMIN)
    assert "Flagged request" in shown(dm)
    assert buttons(dm) == ["Open", "Approve", "Decline"]
    dispatch(bolt_app, block_actions("request_open", user_id=data.ADMIN, message=dm))
    details = slack_api.last_view()
    assert details["title"]["text"] == f"Request #{request.id}" and "Dana Scully" in shown(details)
    assert "dana@" not in shown(details)
    dispatch(bolt_app, block_actions("request_approve", user_id=data.ADMIN, message=dm))
    assert session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request.id)) is S.approved
    edited = slack_api.message(dm["channel"], dm["ts"])
    assert buttons(edited) == [] and "Approved by <@UADMIN>" in shown(edited)
    # a stranger clicking Open learns privately it is not theirs
    dispatch(bolt_app, block_actions("request_open", str(request.id), "USTRANGER"))
    assert slack_api.last_view()["title"]["text"] == f"Request #{request.id}"  # no new modal for the stranger


def test_a_program_manager_who_asked_gets_no_decision_buttons(bolt_app, slack_api, session, ctx, settings):
    settings.refbot_admins = [data.ADMIN, PM2]
    slack_api.add_user(PM2, "Quinn Manager", tz="Europe/Berlin")
    request = asked(ctx, session, flagged=True, requester=data.ADMIN)
    dm = slack_api.last_message_to(data.ADMIN)
    assert buttons(dm) == [] and "You asked for it" in shown(dm)
    assert buttons(slack_api.last_message_to(PM2)) == ["Open", "Approve", "Decline"]
    home = open_home(bolt_app, slack_api, data.ADMIN)
    assert buttons(home, f"home_flagged_{request.id}") == []


def test_the_program_managers_queues_come_before_their_own_requests(bolt_app, slack_api, session, ctx):
    asked(ctx, session, flagged=True)
    text = shown(open_home(bolt_app, slack_api, data.ADMIN))
    order = [text.index(t) for t in ("Program manager", "Nominations to review", "Flagged requests",
                                     "Your own points and requests", "Your open requests (0)",
                                     "How the program is doing")]
    assert order == sorted(order)
    assert "Black-market" not in text and "Reference asks in channels" in text
    assert "run the reference program" in text


def test_next_and_previous_page_through_a_cut_list(bolt_app, slack_api, session):
    contact = data.contact(session, data.account(session, "Globex"))
    for i in range(12):
        data.request(session, scheduled_at=None, status=S.pending_approval, contact_=contact,
                     created_at=NOW - dt.timedelta(hours=12 - i))
    session.commit()
    home = open_home(bolt_app, slack_api, data.OWNER)
    assert "Showing 1–5 of 12 approvals" in shown(home)
    dispatch(bolt_app, block_actions("home_page", "approvals:5", data.OWNER, view=home))
    page = slack_api.home(data.OWNER)
    assert "Showing 6–10 of 12 approvals" in shown(page) and buttons(page, "home_page_approvals") == [
        "‹ Previous", "Next 2 ›"]
    dispatch(bolt_app, block_actions("home_page", "approvals:999", data.OWNER, view=page))  # stale: page one
    assert "Showing 1–5 of 12 approvals" in shown(slack_api.home(data.OWNER))


def test_full_report_opens_in_a_modal_for_program_managers_only(bolt_app, slack_api):
    home = open_home(bolt_app, slack_api, data.ADMIN)
    dispatch(bolt_app, block_actions("home_report", user_id=data.ADMIN, view=home))
    report = slack_api.last_view()
    assert report["title"]["text"] == "Program report" and "no decisions yet" in shown(report)
    assert "— (0 of 0)" not in shown(report)


def test_a_job_escalating_a_request_puts_it_on_the_program_managers_home(bolt_app, slack_api, session, ctx):
    from refbot.services.requests import escalate

    request = asked(ctx, session, minutes=49 * 60)
    open_home(bolt_app, slack_api, data.ADMIN)
    publishes = len(slack_api.calls("views.publish", user_id=data.ADMIN))
    with ctx.db.unit_of_work() as s:  # what the approval_reminders job does after 48 hours
        assert escalate(session=s, env=RequestEnv.from_ctx(ctx), request_id=request.id) == [data.ADMIN]
    assert len(slack_api.calls("views.publish", user_id=data.ADMIN)) == publishes + 1
    assert f"*#{request.id}*" in shown(slack_api.home(data.ADMIN))


def test_a_click_on_a_home_row_decided_meanwhile_answers_in_a_modal_and_refreshes_the_home(
        bolt_app, slack_api, session, ctx):
    """Home clicks have no channel or response_url: the answer is a modal on the click's trigger (who decided
    and when, in the reader's timezone), never a DM, and the Home is republished without the stale row."""
    request = asked(ctx, session, flagged=True)
    stale = open_home(bolt_app, slack_api, data.OWNER)
    assert buttons(stale, f"home_approval_{request.id}")[:2] == ["Approve", "Decline"]
    dispatch(bolt_app, block_actions("request_approve", user_id=data.ADMIN, message=slack_api.last_message_to(
        data.ADMIN)))
    dms, publishes = len(slack_api.messages_to(data.OWNER)), len(slack_api.calls("views.publish", user_id=data.OWNER))
    for action in ("request_approve", "request_decline"):  # the owner's Home had not caught up yet
        assert dispatch(bolt_app, block_actions(action, str(request.id), data.OWNER, view=stale)).status == 200
        answer = slack_api.last_view()
        assert answer["title"]["text"] == "Already decided" and answer["close"]["text"] == "Close"
        assert shown(answer) == (f"Request #{request.id} was already approved by <@UADMIN> on Mon 23 Nov 2026, "
                                 "10:00 CET. Nothing changed.")
    assert len(slack_api.messages_to(data.OWNER)) == dms  # no DM
    assert slack_api.calls("chat.postEphemeral") == []
    assert len(slack_api.calls("views.publish", user_id=data.OWNER)) == publishes + 2
    assert buttons(slack_api.home(data.OWNER), f"home_approval_{request.id}") == []
    # The modal opens before the Home is rebuilt: the click's trigger lives only 3 s.
    order = [c.method for c in slack_api.calls() if c.method == "views.open"
             or (c.method == "views.publish" and c.args.get("user_id") == data.OWNER)]
    assert order[-2:] == ["views.open", "views.publish"]

    # A trigger that can no longer open a modal: the answer comes as a DM rather than not at all.
    dispatch(bolt_app, block_actions("request_approve", str(request.id), data.OWNER, view=stale, trigger_id="expired"))
    assert len(slack_api.messages_to(data.OWNER)) == dms + 1
    assert "was already approved by <@UADMIN>" in slack_api.last_message_to(data.OWNER)["text"]


def status(session, request_id):
    return session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request_id))


def test_only_the_homes_a_decision_changes_are_republished(bolt_app, slack_api, session, ctx, settings, clock):
    """An ordinary request's decision changes the seller's and the owner's Home, not every program manager's;
    a request in a program manager's queue (flagged, or waiting past the reminder SLA) changes theirs too."""
    settings.refbot_admins = [data.ADMIN, PM2]
    slack_api.add_user(PM2, "Quinn Manager", tz="Europe/Berlin")

    def published(user):
        return len(slack_api.calls("views.publish", user_id=user))

    ordinary = asked(ctx, session)
    pm_before, pm2_before = published(data.ADMIN), published(PM2)
    seller_before, owner_before = published(data.SELLER), published(data.OWNER)
    dispatch(bolt_app, block_actions("request_approve", user_id=data.OWNER, message=slack_api.last_message_to(
        data.OWNER)))
    assert status(session, ordinary.id) is S.approved
    assert (published(data.SELLER), published(data.OWNER)) == (seller_before + 1, owner_before + 1)
    assert (published(data.ADMIN), published(PM2)) == (pm_before, pm2_before)

    flagged = asked(ctx, session, flagged=True)
    assert (published(data.ADMIN), published(PM2)) == (pm_before + 1, pm2_before + 1)  # enters "Flagged requests"
    assert "Flagged requests (1)" in shown(slack_api.home(PM2))
    dispatch(bolt_app, block_actions("request_approve", user_id=data.OWNER, message=slack_api.last_message_to(
        data.OWNER)))
    assert status(session, flagged.id) is S.approved
    assert (published(data.ADMIN), published(PM2)) == (pm_before + 2, pm2_before + 2)  # and leaves it
    assert "Flagged requests (1)" not in shown(slack_api.home(PM2))


def test_a_request_waiting_past_the_reminder_sla_appears_on_the_program_managers_home(bolt_app, slack_api, session,
                                                                                     ctx, clock):
    from refbot.jobs import run_job

    request = asked(ctx, session, minutes=0)
    pm_before = len(slack_api.calls("views.publish", user_id=data.ADMIN))
    clock.advance(hours=25)  # the reminder job runs: the request enters "waiting over 24 h"
    run_job(ctx, "approval_reminders")
    assert len(slack_api.calls("views.publish", user_id=data.ADMIN)) == pm_before + 1
    assert f"*#{request.id}*" in shown(slack_api.home(data.ADMIN))
    dispatch(bolt_app, block_actions("request_approve", user_id=data.OWNER, message=slack_api.last_message_to(
        data.OWNER)))  # the reminder's buttons: decided, it leaves the queue
    assert len(slack_api.calls("views.publish", user_id=data.ADMIN)) == pm_before + 2
    assert f"*#{request.id}*" not in shown(slack_api.home(data.ADMIN))


def test_an_owners_suggestion_reads_take_or_pass_on_the_sellers_home_until_taken(bolt_app, slack_api, session, ctx):
    from tests.support.payloads import static_select

    request = asked(ctx, session, contacts=2)
    open_home(bolt_app, slack_api, data.SELLER)
    dispatch(bolt_app, block_actions("request_suggest", str(request.id), data.OWNER,
                                     message=slack_api.last_message_to(data.OWNER)))
    form = slack_api.last_view()
    other = form["blocks"][1]["element"]["options"][0]["value"]
    dispatch(bolt_app, view_submission("request_suggest_modal", {"contact": {"value": static_select(other)}},
                                       user_id=data.OWNER, private_metadata=form["private_metadata"]))
    home = slack_api.home(data.SELLER)  # republished without the seller opening it
    assert "Suggested by the owner — take them or pass (see my DM)" in shown(home)
    assert not [b for b in home["blocks"] if (b.get("accessory") or {}).get("action_id") == "request_mark_scheduled"]

    dm = slack_api.last_message_to(data.SELLER)
    assert dispatch(bolt_app, block_actions("request_take_suggestion", user_id=data.SELLER, message=dm)).status == 200
    home = slack_api.home(data.SELLER)  # taking the suggestion republishes it again
    assert "take them or pass" not in shown(home) and "then *Mark scheduled*" in shown(home)
