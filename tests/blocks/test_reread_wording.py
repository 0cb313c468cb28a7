"""What a person reads after the last re-read of every surface as seller, account owner and program manager
(issue #16): each test asserts the wording one of them sees, and that the old misreading is gone."""

import dataclasses
import datetime as dt

from refbot.blocks import coverage as coverage_blocks
from refbot.blocks import debriefs as debrief_blocks
from refbot.blocks import requests as b
from refbot.blocks import search as search_blocks
from refbot.blocks import wishes as wish_blocks
from refbot.blocks.help import help_message
from refbot.blocks.home import AdminHome, HomeData, RequestLine, SellerHome, home_view
from refbot.blocks.reports import report_message
from refbot.domain import ActivityType
from refbot.domain import RequestStatus as S
from refbot.matching.criteria import Criteria
from refbot.matching.scoring import SearchResult
from refbot.playground.slack_api import texts_of, validate_blocks
from refbot.services.coverage import Coverage, Gap, Segment
from tests.blocks.test_debriefs_blocks import CARD as CALL_CARD
from tests.blocks.test_reports_blocks import REPORT
from tests.blocks.test_requests_blocks import CARD

NOW = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)


def shown(blocks) -> str:
    return "\n".join(texts_of(blocks))


def test_help_shows_a_usage_placeholder_as_text_not_as_a_slack_link():
    text, blocks = help_message([("/reference wish <customer>", "Name a customer you wish were a reference")],
                                admin=False)
    assert "`/reference wish &lt;customer&gt;`" in shown(blocks)
    assert "<customer>" not in shown(blocks) and "<customer>" not in text


def test_the_empty_wish_list_names_the_command_with_a_visible_placeholder():
    assert "`/reference wish &lt;customer&gt;`" in shown(wish_blocks.wish_list_blocks([], 0))


def test_a_search_with_nothing_recognised_says_so_instead_of_no_reference_matches_any_reference():
    text, blocks = search_blocks.results_message(criteria=Criteria(), result=SearchResult(matches=[], unused=["foo"]),
                                                 search_id=3, today=NOW.date())
    assert validate_blocks(blocks, surface="message") == []
    assert text == "I didn't recognise anything to search for in “foo”."
    assert "any reference" not in shown(blocks) and "Tell me when one joins" not in shown(blocks)
    assert "`/reference search bank in Germany VP`" in shown(blocks)
    assert "Refine" in shown(blocks)


def test_an_approval_dm_notification_says_reminder_or_escalated_and_a_first_ask_says_neither():
    remind, _ = b.approval_dm(CARD, reader_tz="UTC", lead=b.reminder_lead(hours=24))
    escalated, _ = b.approval_dm(CARD, reader_tz="UTC", lead=b.escalation_lead(CARD, hours=48))
    no_owner, _ = b.approval_dm(CARD, reader_tz="UTC", lead=":information_source: Globex has no account owner, so a "
                                                            "program manager decides.")
    assert remind.startswith("Reminder: <@USELLER> asks")
    assert escalated.startswith("Escalated to you: <@USELLER> asks")
    assert no_owner.startswith("<@USELLER> asks")


def test_the_sellers_escalation_dm_names_the_contact_and_says_nothing_is_needed():
    text, _ = b.seller_escalated_dm(CARD, hours=48)
    assert text == ("Request #12 (Dana Scully) has waited 48 hours for approval, so I asked the program managers to "
                    "step in. Nothing for you to do yet.")


def test_a_request_without_topics_shows_no_empty_topics_field():
    _, blocks = b.approval_dm(dataclasses.replace(CARD, topics=()), reader_tz="UTC")
    assert "*Topics*" not in shown(blocks) and "\n—" not in shown(blocks)
    _, with_topics = b.approval_dm(CARD, reader_tz="UTC")
    assert "*Topics*\nroi, migration" in shown(with_topics)


def test_the_suggestion_dm_says_which_request_is_which():
    old = dataclasses.replace(CARD, decided_by="UOWNER")
    new = dataclasses.replace(CARD, id=13, contact_name="Fox Mulder", suggested_from_id=12)
    _, blocks = b.seller_suggested_dm(old, new, reason="")
    assert "You asked for Dana Scully at Globex (request #12); this suggestion is request #13." in shown(blocks)


