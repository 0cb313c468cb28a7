""""Tell me when one joins" through the real Bolt app and the follows job."""

from __future__ import annotations

import pytest

from refbot.domain import ContactStatus, Seniority
from refbot.jobs import run_job
from refbot.models import Account, Contact
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.support.payloads import block_actions, dispatch, slash_command


@pytest.fixture(autouse=True)
def people(slack_api):
    slack_api.add_user(data.SELLER, "Sam Seller", tz="America/New_York")


def test_follow_then_one_dm_whose_request_button_opens_the_request_form(bolt_app, slack_api, session, ctx):
    session.add(Account(external_id="R1", name="Shopco", industry="Retail", country="US"))
    session.commit()
    url = slack_api.response_url()
    assert dispatch(bolt_app, slash_command("search banking Germany", user_id=data.SELLER, response_url=url)).status == 200
    reply = slack_api.wait_for("response_url")[-1].args
    search_id = next(el["value"] for b in reply["blocks"] if b["type"] == "actions" for el in b["elements"]
                     if el["action_id"] == "search_follow")
    for _ in range(2):  # a double click follows once
        url = slack_api.response_url()
        assert dispatch(bolt_app, block_actions("search_follow", search_id, user_id=data.SELLER, is_ephemeral=True,
                                                response_url=url)).status == 200
    said = [c.args["text"] for c in slack_api.calls("response_url")][-2:]
    assert said[0].startswith("Following") and said[1].startswith("You already follow")

    acc = Account(external_id="B1", name="Beispielbank", industry="Banking", country="DE", owner_id=data.OWNER)
    session.add(acc)
    session.flush()
    session.add(Contact(external_id="BC1", name="Greta", title="VP", seniority=Seniority.vp, account_id=acc.id,
                        status=ContactStatus.active))
    session.commit()
    assert run_job(ctx, "follows") == "1 seller told, 0 follows expired"
    ctx.deliverer.deliver()
    assert run_job(ctx, "follows").startswith("0")
    ctx.deliverer.deliver()
    [dm] = slack_api.messages_to(data.SELLER)
    assert "Beispielbank" in "\n".join(texts_of(dm.args["blocks"]))
    message = slack_api.message(dm.args["channel"], dm.response["ts"])
    assert dispatch(bolt_app, block_actions("request_from_search", user_id=data.SELLER, message=message)).status == 200
    assert slack_api.last_view()["callback_id"].startswith("request")
