"""A write that fails after ack() (disk full, a database error) while a seller submits the request form, over
HTTP against the running server (`refbot start`): Slack got its answer already, so the seller is told
privately that the request was *not* sent and can submit again; nothing is half-written; the same form
submitted again once the database writes works creates the request once."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest
import sqlalchemy as sa

from refbot.models import Account, Contact, Opportunity, OutboxMessage, ReferenceRequest, RequestEvent
from tests.conftest import POSTGRES_URL, SIGNING_SECRET
from tests.support.payloads import (
    block_actions,
    datepicker,
    plain_value,
    sign,
    static_select,
    view_submission,
)
from tests.support.refbot_server import RefBotServer

SELLER, OWNER = "USELLER", "UOWNER"
FULL = "database or disk is full"
TABLES = (ReferenceRequest, RequestEvent, OutboxMessage, Opportunity)


def post(url: str, payload: tuple[str, str]) -> tuple[int, str]:
    body, content_type = payload
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={**sign(body, SIGNING_SECRET), "Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


def needed_by() -> dt.date:
    """Two weeks out, on a weekday: well past the lead time whatever day the test runs."""
    day = dt.date.today() + dt.timedelta(days=14)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.__tablename__: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def server(slack_api, db_url, session, tmp_path):
    slack_api.add_user(SELLER, "Sam Seller", tz="Europe/Berlin")
    slack_api.add_user(OWNER, "Olga Owner", tz="Europe/Berlin")
    globex = Account(external_id="A1", name="Globex", owner_id=OWNER, industry="Banking", country="DE")
    dana = Contact(external_id="C1", name="Dana Scully", title="VP Finance", account=globex,
                   email="dana@globex.example", activities=["call"])
    session.add_all([globex, dana])
    session.commit()
    with RefBotServer(slack_api_url=slack_api.base_url, database_url=db_url, signing_secret=SIGNING_SECRET,
                      workdir=tmp_path) as srv:
        yield srv, dana.id


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the write failure is a SQLite trigger")
def test_a_request_whose_write_fails_after_ack_tells_the_seller_it_was_not_sent(server, slack_api, db_url):
    srv, contact_id = server
    assert post(srv.events_url, block_actions("request_from_search", f":{contact_id}", SELLER))[0] == 200
    slack_api.wait_for("views.open", timeout=10)
    view = slack_api.last_view()
    assert view is not None and view["callback_id"] == "request_modal"
    submission = view_submission(None, {
        "prospect": {"value": plain_value("Initech")}, "stage": {"value": static_select("evaluation")},
        "needed_by": {"value": datepicker(needed_by())},
    }, SELLER, view=view)

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # from now on, writing a request fails as a full disk makes it fail
        conn.exec_driver_sql(f"CREATE TRIGGER disk_full BEFORE INSERT ON reference_requests "
                             f"BEGIN SELECT RAISE(ABORT, '{FULL}'); END")
    before = counts(engine)
    status, answer = post(srv.events_url, submission)
    assert (status, answer) == (200, "")  # acknowledged: the form closes, the write comes after

    told = slack_api.wait_for("chat.postMessage", lambda c: c.args.get("channel") == SELLER, timeout=10)
    text = json.dumps([c.args for c in told])
    assert "not* sent" in text and "submit it again" in text
    assert "went wrong" not in text
    assert counts(engine) == before  # the unit of work rolled back: no request, event, DM or deal row
    assert slack_api.messages_to(OWNER) == []

    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER disk_full")
    assert post(srv.events_url, submission) == (200, "")  # the seller submits again: it is sent once
    slack_api.wait_for("chat.postMessage", lambda c: c.args.get("channel") == OWNER, timeout=10)
    assert counts(engine)["reference_requests"] == 1
    engine.dispose()