def test_my_requests_says_no_open_requests_and_how_an_owners_suggestion_ended():
    declined = dataclasses.replace(CARD, status=S.declined, decline_reason=b.SUGGESTED_REASON,
                                   suggested_contact="Fox Mulder", suggestion_answer="passed")
    passed = dataclasses.replace(CARD, id=13, status=S.cancelled, contact_name="Fox Mulder", suggested_from_id=12)
    taken = dataclasses.replace(declined, id=14, suggestion_answer="taken")
    plain = dataclasses.replace(CARD, id=15, status=S.declined, decline_reason="on leave")
    lapsed_from = dataclasses.replace(declined, id=16, suggestion_answer="lapsed")
    lapsed = dataclasses.replace(CARD, id=17, status=S.expired, contact_name="Fox Mulder", suggested_from_id=16)
    text, blocks = b.my_requests_message([], [passed, declined, taken, plain, lapsed_from, lapsed], reader_tz="UTC")
    dump = shown(blocks)
    assert text == "Your reference requests: none open."
    assert "No open requests · 6 recent closed ones" in dump and "0 open requests" not in dump
    assert "#16 Dana Scully (Globex) · the owner suggested Fox Mulder instead; the suggestion lapsed" in dump
    assert "#17 Fox Mulder (Globex) · this suggestion lapsed: not taken in time" in dump
    assert "#13 Fox Mulder (Globex) · you passed on this suggestion" in dump
    assert "#12 Dana Scully (Globex) · the owner suggested Fox Mulder instead; you passed" in dump
    assert "#14 Dana Scully (Globex) · the owner suggested Fox Mulder instead; you took them" in dump
    assert "#15 Dana Scully (Globex) · Declined: on leave" in dump
    assert "Declined: suggested another contact" not in dump and "· Cancelled" not in dump


def test_a_coverage_gap_from_requests_alone_does_not_say_0_searches():
    gap = Gap(segment=Segment(family="Financial Services", place="DE"), requests=1)
    text = shown(coverage_blocks.gap_blocks(gap, max_recruits=0))
    assert "1 request · no reference available" in text and "0 searches" not in text
    searched = Gap(segment=Segment(family="Financial Services", place="DE"), searches=2, requests=1)
    assert "2 searches, 1 request" in shown(coverage_blocks.gap_blocks(searched, max_recruits=0))
    empty = Coverage(since=NOW)
    assert "None." in shown(coverage_blocks.coverage_home(empty))


def _pm_home(**admin) -> str:
    late = RequestLine(id=6, status=S.pending_approval, requester_id="USELLER", owner_id="UOWNER",
                       contact_name="Priya Smith", account_name="Junora Power", prospect="Vandelay",
                       activity=ActivityType.call, needed_by=dt.date(2026, 12, 15),
                       created_at=NOW - dt.timedelta(days=2))
    home = HomeData(user_id="UPM", now=NOW, today=NOW.date(), seller=SellerHome(quarter="Q4 2026"),
                    admin=AdminHome(aging_hours=24, aging=(late,), aging_total=1, quarter="Q4 2026", **admin))
    return shown(home_view(home, reader_tz="UTC")["blocks"])


def test_the_program_managers_home_says_waiting_and_none_rather_than_0_asks():
    text = _pm_home(channel_asks=0)
    assert "owner <@UOWNER> · waiting 2 days" in text
    assert "*Reference asks in channels:* none seen in the last 30 days" in text and "0 reference asks" not in text
    assert "*Reference asks in channels:* 2 reference asks seen" in _pm_home(channel_asks=2)


def test_the_sellers_home_calls_the_debrief_what_the_prompt_calls_it():
    debrief = RequestLine(id=1, status=S.completed, requester_id="USELLER", owner_id="UOWNER", contact_name="Dana",
                          account_name="Globex", prospect="Initech", activity=ActivityType.call,
                          needed_by=dt.date(2026, 12, 1), created_at=NOW, call_at=NOW - dt.timedelta(hours=3))
    home = HomeData(user_id="USELLER", now=NOW, today=NOW.date(),
                    seller=SellerHome(debriefs=(debrief,), debriefs_total=1, quarter="Q4 2026"))
    text = shown(home_view(home, reader_tz="UTC")["blocks"])
    _, prompt = debrief_blocks.debrief_prompt(CALL_CARD, reader_tz="UTC")
    assert "a 1-minute debrief" in text and "a 1-minute debrief" in shown(prompt)
    assert "two minutes" not in text


