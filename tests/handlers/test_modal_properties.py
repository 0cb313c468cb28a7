"""Property-based tests of the modals through the real Bolt app: whatever a user types (overlong text, emoji,
injection strings, blanks, dates in the past or far future, amounts like "-5" or "1e309"), a submission
never fails at the HTTP level and never crashes a listener. Either the ack carries `response_action: errors`
with a message on exactly the blocks that are wrong and nothing at all is written, or the record is stored
with exactly what the user typed (trimmed as documented).

Each test runs many submissions against one database (hypothesis examples share the function's fixtures),
so "nothing written" is checked by counting rows before and after every submission.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from refbot.domain import MAX_EMPLOYEES, SALES_STAGES, ActivityType, MetNeeds, RequestStatus, parse_quantity
from refbot.geo import resolve_country
from refbot.handlers.errors import UNEXPECTED
from refbot.models import (
    Account,
    Activity,
    Contact,
    Debrief,
    Nomination,
    Opportunity,
    OutboxMessage,
    PointsEntry,
    ReferenceRequest,
    RequestEvent,
)
from refbot.services import nominations as nomination_service
from tests import loop_data
from tests.support.payloads import (
    block_actions,
    checkboxes,
    datepicker,
    dispatch,
    external_select,
    multi_static_select,
    plain_value,
    radio,
    slash_command,
    static_select,
    timepicker,
    view_submission,
)

SELLER, OWNER, ADMIN = "USELLER", "UOWNER", "UADMIN"
TODAY = dt.date(2026, 11, 23)  # the `clock` fixture's Monday
EARLIEST = dt.date(2026, 11, 26)  # three business days later: the lead time

MODAL = settings(
    max_examples=50, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

NASTY = [
    "'; DROP TABLE reference_requests; --",
    "Robert'); DELETE FROM opportunities;--",
    "<script>alert(1)</script>",
    "*bold* _it_ ~s~ `code` ```x```",
    "<@U123> <!channel> <!here> <#C1|general>",
    "<https://evil.example|click> &amp; &lt;",
    "%s {0} ${HOME} $(id)",
    "🏦🇩🇪👩‍💻💯",
    "Ｉｎｉｔｅｃｈ",
    "İstanbul ß ﬁ",
    "\u200b\u202e\ufeffInitech",
    "tab\there\nnew line\r\nwindows",
    "nul\x00inside",
]
_view_ids = itertools.count(1)


def printable(**kw):
    """Text a Slack input can hold: any character but control characters (Slack's inputs drop them)."""
    return st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), **kw)


def free_text(limit: int) -> st.SearchStrategy[str | None]:
    """What lands in a plain_text_input limited to `limit` characters by the service: usual text, nothing
    (None, as Slack sends an empty optional input), blanks, markup and injection, and overlong text."""
    return st.one_of(
        st.none(),
        st.sampled_from(["", " ", "   \n\t "]),
        printable(min_size=1, max_size=40),
        st.sampled_from(NASTY),
        st.builds(lambda ch, extra: ch * (limit + extra), st.sampled_from(["x", "é", "🏦", "a b"]),
                  st.integers(min_value=-2, max_value=3)),
    )


def clean(text: str | None) -> str:
    """What the handlers keep of a text input: trimmed, without NUL characters (PostgreSQL can't store them)."""
    return (text or "").replace("\x00", "").strip()


def new_view_id() -> str:
    return f"VPROP{next(_view_ids):08d}"


