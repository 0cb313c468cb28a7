"""Issue 15, the last part: private refusals are mrkdwn too. A refusal quotes names that users typed (a
nominated contact, a prospect company, an account a nomination created) and RefBot's own mentions
(`<@U…>`): the user's words arrive escaped, RefBot's mentions stay mentions, in a private reply as in a
notice modal. Through the real Bolt app and the Slack stand-in."""

from __future__ import annotations

import json

import sqlalchemy as sa

from refbot.domain import ContactStatus
from refbot.domain import RequestStatus as S
from refbot.models import Contact, Nomination
from refbot.services import nominations
from tests import loop_data as data
from tests.support.payloads import block_actions, dispatch, plain_value, static_select, view_submission

SELLER, OWNER, ADMIN, STRANGER = data.SELLER, data.OWNER, data.ADMIN, data.STRANGER
HOSTILE = "Zed <!channel> <https://evil.example|click>"
ESCAPED = "Zed &lt;!channel&gt; &lt;https://evil.example|click&gt;"


def _answers(slack_api) -> list[str]:
    return [c.args.get("text", "") for c in slack_api.calls() if c.method in ("response_url", "chat.postMessage",
                                                                              "chat.postEphemeral")]


def _assert_escaped_once(text: str) -> None:
    assert "<!channel>" not in text and "<https://evil" not in text, text
    assert ESCAPED in text, text
    assert "&amp;lt;" not in text, text  # not escaped twice


def test_a_second_accept_of_a_hostile_nomination_quotes_the_name_escaped(bolt_app, slack_api, session, ctx, clock):
    slack_api.add_user(ADMIN, "Pat", tz="Europe/Berlin")
    with ctx.db.unit_of_work() as s:
        nominations.submit(session=s, nominator_id=SELLER, reviewers=[ADMIN], now=clock.now(),
                           data=nominations.NominationInput(account="new:Acme", contact_name=HOSTILE, why="Happy",
                                                            activities=["call"]))
    nomination_id = session.scalar(sa.select(Nomination.id))
    for _ in range(2):
        dispatch(bolt_app, block_actions("nomination_accept", str(nomination_id), ADMIN))
    refusal = [t for t in _answers(slack_api) if "already accepted" in t]
    assert len(refusal) == 1
    _assert_escaped_once(refusal[0])
    assert refusal[0].endswith("already accepted by you.")  # the decider clicking again reads "you" (issue 16)


def test_a_stranger_on_a_deal_with_a_hostile_prospect_gets_it_escaped(bolt_app, slack_api, ctx, clock):
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, HOSTILE)
        data.request(s, scheduled_at=clock.now(), status=S.completed, opp=opp)
        opp_id = opp.id
    dispatch(bolt_app, block_actions("outcome_lost", str(opp_id), STRANGER))
    (refusal,) = [t for t in _answers(slack_api) if "record its outcome" in t]
    _assert_escaped_once(refusal)


def test_a_paused_contact_with_a_hostile_name_is_refused_escaped_in_the_form(bolt_app, slack_api, session, ctx):
    """The request form submitted for a contact paused meanwhile: a notice modal replaces the form."""
    for uid in (SELLER, OWNER):
        slack_api.add_user(uid, uid.title(), tz="Europe/Berlin")
    with ctx.db.unit_of_work() as s:
        contact = data.contact(s, data.account(s, "Acme"), HOSTILE)
        contact_id = contact.id
    dispatch(bolt_app, block_actions("request_from_search", f"0:{contact_id}", SELLER))
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal"
    session.execute(sa.update(Contact).where(Contact.id == contact_id).values(status=ContactStatus.paused))
    session.commit()
    values = {"prospect": {"value": plain_value("Initech")}, "stage": {"value": static_select("evaluation")}}
    response = dispatch(bolt_app, view_submission(None, values, SELLER, view=view))
    answer = json.loads(response.body)
    assert answer["response_action"] == "update"
    (notice,) = [b["text"]["text"] for b in answer["view"]["blocks"] if b["type"] == "section"]
    _assert_escaped_once(notice)
    assert "isn't available for references" in notice


def test_the_contact_picker_shows_a_refusal_as_plain_text(bolt_app, slack_api, ctx):
    """An inline form error is plain text: an account called "Procter & Gamble" reads as typed there."""
    from refbot.domain import AccountStatus

    slack_api.add_user(SELLER, "Sam", tz="Europe/Berlin")
    with ctx.db.unit_of_work() as s:
        account = data.account(s, "Procter & Gamble")
        account.status = AccountStatus.paused
        contact_id = data.contact(s, account).id
    values = {"contact": {"value": static_select(str(contact_id))}}
    response = dispatch(bolt_app, view_submission("request_pick_modal", values, SELLER, private_metadata="{}"))
    errors = json.loads(response.body)["errors"]
    assert errors["contact"].startswith("Procter & Gamble isn't taking reference requests"), errors


def test_a_deal_already_recorded_quotes_the_hostile_prospect_escaped(bolt_app, slack_api, ctx, clock):
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, HOSTILE)
        data.request(s, scheduled_at=clock.now(), status=S.completed, opp=opp)
        opp_id = opp.id
    for action in ("outcome_lost", "outcome_won"):  # the second click (a stale button) is refused
        dispatch(bolt_app, block_actions(action, str(opp_id), SELLER))
    (refusal,) = [t for t in _answers(slack_api) if "already recorded" in t]
    _assert_escaped_once(refusal)


def test_a_thank_you_already_sent_quotes_the_hostile_contact_escaped(bolt_app, slack_api, session, ctx, clock):
    from refbot.models import ReferenceRequest

    slack_api.add_user(OWNER, "Olga", tz="Europe/Berlin")
    with ctx.db.unit_of_work() as s:
        contact = data.contact(s, data.account(s), HOSTILE)
        request_id = data.request(s, scheduled_at=clock.now(), status=S.debriefed, contact_=contact).id
    session.execute(sa.update(ReferenceRequest).where(ReferenceRequest.id == request_id)
                    .values(thanked_at=clock.now(), thanked_by=OWNER, thank_you_note="Thanks"))
    session.commit()
    dispatch(bolt_app, block_actions("thank_you_open", str(request_id), OWNER))
    (refusal,) = [t for t in _answers(slack_api) if "already marked sent" in t]
    _assert_escaped_once(refusal)