def test_a_program_report_with_nothing_due_says_so_instead_of_dashes():
    empty = {**REPORT, "debriefs": {"due": 0, "filed": 0, "on_time": 0, "completion_rate": None, "missing": []},
             "thank_yous": {"due": 0, "sent": 0, "share": None}}
    text, blocks = report_message(empty)
    dump = shown(blocks)
    assert "*Debriefs*\nNone due yet" in dump and "*Thank-yous*\nNone due yet" in dump
    assert "— filed" not in dump and "0 of 0 sent" not in dump
    assert text == "Reference program: 6 requests, no debriefs due yet, $250K influenced revenue."


def test_the_sellers_home_asks_them_to_take_or_pass_an_owners_suggestion_instead_of_mark_scheduled():
    def row(**kw):
        return RequestLine(id=5, status=S.approved, requester_id="USELLER", owner_id="UOWNER",
                           contact_name="Camille Bernard", account_name="Valent Retail", prospect="Soylent",
                           activity=ActivityType.call, needed_by=dt.date(2026, 12, 15), created_at=NOW, **kw)

    def seller_home(line):
        home = HomeData(user_id="USELLER", now=NOW, today=NOW.date(),
                        seller=SellerHome(open_requests=(line,), open_total=1, quarter="Q4 2026"))
        return home_view(home, reader_tz="UTC")["blocks"]

    waiting = seller_home(row(awaiting_seller=True))
    assert "Soylent · Suggested by the owner — take them or pass (see my DM)" in shown(waiting)
    assert "Mark scheduled" not in shown(waiting)
    taken = seller_home(row())
    assert "then *Mark scheduled*" in shown(taken)
    assert any(blk.get("accessory", {}).get("action_id") == "request_mark_scheduled" for blk in taken)


def test_the_urgency_question_is_not_labelled_optional_when_the_date_needs_a_reason():
    from tests.blocks.test_requests_blocks import FORM

    def question(prefill):
        view = b.request_modal(dataclasses.replace(FORM, prefill=prefill), metadata="{}")
        return next(blk for blk in view["blocks"] if blk.get("block_id") == "urgent_reason")

    rushed = question(b.RequestPrefill(needed_by=dt.date(2026, 11, 25)))  # before FORM.earliest (26 Nov)
    assert rushed["optional"] is False and "inside the lead time" in rushed["hint"]["text"]
    later = question(b.RequestPrefill(needed_by=dt.date(2026, 12, 7), urgent_reason="Board"))
    assert later["optional"] is True  # a reason carried over to a later date is not asked for


def test_the_seller_who_recorded_a_win_reads_recorded_by_you():
    from refbot.domain import OpportunityOutcome
    from tests.blocks.test_debriefs_blocks import DEAL

    won = dataclasses.replace(DEAL, outcome=OpportunityOutcome.won, outcome_by="USELLER")
    _, mine = debrief_blocks.outcome_confirmation(won, owners_told=("UOWNER",))
    assert "*Initech: won* ($250K), recorded by you. Congratulations!" in shown(mine)
    assert "<@USELLER>" not in shown(mine)
    _, followup = debrief_blocks.outcome_recorded(won, reader_id="UOTHER")  # someone else's follow-up DM
    assert "recorded by <@USELLER>" in shown(followup)


def _quiet_report():
    return {**REPORT,
            "requests": {"total": 0, "by_status": {}},
            "approval": {"approved": 0, "median_hours": None, "eligible_48h": 0, "within_48h": 0,
                         "within_48h_share": None},
            "debriefs": {"due": 0, "filed": 0, "on_time": 0, "completion_rate": None, "missing": []},
            "win_rate": {"with_references": {"won": 0, "lost": 0, "closed": 0, "rate": None},
                         "without_references": {"won": 0, "lost": 0, "closed": 0, "rate": None},
                         "comparable": False, "difference": None, "small_sample": False}}