def ack_of(response) -> dict:
    assert response.status < 500, response.body
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def counts(session, *models) -> dict[str, int]:
    return {m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


@pytest.fixture
def no_crash(caplog, slack_api):
    """Returns a check that no listener failed unexpectedly since the last check (the app-wide handler logs
    and tells the user "something went wrong" instead of answering)."""
    caplog.set_level(logging.INFO)

    def check() -> None:
        crashes = [r for r in caplog.records if r.name == "refbot.handlers.errors" and r.levelno >= logging.ERROR]
        told = [c for c in slack_api.calls() if UNEXPECTED in json.dumps(c.args)]
        caplog.clear()
        assert not crashes, crashes[0].getMessage()
        assert not told

    return check


def input_blocks(view: dict) -> set[str]:
    return {b["block_id"] for b in view["blocks"] if b["type"] == "input"}


def assert_errors(answer: dict, expected: set[str], view: dict) -> None:
    assert answer.get("response_action") == "errors", answer
    errors = answer["errors"]
    assert set(errors) == expected
    assert set(errors) <= input_blocks(view)  # Slack refuses errors for blocks the view does not have
    for message in errors.values():
        assert isinstance(message, str) and message.strip()


# ====================================================================== the request modal

REQUEST_TABLES = (ReferenceRequest, Opportunity, RequestEvent, OutboxMessage)
LIMITS = {"prospect": 200, "crm_id": 100, "industry": 100, "topics": 300, "note": 1000, "urgent_reason": 300}
AGREED = ("call", "video")  # what the contact agreed to


@pytest.fixture
def request_form(bolt_app, slack_api, session):
    for user, name in ((SELLER, "Sam Seller"), (OWNER, "Olga Owner"), (ADMIN, "Pat Manager")):
        slack_api.add_user(user, name, tz="Europe/Berlin")
    globex = Account(external_id="A1", name="Globex", owner_id=OWNER, industry="Banking", country="DE")
    dana = Contact(external_id="C1", name="Dana Scully", title="VP Finance", account=globex,
                   email="dana@globex.example", activities=list(AGREED))
    session.add_all([globex, dana])
    session.commit()
    dispatch(bolt_app, block_actions("request_from_search", f":{dana.id}", SELLER))
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal" and "justification" not in input_blocks(view)
    # Every input on screen: the deal details, and the urgency question (a date inside the lead time).
    dispatch(bolt_app, block_actions("request_deal_details", "details", SELLER, view=view))
    view = slack_api.last_view()
    soon = TODAY + dt.timedelta(days=1)
    dispatch(bolt_app, block_actions("value", soon.isoformat(), SELLER, block_id="needed_by", action_type="datepicker",
                                     view=view, state={"needed_by": {"value": datepicker(soon)}}))
    view = slack_api.last_view()
    assert {"industry", "urgent_reason"} <= set(input_blocks(view))
    return view


quantities = st.one_of(
    st.none(),
    st.sampled_from(["", "250k", "5,000", "$2.5B", "2bn", "120M", "-5", "1e309", "abc", "NaN", "∞", "5 000",
                     "１２３", "0", "0.4", "3,000,000,000", "10000000000000000", "99999999999", "$", "k"]),
    printable(max_size=12),
)
countries = st.one_of(
    st.none(),
    st.sampled_from(["", "Germany", "DE", "DEU", "germany ", "United States", "Atlantis", "XX", "🇩🇪", "Deutschland",
                     "'; DROP TABLE x; --"]),
    printable(max_size=20),
)
stages = st.one_of(st.none(), st.sampled_from([*SALES_STAGES, "EVALUATION", "bogus", ""]))
activities = st.one_of(st.none(), st.sampled_from([*(a.value for a in ActivityType), "bogus"]))
days = st.one_of(
    st.none(),
    st.dates(min_value=TODAY - dt.timedelta(days=30), max_value=TODAY + dt.timedelta(days=60)).map(dt.date.isoformat),
    st.dates().map(dt.date.isoformat),  # 0001-01-01 to 9999-12-31
    st.sampled_from(["2026-13-01", "2026-02-30", "tomorrow", "", "2026/12/01", "26-12-2026", "9999-99-99",
                     "2026-12-01T00:00:00"]),
)


def iso_date(text: str | None) -> dt.date | None:
    if not text or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def business_days(start: dt.date, end: dt.date, enough: int = 3) -> int:
    """Weekdays after `start` up to `end`, counted up to `enough`."""
    days = min((end - start).days, 7)
    return min(enough, sum(1 for n in range(1, days + 1) if (start + dt.timedelta(days=n)).weekday() < 5))


def quantity(text: str | None) -> tuple[int | None, bool]:
    """(value, ok) as documented: empty is no value; anything else must read as a number."""
    if not clean(text):
        return None, True
    try:
        return parse_quantity(text), True
    except ValueError:
        return None, False


def topics_of(text: str) -> list[str]:
    """As documented in the form: separated by commas, semicolons or lines; each at most 60 characters,
    at most 10, the first spelling of case-insensitive duplicates kept."""
    out: list[str] = []
    for part in re.split(r"[,;\n]+", text):
        topic = part.strip()
        if topic and topic.lower() not in [t.lower() for t in out]:
            out.append(topic)
    return [t[:60] for t in out][:10]


def expected_request_errors(form: dict) -> set[str]:
    errors = set()
    for name, limit in LIMITS.items():
        if len(clean(form[name])) > limit:
            errors.add(name)
    if not clean(form["prospect"]):
        errors.add("prospect")
    stage = clean(form["stage"]).lower()
    if stage not in SALES_STAGES or SALES_STAGES.index(stage) < SALES_STAGES.index("discovery"):
        errors.add("stage")
    for name in ("amount", "employees"):
        if not quantity(form[name])[1]:
            errors.add(name)
    if (quantity(form["employees"])[0] or 0) > MAX_EMPLOYEES:
        errors.add("employees")
    if clean(form["country"]) and resolve_country(form["country"]) is None:
        errors.add("country")
    if form["activity"] not in AGREED:
        errors.add("activity")
    day = iso_date(form["needed_by"])
    if day is None or day < TODAY:
        errors.add("needed_by")
    elif is_rushed(form) and not clean(form["urgent_reason"]):
        errors.add("urgent_reason")  # a date inside the lead time needs a reason: that is what makes it urgent
    return errors


def is_rushed(form: dict) -> bool:
    """Is the needed-by date inside the lead time (3 business days)?"""
    day = iso_date(form["needed_by"])
    return day is not None and day >= TODAY and business_days(TODAY, day) < 3


def valid_text(limit: int, *, required: bool = False) -> st.SearchStrategy[str | None]:
    """Text the service takes as typed: within the limit (surrounding blanks are trimmed)."""
    text = st.one_of(
        printable(min_size=1, max_size=40), st.sampled_from(NASTY),
        st.builds(lambda ch, pad: pad + ch * limit + pad, st.sampled_from(["x", "é", "🏦"]), st.sampled_from(["", " \n"])),
    ).filter(lambda t: t.strip() and len(t.strip()) <= limit)
    return text if required else st.one_of(st.none(), st.just(""), text)


VALID_REQUEST = {
    "prospect": valid_text(LIMITS["prospect"], required=True),
    "crm_id": valid_text(LIMITS["crm_id"]),
    "stage": st.sampled_from([*SALES_STAGES[SALES_STAGES.index("discovery"):], "EVALUATION"]),
    "amount": st.one_of(st.none(), st.sampled_from(["", "250k", "$2.5B", "5,000", "１２３"]),
                        st.integers(1, 10**12).map(str)),
    "industry": valid_text(LIMITS["industry"]),
    "employees": st.one_of(st.none(), st.sampled_from(["", "5k", "5,000", "120"]), st.integers(1, 10**6).map(str)),
    "country": st.sampled_from([None, "", "Germany", "DE", "deu", "United States", " france "]),
    "activity": st.sampled_from(AGREED),
    "needed_by": st.one_of(st.dates(min_value=EARLIEST, max_value=EARLIEST + dt.timedelta(days=400)),
                           st.dates(min_value=EARLIEST)).map(dt.date.isoformat),
    "urgent_reason": valid_text(LIMITS["urgent_reason"], required=True),
    "topics": st.one_of(valid_text(LIMITS["topics"]),
                        st.lists(printable(max_size=70), max_size=14).map(", ".join).filter(lambda t: len(t) <= 300)),
    "note": valid_text(LIMITS["note"]),
}
WILD_REQUEST = {
    "prospect": free_text(LIMITS["prospect"]),
    "crm_id": free_text(LIMITS["crm_id"]),
    "stage": stages,
    "amount": quantities,
    "industry": free_text(LIMITS["industry"]),
    "employees": quantities,
    "country": countries,
    "activity": activities,
    "needed_by": days,
    "urgent_reason": free_text(LIMITS["urgent_reason"]),
    "topics": free_text(LIMITS["topics"]),
    "note": free_text(LIMITS["note"]),
}


@st.composite
def mostly_valid(draw, valid: dict, wild: dict, max_wild: int = 3) -> dict:
    """A form with a few fields (at most `max_wild`) drawn from anything at all and the rest from valid input,
    so that both outcomes, refused and stored, are exercised."""
    wild_fields = draw(st.sets(st.sampled_from(sorted(valid)), max_size=max_wild))
    return {name: draw(wild[name] if name in wild_fields else valid[name]) for name in valid}


request_forms = mostly_valid(VALID_REQUEST, WILD_REQUEST)


def request_values(form: dict) -> dict:
    values = {name: {"value": plain_value(form[name])}
              for name in ("prospect", "crm_id", "amount", "industry", "employees", "country", "urgent_reason",
                           "topics", "note")}
    values["stage"] = {"value": static_select(form["stage"])}
    values["activity"] = {"value": static_select(form["activity"])}
    values["needed_by"] = {"value": datepicker(form["needed_by"])}
    return values


OK_FORM = {"prospect": "Initech", "crm_id": None, "stage": "evaluation", "amount": "250k", "industry": None,
           "employees": None, "country": None, "activity": "call", "needed_by": EARLIEST.isoformat(),
           "urgent_reason": None, "topics": None, "note": None}


@MODAL
@given(form=request_forms)
@example(form={**OK_FORM, "employees": "3,000,000,000"})  # more than the database's integer column holds
@example(form={**OK_FORM, "amount": "$999T", "needed_by": "9999-12-31"})
@example(form={**OK_FORM, "prospect": "Init\x00ech", "note": "a\x00b"})  # PostgreSQL refuses NUL in text
def test_request_modal_errors_on_the_right_blocks_or_stores_exactly_what_was_typed(
    form, bolt_app, session, request_form, no_crash
):
    view = request_form
    session.expire_all()
    before = counts(session, *REQUEST_TABLES)
    opportunities = {o.id: (o.stage, o.amount, o.industry, o.employees, o.country)
                     for o in session.scalars(sa.select(Opportunity))}
    view_id = new_view_id()
    answer = ack_of(dispatch(bolt_app, view_submission(None, request_values(form), SELLER, view=view,
                                                       view_id=view_id)))
    no_crash()
    expected = expected_request_errors(form)
    session.expire_all()
    event("refused" if expected else "stored")
    if expected:
        assert_errors(answer, expected, view)
        assert counts(session, *REQUEST_TABLES) == before  # nothing written, not even an outbox row
        return

    assert answer == {}
    after = counts(session, *REQUEST_TABLES)
    assert after["ReferenceRequest"] == before["ReferenceRequest"] + 1
    request = session.scalars(sa.select(ReferenceRequest).order_by(ReferenceRequest.id.desc()).limit(1)).one()
    opp = session.get(Opportunity, request.opportunity_id)
    assert request.client_token == view_id and request.requester_id == SELLER
    assert request.status is RequestStatus.pending_approval
    assert request.needed_by == iso_date(form["needed_by"])
    assert request.activity_type.value == form["activity"]
    assert request.urgent is is_rushed(form)
    assert request.urgent_reason == (clean(form["urgent_reason"]) if is_rushed(form) else None)
    assert request.note == clean(form["note"])
    assert request.topics == topics_of(clean(form["topics"]))
    assert opp.prospect_company == clean(form["prospect"])
    assert opp.crm_id == (clean(form["crm_id"]) or None)
    # Given values are stored; values left empty keep what a reused deal (same CRM id) already had.
    old = opportunities.get(opp.id, (None,) * 5)
    typed = (clean(form["stage"]).lower(), quantity(form["amount"])[0], clean(form["industry"]) or None,
             quantity(form["employees"])[0], resolve_country(form["country"]) if clean(form["country"]) else None)
    assert (opp.stage, opp.amount, opp.industry, opp.employees, opp.country) == tuple(
        new if new is not None else prior for new, prior in zip(typed, old, strict=True))
    # Free the contact for the next example (an open request makes them busy).
    session.execute(sa.update(ReferenceRequest).where(ReferenceRequest.id == request.id)
                    .values(status=RequestStatus.cancelled))
    session.commit()


# ====================================================================== the nomination modal

NOMINATION_TABLES = (Nomination, OutboxMessage, Account, Contact, PointsEntry)
NOMINATION_LIMITS = {"name": 200, "title": 200, "why": 1500}


@pytest.fixture
def nomination_form(bolt_app, slack_api, session):
    for user, name in ((SELLER, "Sam Seller"), (ADMIN, "Pat Manager")):
        slack_api.add_user(user, name, tz="Europe/Berlin")
    globex = Account(external_id="A-1", name="Globex Corporation", products=["Ledger", "Payroll"], owner_id="UOWNER")
    session.add(globex)
    session.commit()
    assert dispatch(bolt_app, slash_command("nominate", user_id=SELLER)).status == 200
    view = slack_api.last_view()
    assert view["callback_id"] == "nomination_modal" and {"products", "products_other"} <= input_blocks(view)
    return view, globex.id


def collapse(text: str | None) -> str:
    return " ".join(clean(text).split())


emails = st.one_of(
    st.none(),
    st.sampled_from(["", "dana@globex.example", "Dana@Globex.Example ", "dana@globex", "@globex.example",
                     "dana@@globex.example", "dana globex@x.io", "<dana@globex.example>", "dana@globex.example; x@y.io"]),
    st.builds(lambda local: f"{local}@example.com", st.text(alphabet="abcxyz.+_-", min_size=1, max_size=400)),
    printable(max_size=30),
)
WILD_NOMINATION = {
    "account": st.one_of(
        st.sampled_from(["acc:{globex}", "acc:999999", "acc:", "acc:abc", "new:", "new:   ", "bogus", "acc:-1"]),
        st.none(),
        free_text(140).map(lambda t: f"new:{t or ''}"),
    ),
    "name": free_text(NOMINATION_LIMITS["name"]),
    "title": free_text(NOMINATION_LIMITS["title"]),
    "email": emails,
    "why": free_text(NOMINATION_LIMITS["why"]),
    "products": st.lists(st.sampled_from(["Ledger", "Payroll"]), unique=True),
    "products_other": st.one_of(free_text(500), st.lists(printable(max_size=12), max_size=25).map(";".join)),
    "activities": st.lists(st.sampled_from([*(a.value for a in ActivityType), "bogus"]), unique=True, max_size=4),
}
VALID_NOMINATION = {
    "account": st.one_of(st.just("acc:{globex}"), valid_text(140, required=True).map(lambda t: f"new:{t}")),
    "name": valid_text(NOMINATION_LIMITS["name"], required=True),
    "title": valid_text(NOMINATION_LIMITS["title"]),
    "email": st.sampled_from([None, "", "dana@globex.example", "Dana.Scully+refs@Globex.Example "]),
    "why": valid_text(NOMINATION_LIMITS["why"], required=True),
    "products": WILD_NOMINATION["products"],
    "products_other": st.one_of(st.none(), st.lists(printable(max_size=12), max_size=15).map(";".join)),
    "activities": st.lists(st.sampled_from([a.value for a in ActivityType]), unique=True, max_size=4),
}
nomination_inputs = mostly_valid(VALID_NOMINATION, WILD_NOMINATION)


def expected_nomination_errors(form: dict, globex_id: int) -> set[str]:
    errors = set()
    account = form["account"] or ""
    if account.startswith("acc:"):
        if account != f"acc:{globex_id}":
            errors.add("account")
    elif not (account.startswith("new:") and nomination_service.normalize_text(collapse(account[4:])[:140])):
        errors.add("account")
    name = collapse(form["name"])
    if not name or len(name) > NOMINATION_LIMITS["name"]:
        errors.add("name")
    if len(collapse(form["title"])) > NOMINATION_LIMITS["title"]:
        errors.add("title")
    email = clean(form["email"]).lower()
    if email and (len(email) > 320 or not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}", email)):
        errors.add("email")
    why = clean(form["why"])
    if not why or len(why) > NOMINATION_LIMITS["why"]:
        errors.add("why")
    products = {collapse(p).casefold() for p in [*form["products"], *re.split(r"[,;\n]", clean(form["products_other"]))]}
    if len(products - {""}) > 20:
        errors.add("products_other" if clean(form["products_other"]) else "products")
    if "bogus" in form["activities"]:
        errors.add("activities")
    return errors


@MODAL
@given(form=nomination_inputs)
def test_nomination_modal_errors_on_the_right_blocks_or_stores_exactly_what_was_typed(
    form, bolt_app, session, nomination_form, no_crash
):
    view, globex_id = nomination_form
    form = {**form, "account": form["account"] and form["account"].replace("{globex}", str(globex_id))}
    values = {
        "account": {"nomination_account": external_select(form["account"])},
        "products": {"value": multi_static_select(form["products"])},
        "activities": {"value": checkboxes(form["activities"])},
        **{name: {"value": plain_value(form[name])} for name in ("name", "title", "email", "why", "products_other")},
    }
    session.expire_all()
    before = counts(session, *NOMINATION_TABLES)
    answer = ack_of(dispatch(bolt_app, view_submission(None, values, SELLER, view=view, view_id=new_view_id())))
    no_crash()
    expected = expected_nomination_errors(form, globex_id)
    session.expire_all()
    event("refused" if expected else "stored")
    if expected:
        assert_errors(answer, expected, view)
        assert counts(session, *NOMINATION_TABLES) == before
        return

    assert answer == {}
    after = counts(session, *NOMINATION_TABLES)
    assert (after["Account"], after["Contact"], after["PointsEntry"]) == (
        before["Account"], before["Contact"], before["PointsEntry"])  # nothing is decided by nominating
    email = clean(form["email"]).lower() or None
    account_name = "Globex Corporation" if form["account"] == f"acc:{globex_id}" else collapse(form["account"][4:])[:140]
    if after["Nomination"] == before["Nomination"]:
        # The seller had already nominated this person: nothing new is stored, they are told so.
        assert after["OutboxMessage"] == before["OutboxMessage"] + 1
        key = nomination_service.dedupe_key(email=email, name=collapse(form["name"]), account_name=account_name)
        same_person = [n for n in session.scalars(sa.select(Nomination)) if n.dedupe_key == key or (
            nomination_service.normalize_text(n.contact_name) == nomination_service.normalize_text(collapse(form["name"]))
            and nomination_service.normalize_company(n.account_name) == nomination_service.normalize_company(account_name)
        )]
        assert any(n.nominator_id == SELLER for n in same_person)
        return
    assert after["Nomination"] == before["Nomination"] + 1
    nomination = session.scalars(sa.select(Nomination).order_by(Nomination.id.desc()).limit(1)).one()
    assert nomination.nominator_id == SELLER
    assert nomination.account_name == account_name
    assert nomination.account_id == (globex_id if form["account"] == f"acc:{globex_id}" else None)
    assert nomination.contact_name == collapse(form["name"])
    assert nomination.contact_title == collapse(form["title"])
    assert nomination.contact_email == email
    assert nomination.why == clean(form["why"])
    order = [a.value for a in ActivityType]
    assert nomination.activities == sorted(set(form["activities"]), key=order.index)
    typed_products = [collapse(p) for p in [*form["products"], *re.split(r"[,;\n]", clean(form["products_other"]))]]
    assert [p.casefold() for p in nomination.products] == list(dict.fromkeys(
        p[:100].casefold() for p in typed_products if p))


# ====================================================================== the debrief modal

DEBRIEF_TABLES = (Debrief, Activity, PointsEntry, RequestEvent, OutboxMessage, ReferenceRequest)
TEXT_LIMIT = 2000


@pytest.fixture
def debrief_form(bolt_app, slack_api, ctx):
    for user, name in ((loop_data.SELLER, "Sam Seller"), (loop_data.OWNER, "Olivia Owner"),
                       (loop_data.ADMIN, "Pat Manager")):
        slack_api.add_user(user, name, tz="Europe/Berlin")
    scheduled_call(ctx)
    first = scheduled_call(ctx)
    assert dispatch(bolt_app, block_actions("debrief_happened", str(first), loop_data.SELLER)).status == 200
    view = slack_api.last_view()
    assert view["callback_id"] == "debrief_modal"
    return view


def scheduled_call(ctx) -> int:
    """A call that took place yesterday and waits for its debrief."""
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with ctx.db.unit_of_work() as s:
        return loop_data.request(s, scheduled_at=start - dt.timedelta(days=1), recorded_at=start,
                                 created_at=start - dt.timedelta(days=5)).id


WILD_DEBRIEF = {
    "met_needs": st.sampled_from([None, "maybe", "", "YES"]),
    "rating": st.sampled_from([None, "", "0", "6", "9", "-1", "abc", "²", "٣", "1.5", " 3", "99999999999"]),
    "insights": free_text(TEXT_LIMIT),
    "concerns": free_text(TEXT_LIMIT),
    "notes": free_text(TEXT_LIMIT),
    "redo": st.booleans(),
}
VALID_DEBRIEF = {
    "met_needs": st.sampled_from([m.value for m in MetNeeds]),
    "rating": st.sampled_from(["1", "2", "3", "4", "5"]),
    "insights": valid_text(TEXT_LIMIT),
    "concerns": valid_text(TEXT_LIMIT),
    "notes": valid_text(TEXT_LIMIT),
    "redo": st.booleans(),
}
debrief_inputs = mostly_valid(VALID_DEBRIEF, WILD_DEBRIEF, max_wild=2)


def expected_debrief_errors(form: dict) -> set[str]:
    errors = set()
    if form["met_needs"] not in {m.value for m in MetNeeds}:
        errors.add("met_needs")
    if form["rating"] not in {"1", "2", "3", "4", "5"}:
        errors.add("rating")
    if not errors:
        errors |= {name for name in ("insights", "concerns", "notes") if len(clean(form[name])) > TEXT_LIMIT}
    return errors


@MODAL
@given(form=debrief_inputs)
def test_debrief_modal_errors_on_the_right_blocks_or_files_exactly_what_was_typed(
    form, bolt_app, ctx, session, debrief_form, no_crash
):
    request_id = scheduled_call(ctx)
    values = {
        "met_needs": {"value": radio(form["met_needs"])},
        "rating": {"value": static_select(form["rating"])},
        "redo": {"value": checkboxes(["yes"] if form["redo"] else [])},
        **{name: {"value": plain_value(form[name])} for name in ("insights", "concerns", "notes")},
    }
    session.expire_all()
    before = counts(session, *DEBRIEF_TABLES)
    payload = view_submission(None, values, loop_data.SELLER, view=debrief_form, view_id=new_view_id(),
                              private_metadata=json.dumps({"request_id": request_id}))
    answer = ack_of(dispatch(bolt_app, payload))
    no_crash()
    expected = expected_debrief_errors(form)
    session.expire_all()
    event("refused" if expected else "stored")
    if expected:
        assert_errors(answer, expected, debrief_form)
        assert counts(session, *DEBRIEF_TABLES) == before
        assert session.get(ReferenceRequest, request_id).status is RequestStatus.scheduled
        return

    assert answer == {}
    debrief = session.scalars(sa.select(Debrief).where(Debrief.request_id == request_id)).one()
    assert (debrief.met_needs.value, debrief.rating, debrief.redo_needed) == (
        form["met_needs"], int(form["rating"]), form["redo"])
    assert (debrief.insights, debrief.concerns, debrief.notes) == (
        clean(form["insights"]), clean(form["concerns"]), clean(form["notes"]))
    assert session.get(ReferenceRequest, request_id).status is RequestStatus.debriefed
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.request_id == request_id)) == 1


