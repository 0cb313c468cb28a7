"""A second person decides every request (issue 15, item 2): a seller who owns the account, or a program
manager who asked, cannot approve or decline their own request; an owner replaced since the request was
made (an import changed the account's owner) no longer decides it, the new owner does. Through the real
Bolt app and the Slack stand-in, through `refbot import`, and over HTTP against `refbot start`."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import sqlalchemy as sa

from refbot import cli
from refbot.domain import RequestStatus as S
from refbot.errors import NotAllowed
from refbot.jobs import run_job
from refbot.models import Account, Contact, OutboxMessage, ReferenceRequest, RequestEvent
from refbot.services import requests as svc
from tests.conftest import SIGNING_SECRET
from tests.support.payloads import (
    SlackClientSim,
    block_actions,
    datepicker,
    dispatch,
    plain_value,
    static_select,
    view_submission,
)
from tests.support.refbot_server import RefBotServer

SELLER, OWNER, NEW_OWNER, ADMIN, ADMIN2 = "USELLER", "UOWNER", "UNEWOWNER", "UADMIN", "UADMIN2"
EMAIL = "dana@globex.example"


@pytest.fixture
def settings(settings):
    """Two program managers, so one of them asking still leaves a second person."""
    return settings.model_copy(update={"refbot_admins": [ADMIN, ADMIN2]})


@pytest.fixture
def world(session, slack_api):
    for uid, name in ((SELLER, "Sam Seller"), (OWNER, "Olga Owner"), (NEW_OWNER, "Nina New"),
                      (ADMIN, "Pat Manager"), (ADMIN2, "Quinn Manager")):
        slack_api.add_user(uid, name, tz="Europe/Berlin")
    own = Account(external_id="A1", name="Globex", owner_id=SELLER, industry="Banking", country="DE")
    other = Account(external_id="A2", name="Initrode", owner_id=OWNER, industry="Banking", country="DE")
    dana = Contact(external_id="C1", name="Dana Scully", title="VP Finance", account=own, email=EMAIL)
    fox = Contact(external_id="C2", name="Fox Mulder", title="CTO", account=other, email="fox@initrode.example")
    session.add_all([own, other, dana, fox])
    session.commit()
    return {"dana": dana.id, "fox": fox.id}


def ask(app, slack_api, contact_id: int, user: str = SELLER) -> None:
    """`user` opens the request form for the contact and submits it, as in Slack."""
    dispatch(app, block_actions("request_from_search", f"0:{contact_id}", user))
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal", view
    values = {
        "prospect": {"value": plain_value("Initech")},
        "stage": {"value": static_select("evaluation")},
        "needed_by": {"value": datepicker("2026-12-04")},
    }
    response = dispatch(app, view_submission(None, values, user, view=view))
    assert response.status == 200 and not response.body, response.body


def the_request(session) -> ReferenceRequest:
    session.expire_all()
    (request,) = session.scalars(sa.select(ReferenceRequest)).all()
    return request


def buttons_to(slack_api, user: str) -> list:
    return [c for c in slack_api.messages_to(user) if "request_approve" in json.dumps(c.args)]


def private_answers(slack_api) -> str:
    return "\n".join(json.dumps(c.args) for c in slack_api.calls("response_url"))


def nothing_sent_since(slack_api, before: int) -> bool:
    return [c.method for c in slack_api.calls()[before:] if c.method != "response_url"] == []


def test_a_seller_who_owns_the_account_cannot_approve_their_own_request(bolt_app, slack_api, world, session):
    ask(bolt_app, slack_api, world["dana"])
    request = the_request(session)
    assert buttons_to(slack_api, SELLER) == []  # the owner-requester gets no decision buttons
    for pm in (ADMIN, ADMIN2):
        (dm,) = buttons_to(slack_api, pm)
        assert "owns Globex and asked for this reference, so a program manager decides" in json.dumps(dm.args)
    before = len(slack_api.calls())
    dispatch(bolt_app, block_actions("request_approve", str(request.id), SELLER))
    assert ("You asked for this reference, so someone else decides it: I've sent it to the program managers "
            "<@UADMIN> and <@UADMIN2>.") in private_answers(slack_api)
    assert the_request(session).status is S.pending_approval
    assert nothing_sent_since(slack_api, before)
    assert EMAIL not in slack_api.all_text()

    dispatch(bolt_app, block_actions("request_approve", str(request.id), ADMIN))
    assert the_request(session).status is S.approved and the_request(session).decided_by == ADMIN


def test_the_owner_requester_cannot_decline_or_suggest_either(bolt_app, slack_api, world, session):
    ask(bolt_app, slack_api, world["dana"])
    request = the_request(session)
    opened = len(slack_api.calls("views.open"))
    for action in ("request_decline", "request_suggest"):
        dispatch(bolt_app, block_actions(action, str(request.id), SELLER, trigger_id="1.2.abc"))
    assert len(slack_api.calls("views.open")) == opened  # no decline or suggest form
    assert private_answers(slack_api).count("You asked for this reference, so someone else decides it") == 2
    assert the_request(session).status is S.pending_approval


def test_a_program_manager_who_asked_cannot_approve_their_own_request(bolt_app, slack_api, world, session):
    ask(bolt_app, slack_api, world["fox"], user=ADMIN)
    request = the_request(session)
    assert len(buttons_to(slack_api, OWNER)) == 1 and buttons_to(slack_api, ADMIN) == []
    dispatch(bolt_app, block_actions("request_approve", str(request.id), ADMIN))
    assert "I've sent it to <@UOWNER> (the account owner)." in private_answers(slack_api)
    assert the_request(session).status is S.pending_approval
    dispatch(bolt_app, block_actions("request_approve", str(request.id), ADMIN2))  # another program manager can
    assert the_request(session).status is S.approved and the_request(session).decided_by == ADMIN2


def test_a_program_manager_owning_the_account_needs_another_program_manager(
    bolt_app, slack_api, world, session, settings
):
    session.execute(sa.update(Account).where(Account.external_id == "A1").values(owner_id=ADMIN))
    session.commit()
    ask(bolt_app, slack_api, world["dana"], user=ADMIN)
    assert [c.args["channel"] for c in slack_api.calls("chat.postMessage") if "request_approve" in json.dumps(c.args)] == [ADMIN2]


def test_a_request_nobody_else_could_approve_is_refused_before_it_is_stored(session, world, settings, clock):
    env = svc.RequestEnv(settings=settings.model_copy(update={"refbot_admins": [SELLER]}), client=None,
                         now=clock.now())
    data = svc.RequestInput(prospect_company="Initech", stage="evaluation", activity="call",
                            needed_by=dt.date(2026, 12, 4))
    with pytest.raises(NotAllowed) as info:
        svc.create_request(session=session, env=env, requester_id=SELLER, contact_id=world["dana"], data=data)
    assert "You own Globex" in str(info.value) and "REFBOT_ADMINS" in str(info.value)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest)) == 0


@pytest.fixture
def run_cli(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REFBOT_ADMINS", f"{ADMIN},{ADMIN2}")
    for var in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "REFBOT_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_an_owner_replaced_by_an_import_no_longer_decides_the_new_owner_does(
    bolt_app, slack_api, world, session, run_cli, tmp_path, ctx, clock
):
    ask(bolt_app, slack_api, world["fox"])
    request = the_request(session)
    (old_dm,) = buttons_to(slack_api, OWNER)
    (tmp_path / "accounts.csv").write_text(f"account_id,name,owner\nA2,Initrode,{NEW_OWNER}\n")
    code, out, err = run_cli("import", str(tmp_path / "accounts.csv"))
    assert (code, err) == (0, "")
    assert "1 pending request moved to the account's new owner, who decides it now." in out
    code, out, _ = run_cli("import", str(tmp_path / "accounts.csv"))
    assert code == 0 and "moved" not in out  # a second import moves nothing and asks nobody again
    clock.set(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))  # `refbot import` ran on the real clock
    ctx.deliverer.deliver()  # the running app delivers what the import queued
    assert len(buttons_to(slack_api, NEW_OWNER)) == 1
    assert the_request(session).owner_id == NEW_OWNER

    message = slack_api.message(OWNER, old_dm.response["ts"])
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=message))
    assert (f"Request #{request.id} is no longer yours to approve: <@{NEW_OWNER}> owns the account now"
            in private_answers(slack_api))
    assert the_request(session).status is S.pending_approval
    dispatch(bolt_app, block_actions("request_approve", str(request.id), NEW_OWNER))
    assert the_request(session).status is S.approved and the_request(session).decided_by == NEW_OWNER
    events = session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == request.id)
                             .order_by(RequestEvent.id)).all()
    assert events == ["created", "owner_changed", "approve"]


# ------------------------------------------------------------------ over HTTP, against `refbot start`


def test_over_http_the_owner_requesters_click_changes_nothing_and_sends_nothing(slack_api, db_url, tmp_path, session,
                                                                                 world, settings):
    env = svc.RequestEnv(settings=settings, client=None, now=dt.datetime.now(dt.UTC))
    data = svc.RequestInput(prospect_company="Initech", stage="evaluation", activity="call",
                            needed_by=dt.date.today() + dt.timedelta(days=21))
    request = svc.create_request(session=session, env=env, requester_id=SELLER, contact_id=world["dana"],
                                 data=data).request
    session.commit()
    with RefBotServer(slack_api_url=slack_api.base_url, database_url=db_url, signing_secret=SIGNING_SECRET,
                      admins=f"{ADMIN},{ADMIN2}", workdir=tmp_path) as server:
        outbox = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        slack_api.wait_for("chat.postMessage", count=outbox, timeout=60)  # the queued DMs went out
        time.sleep(0.5)
        before = len(slack_api.calls())
        sim = SlackClientSim(server.events_url, SIGNING_SECRET)
        url = slack_api.response_url("refused")
        click = block_actions("request_approve", str(request.id), SELLER, response_url=url)
        assert sim.post(click).status == 200
        (answer,) = slack_api.wait_for("response_url", timeout=15)
        assert "You asked for this reference, so someone else decides it: I've sent it to" in json.dumps(answer.args)
        assert answer.args.get("response_type") == "ephemeral"
        time.sleep(1.5)  # anything the click caused would have been delivered by now
        assert nothing_sent_since(slack_api, before)
        session.expire_all()
        assert session.get(ReferenceRequest, request.id).status is S.pending_approval
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == outbox
        assert session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == request.id)).all() == [
            "created"]
        assert EMAIL not in slack_api.all_text()


def test_the_owner_requesters_request_is_reminded_to_the_program_managers_not_escalated_as_if_ignored(
    bolt_app, slack_api, world, session, ctx, clock
):
    ask(bolt_app, slack_api, world["dana"])
    clock.advance(hours=49)
    run_job(ctx, "approval_reminders")
    for pm in (ADMIN, ADMIN2):
        texts = [json.dumps(c.args) for c in buttons_to(slack_api, pm)]
        assert len(texts) == 2 and "Reminder" in texts[1]  # the first DM and one reminder
        assert not any("Escalated to you" in t for t in texts)
    assert buttons_to(slack_api, SELLER) == []