def test_the_executive_digest_of_a_quiet_month_has_no_dashes_and_points_to_a_slack_command():
    from refbot.blocks.digest import digest_message

    digest = {"title": "November 2026", "report": _quiet_report(), "series": [], "stories": [],
              "coverage": [{"segment": "Financial Services · Germany", "demand": 3, "supply": 0}]}
    _, blocks = digest_message(digest, why="You get this monthly.")
    dump = shown(blocks)
    assert "Approved within 48 h: no decisions yet" in dump and "(0 of 0)" not in dump
    assert "*Debriefs*\nNone due" in dump and "— filed" not in dump
    assert "*Win rate*\nno closed deals with references yet" in dump
    assert "Financial Services · Germany: asked for 3 times, 0 references available" in dump
    assert "`/reference stats` has every figure" in dump and "refbot report" not in dump


def test_a_sales_leaders_post_for_a_quiet_month_does_not_announce_zero_requests():
    from refbot.blocks.leaders import team_post_text

    quiet = {"title": "November 2026", "report": {**_quiet_report(), "outcomes": {
        "won": 0, "lost": 0, "influenced_revenue": 0, "won_deals": []}, "top_sellers": [],
        "channel_asks": {"count": 0}}, "names": {}}
    post = team_post_text(quiet)
    assert "0 reference requests" not in post and "median —" not in post
    busy = {**quiet, "report": {**quiet["report"], "requests": {"total": 2, "by_status": {}},
                                "served": {**REPORT["served"], "served": 1}}}
    assert "• 2 reference requests, 1 served" in team_post_text(busy)


def test_the_owners_debrief_dm_says_why_they_are_asked_to_thank_the_customer():
    from tests.blocks.test_debriefs_blocks import DEBRIEF

    _, blocks = debrief_blocks.owner_debrief_dm(CALL_CARD, DEBRIEF, thank_you=None, reader_tz="UTC")
    assert "*Thank Dana.* You own Globex &lt;Bank&gt;: a short note from you keeps them happy to help." in shown(blocks)
    no_owner = dataclasses.replace(CALL_CARD, owner_id=None)  # a program manager stands in
    _, blocks = debrief_blocks.owner_debrief_dm(no_owner, DEBRIEF, thank_you=None, reader_tz="UTC")
    assert "*Thank Dana.* A short note from you" in shown(blocks) and "You own" not in shown(blocks)


def test_the_program_manager_who_approved_a_story_reads_approved_by_you():
    from refbot.blocks import stories

    card = stories.StoryCard(story_id=1, opportunity_id=7, prospect="Initech", amount=None, author_id="USELLER",
                             need="Proof", helped="Chloe", result="Signed", status="approved")
    assert "*Success story:* Initech — approved by you" in shown(stories.reviewed(card, by="UPM", reader_id="UPM")[1])
    assert "approved by <@UPM>" in shown(stories.reviewed(card, by="UPM")[1])


def test_the_gaps_message_fits_a_message_and_says_where_the_rest_are():
    from refbot.services.coverage import Recruit

    recruits = (Recruit(1, "Beispielbank", "UOWNER", False), Recruit(2, "Other", "UOWNER", False))
    gaps = tuple(Gap(segment=Segment(family="Financial Services", place=f"C{i}"), searches=3, recruits=recruits)
                 for i in range(30))
    text, blocks = coverage_blocks.gaps_message(Coverage(since=NOW, gaps=gaps, total=40), since_text="Wed 26 Aug 2026")
    assert validate_blocks(blocks, surface="message") == [] and len(blocks) <= 50
    assert text == "Coverage gaps since Wed 26 Aug 2026: 40 segments short of references."
    assert "…and 25 smaller gaps" in shown(blocks)
    empty_text, _ = coverage_blocks.gaps_message(Coverage(since=NOW), since_text="Wed 26 Aug 2026")
    assert empty_text.startswith("No coverage gaps since Wed 26 Aug 2026")


def test_a_nomination_without_an_email_says_whom_to_ask_instead_of_a_dash():
    from refbot.blocks import nominations
    from tests.blocks.test_nominations_blocks import CARD as NOMINATION

    _, blocks = nominations.review_dm(dataclasses.replace(NOMINATION, contact_email=None))
    assert "*Email*\nnot given: ask the nominator" in shown(blocks) and "*Email*\n—" not in shown(blocks)
    _, blocks = nominations.review_dm(NOMINATION)
    assert "*Email*\ndana@globex.example" in shown(blocks)