# ====================================================================== signed payloads of the wrong shape
#
# Slack signs what it sends, but a payload can still arrive oddly shaped (an old client, a proxy, an attacker
# with a leaked signing secret, a Slack change): a `selected_option` that is a string, `user` as a string,
# private_metadata whose id is not a number, no date. Each reads as missing: the form shows its normal inline
# error, or the user is told privately "That didn't work — please try again." Never a 500, never "something
# went wrong", and nothing is written.

from urllib.parse import parse_qs, urlencode  # noqa: E402 - this section's own helpers

from refbot.handlers.payload import RETRY  # noqa: E402

ODD = [None, "", "USELLER", "2026-11-26", 5, -1, 1.5, True, [], ["x"], [None], {}, {"value": 5}, {"id": 5},
       {"value": {"value": "x"}}, "x" * 5000]
odd_values = st.sampled_from(ODD)
odd_metadata = st.sampled_from(["", "not json", "[1, 2]", "null", '"7"', "{", '{"request_id": "abc"}',
                                '{"request_id": -3}', '{"request_id": 1.5}', '{"request_id": {"x": 1}}',
                                '{"request_id": true}', '{"contact_id": "abc"}', '{"contact_id": [1]}',
                                '{"request_id": "²"}', '{"contact_id": "99999999999999999999999"}'])


def decode(payload) -> dict:
    body, _ = payload
    return json.loads(parse_qs(body)["payload"][0])


def encode(data: dict):
    return urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded"


def mangle(data: dict, path: tuple, value) -> dict:
    """`data` with the field at `path` replaced by `value` (or removed, when value is the string "<absent>")."""
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    if value == "<absent>":
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return data


def odd_for(field: str) -> st.SearchStrategy[object]:
    """Odd values for an element's `field`, without the strings that are a fine value there (a text input's
    "USELLER", a datepicker's "2026-11-26")."""
    if field == "value":
        return odd_values.filter(lambda v: not (isinstance(v, str) and 0 < len(v) < 1000))
    return odd_values.filter(lambda v: v != "2026-11-26") if field == "selected_date" else odd_values


def element(block: str, action: str = "value") -> tuple:
    return ("view", "state", "values", block, action)


def odd_shape(block: str, field: str, action: str = "value") -> st.SearchStrategy[tuple[tuple, object]]:
    """A required input's value (`field` of its element), its element, its block or all values, oddly shaped."""
    return st.one_of(
        st.tuples(st.just((*element(block, action), field)), st.one_of(odd_for(field), st.just("<absent>"))),
        st.tuples(st.just(element(block, action)), st.sampled_from([None, "x", 5, [], {}, "<absent>"])),
        st.tuples(st.just(element(block, action)[:-1]), st.sampled_from([None, "x", [], {}, "<absent>"])),
        st.tuples(st.just(("view", "state", "values")), st.sampled_from([None, "x", [], 5, {}])),
    )


def private_texts_to(slack_api, user: str) -> str:
    calls = slack_api.calls("response_url") + slack_api.ephemerals_to(user) + slack_api.messages_to(user)
    return "\n".join(json.dumps(c.args) for c in calls)


def check_odd_answer(response, *, expect: str, view: dict, slack_api, user: str, told_before: str) -> None:
    """`expect`: "errors" (the form's inline errors), "retry" (told privately to try again) or "silent"
    (the body names no user to tell)."""
    if expect == "silent" and response.status == 400:  # Bolt itself can't read the body: refused before any listener
        return
    answer = ack_of(response)
    told = private_texts_to(slack_api, user)[len(told_before):]
    if expect == "errors":
        assert answer.get("response_action") == "errors", answer
        assert answer["errors"] and set(answer["errors"]) <= input_blocks(view)
    elif expect == "retry":
        assert answer.get("response_action") != "update", answer
        assert json.dumps(RETRY)[1:-1] in told
    else:
        assert answer == {}
    assert "went wrong" not in told


REQUEST_REQUIRED = st.sampled_from([("stage", "selected_option"), ("needed_by", "selected_date"),
                                    ("prospect", "value"), ("activity", "selected_option")])


@MODAL
@given(data=st.data())
def test_oddly_shaped_request_submissions_read_as_missing(data, bolt_app, session, slack_api, request_form, no_crash):
    base = decode(view_submission(None, request_values(OK_FORM), SELLER, view=request_form, view_id=new_view_id()))
    kind = data.draw(st.sampled_from(["input", "metadata", "user"]))
    if kind == "input":
        path, value = data.draw(odd_shape(*data.draw(REQUEST_REQUIRED)))
        expect = "errors"
    elif kind == "metadata":
        meta = data.draw(odd_metadata.filter(lambda m: "request_id" not in m))
        path, value, expect = ("view", "private_metadata"), meta, "retry"
    else:
        path, value, expect = ("user",), data.draw(st.sampled_from(["USELLER", 5, None, [], {}, {"id": 5}])), "silent"
    session.expire_all()
    before, told_before = counts(session, *REQUEST_TABLES), private_texts_to(slack_api, SELLER)
    response = dispatch(bolt_app, encode(mangle(base, path, value)))
    no_crash()
    check_odd_answer(response, expect=expect, view=request_form, slack_api=slack_api, user=SELLER,
                     told_before=told_before)
    session.expire_all()
    assert counts(session, *REQUEST_TABLES) == before


@pytest.fixture
def reschedule_form(bolt_app, slack_api, ctx):
    for user, name in ((loop_data.SELLER, "Sam Seller"), (loop_data.OWNER, "Olivia Owner")):
        slack_api.add_user(user, name, tz="Europe/Berlin")
    request_id = scheduled_call(ctx)
    assert dispatch(bolt_app, block_actions("debrief_rescheduled", str(request_id), loop_data.SELLER)).status == 200
    view = slack_api.last_view()
    assert view["callback_id"] == "debrief_reschedule_modal"
    return request_id, view


@pytest.mark.parametrize("date", ["<absent>", None, "", "tomorrow", 20261126, ["2026-11-26"], {"date": "2026-11-26"}])
def test_reschedule_without_a_date_asks_for_one_at_once(date, bolt_app, ctx, session, slack_api, reschedule_form,
                                                        no_crash):
    request_id, view = reschedule_form
    base = decode(view_submission(None, {"date": {"value": datepicker("2026-11-26")},
                                         "time": {"value": timepicker("11:30")}},
                                  loop_data.SELLER, view=view, view_id=new_view_id()))
    before = counts(session, *DEBRIEF_TABLES)
    started = time.monotonic()
    response = dispatch(bolt_app, encode(mangle(base, (*element("date"), "selected_date"), date)))
    assert time.monotonic() - started < 3
    no_crash()
    assert ack_of(response) == {"response_action": "errors", "errors": {"date": "Pick the new date."}}
    session.expire_all()
    assert counts(session, *DEBRIEF_TABLES) == before
    assert session.get(ReferenceRequest, request_id).status is RequestStatus.scheduled


DEBRIEF_FAMILY = {
    # modal opened by: (button, callback id, a valid submission, the inputs a submission cannot do without)
    "reschedule": ("debrief_rescheduled", {"date": {"value": datepicker("2026-11-26")},
                                           "time": {"value": timepicker("11:30")}}, [("date", "selected_date")]),
    "debrief": ("debrief_happened", {"met_needs": {"value": radio("yes")}, "rating": {"value": static_select("4")}},
                [("met_needs", "selected_option"), ("rating", "selected_option")]),
}


@MODAL
@given(data=st.data())
def test_oddly_shaped_after_the_call_submissions_read_as_missing(data, bolt_app, ctx, session, slack_api,
                                                                 debrief_form, no_crash):
    button, values, required = DEBRIEF_FAMILY[data.draw(st.sampled_from(sorted(DEBRIEF_FAMILY)))]
    request_id = scheduled_call(ctx)
    assert dispatch(bolt_app, block_actions(button, str(request_id), loop_data.SELLER)).status == 200
    view = slack_api.last_view()
    base = decode(view_submission(None, values, loop_data.SELLER, view=view, view_id=new_view_id()))
    if data.draw(st.booleans()):
        path, value = data.draw(odd_shape(*data.draw(st.sampled_from(required))))
        expect = "errors"
    else:
        path, value = ("view", "private_metadata"), data.draw(odd_metadata.filter(lambda m: "contact_id" not in m))
        expect = "retry"
    session.expire_all()
    before, told_before = counts(session, *DEBRIEF_TABLES), private_texts_to(slack_api, loop_data.SELLER)
    status = session.get(ReferenceRequest, request_id).status  # "It happened" already completed the call
    response = dispatch(bolt_app, encode(mangle(base, path, value)))
    no_crash()
    check_odd_answer(response, expect=expect, view=view, slack_api=slack_api, user=loop_data.SELLER,
                     told_before=told_before)
    session.expire_all()
    assert counts(session, *DEBRIEF_TABLES) == before
    assert session.get(ReferenceRequest, request_id).status is status


@MODAL
@given(path_value=st.one_of(odd_shape("name", "value"), odd_shape("why", "value"),
                            odd_shape("account", "selected_option", "nomination_account")))
def test_oddly_shaped_nominations_read_as_missing(path_value, bolt_app, session, slack_api, nomination_form,
                                                  no_crash):
    view, globex_id = nomination_form
    values = {"name": {"value": plain_value("Dana Scully")}, "why": {"value": plain_value("Loves the product")},
              "account": {"nomination_account": external_select(f"acc:{globex_id}")}}
    base = decode(view_submission(None, values, SELLER, view=view, view_id=new_view_id()))
    session.expire_all()
    before = counts(session, Nomination, OutboxMessage)
    response = dispatch(bolt_app, encode(mangle(base, *path_value)))
    no_crash()
    check_odd_answer(response, expect="errors", view=view, slack_api=slack_api, user=SELLER,
                     told_before=private_texts_to(slack_api, SELLER))
    session.expire_all()
    assert counts(session, Nomination, OutboxMessage) == before
