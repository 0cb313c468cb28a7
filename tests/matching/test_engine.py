"""Scoring principles, availability ordering and relaxation of the matching engine, on small programs."""

import datetime as dt

from refbot.domain import AccountStatus, ActivityType, ContactStatus, Persona, Region, Seniority
from refbot.matching.candidates import FatiguePolicy
from refbot.matching.criteria import Criteria
from refbot.matching.engine import COMPARABLE_FIT, GOOD_MATCH_SCORE, MatchingEngine
from tests.matching.fixtures import BIZ, DIR, MGR, TECH, TODAY, VP, ago, candidate


def search(cands, criteria, limit=10, **kw):
    return MatchingEngine(cands, **kw).search(criteria, today=TODAY, limit=limit)


def ids(result):
    return [m.candidate.contact_external_id for m in result.matches]


def by_id(result, ext):
    return next(m for m in result.matches if m.candidate.contact_external_id == ext)


def test_one_criterion_can_reach_100_and_criteria_not_given_count_for_nothing():
    cands = [candidate(1, industry="Banking", country="JP", employees=40), candidate(2, industry="Retail")]
    r = search(cands, Criteria(industry="banking"))
    assert ids(r)[0] == "T1"
    best = r.matches[0]
    assert best.score == 100
    assert best.reasons == ["same industry: Banking"] and best.compromises == []
    assert by_id(r, "T2").score == 0


def test_size_is_compared_on_a_log_scale():
    cands = [
        candidate(1, employees=4800),
        candidate(2, employees=1200),
        candidate(3, employees=300),
        candidate(4, employees=100_000),
    ]
    r = search(cands, Criteria(employees=5000))
    assert ids(r)[:2] == ["T1", "T2"]
    assert by_id(r, "T1").reasons == ["similar size: 4,800 vs 5,000 employees"]
    assert by_id(r, "T2").compromises == ["one size band smaller: 1,200 vs 5,000 employees"]
    assert by_id(r, "T3").compromises == ["much smaller: 300 vs 5,000 employees"]
    # 300 people and 100,000 people are both far from 5,000, by a similar factor (about 17 and 20 times).
    assert abs(by_id(r, "T3").score - by_id(r, "T4").score) <= 5
    assert by_id(r, "T1").score - by_id(r, "T3").score > 50


def test_revenue_is_compared_like_size():
    cands = [candidate(1, annual_revenue=1_800_000_000), candidate(2, annual_revenue=50_000_000)]
    r = search(cands, Criteria(annual_revenue=2_000_000_000))
    assert ids(r) == ["T1", "T2"]
    assert by_id(r, "T1").reasons == ["similar revenue: $1.8B vs $2B revenue"]
    assert by_id(r, "T2").compromises == ["much smaller: $50M vs $2B revenue"]


def test_same_country_beats_same_region_beats_elsewhere():
    cands = [candidate(1, country="US"), candidate(2, country="AT"), candidate(3, country="DE")]
    r = search(cands, Criteria(industry="Banking", country="DE"))
    assert ids(r) == ["T3", "T2", "T1"]
    assert "same country: Germany" in by_id(r, "T3").reasons
    assert by_id(r, "T2").compromises == ["in Austria, not Germany"]
    assert by_id(r, "T1").compromises == ["in the United States, outside EMEA"]


def test_a_country_without_references_says_so_and_shows_its_region():
    cands = [candidate(1, country="DE"), candidate(2, country="US")]
    r = search(cands, Criteria(industry="Banking", country="FR"))
    assert ids(r) == ["T1", "T2"]
    assert by_id(r, "T1").compromises == ["no reference in France: showing EMEA"]


def test_region_criterion():
    cands = [candidate(1, country="SG"), candidate(2, country="DE")]
    r = search(cands, Criteria(region=Region.APAC))
    assert ids(r) == ["T1", "T2"]
    assert by_id(r, "T1").reasons == ["in APAC: Singapore"]
    assert by_id(r, "T2").compromises == ["outside APAC: Germany"]


def test_a_vp_wants_a_peer_or_more_senior_not_a_manager():
    cands = [
        candidate(1, seniority=MGR),
        candidate(2, seniority=DIR),
        candidate(3, seniority=VP),
        candidate(4, seniority=Seniority.c_level),
    ]
    r = search(cands, Criteria(industry="Banking", seniority=Seniority.vp))
    assert set(ids(r)[:2]) == {"T3", "T4"}
    assert ids(r)[2:] == ["T2", "T1"]
    assert "VP to VP" in by_id(r, "T3").reasons
    assert "C-level for a VP audience" in by_id(r, "T4").reasons
    assert by_id(r, "T1").compromises == ["Manager for a VP audience"]
    assert by_id(r, "T1").score < GOOD_MATCH_SCORE <= by_id(r, "T3").score


def test_a_technical_evaluator_wants_a_technical_contact():
    cands = [candidate(1, persona=BIZ), candidate(2, persona=TECH)]
    r = search(cands, Criteria(industry="Banking", persona=Persona.technical))
    assert ids(r) == ["T2", "T1"]
    assert "technical contact" in by_id(r, "T2").reasons
    assert by_id(r, "T1").compromises == ["business contact for a technical audience"]


def test_same_product_and_use_case_beat_a_loosely_related_industry():
    cands = [
        candidate(1, industry="Banking", products=("Lending",), use_cases=("Loan origination",)),
        candidate(2, industry="Insurance", products=("Payments",), use_cases=("Fraud detection",)),
    ]
    r = search(cands, Criteria(industry="Banking", products=["Payments"], use_case="Fraud detection"))
    assert ids(r) == ["T2", "T1"]
    insurer = by_id(r, "T2")
    assert insurer.reasons[:2] == ["uses Payments", "same use case: Fraud detection"]
    assert insurer.compromises == ["related industry: Insurance"]
    assert by_id(r, "T1").compromises == ["doesn't use Payments", "no Fraud detection use case"]


def test_related_industry_beats_unrelated():
    cands = [candidate(1, industry="Retail"), candidate(2, industry="Insurance")]
    r = search(cands, Criteria(industry="Banking"))
    assert ids(r) == ["T2", "T1"]
    assert by_id(r, "T1").compromises == ["different industry: Retail"]


def test_competitor_topics_language_and_keywords_explain_themselves():
    c = candidate(
        1,
        account_name="Rheinbank AG",
        competitor_replaced="Oracle",
        topics=("integration", "roi"),
        languages=("de", "English"),
        notes="Went live in nine months.",
    )
    r = search([c, candidate(2)], Criteria(competitor="oracle", topics=["integration"], language="German",
                                           keywords=["rheinbnk", "nine"]))
    best = r.matches[0]
    assert best.candidate.contact_external_id == "T1"
    assert best.reasons == [
        'name matches "rheinbank"', 'mentions "nine"', "replaced Oracle", "can speak to integration",
        "speaks German",
    ]
    other = by_id(r, "T2")
    assert "didn't replace oracle" in other.compromises and "languages unknown (German asked)" in other.compromises


def test_never_offered_contacts():
    cands = [
        candidate(1, contact_status=ContactStatus.opted_out),
        candidate(2, contact_status=ContactStatus.paused),
        candidate(3, contact_status=ContactStatus.retired),
        candidate(4, account_status=AccountStatus.paused),
        candidate(5, account_status=AccountStatus.retired),
        candidate(6, activities=(ActivityType.case_study,)),  # did not agree to calls
        candidate(7),
    ]
    assert ids(search(cands, Criteria(industry="Banking"))) == ["T7"]
    assert ids(search(cands, Criteria())) == ["T7"]


def test_activity_type_filters_and_empty_list_means_call_only():
    cands = [
        candidate(1),
        candidate(2, activities=(ActivityType.call, ActivityType.site_visit)),
        candidate(3, activities=(ActivityType.press,)),
    ]
    assert ids(search(cands, Criteria(activity=ActivityType.site_visit))) == ["T2"]
    assert ids(search(cands, Criteria(activity=ActivityType.press))) == ["T3"]
    assert sorted(ids(search(cands, Criteria(activity=ActivityType.call)))) == ["T1", "T2"]
    assert ids(search(cands, Criteria(activity=ActivityType.analyst))) == []


def test_resting_contacts_rank_after_available_ones_of_comparable_fit_and_say_why_and_when():
    cands = [
        candidate(1, recent_activity_dates=ago(10)),  # perfect fit, resting
        candidate(2, employees=2000),  # a bit worse, available
    ]
    r = search(cands, Criteria(industry="Banking", employees=5000))
    assert ids(r) == ["T2", "T1"]
    resting = by_id(r, "T1")
    assert resting.score - by_id(r, "T2").score <= COMPARABLE_FIT
    assert not resting.available
    assert resting.unavailable_reason == "last used 10 days ago"
    assert resting.available_from == TODAY + dt.timedelta(days=20)
    assert resting.last_used == TODAY - dt.timedelta(days=10)
    assert by_id(r, "T2").available and by_id(r, "T2").unavailable_reason is None


def test_a_much_better_resting_contact_still_comes_first():
    cands = [candidate(1, open_requests=1), candidate(2, industry="Retail", employees=60)]
    r = search(cands, Criteria(industry="Banking", employees=5000))
    assert ids(r) == ["T1", "T2"]
    assert by_id(r, "T1").unavailable_reason == "busy with an open request"
    assert by_id(r, "T1").available_from is None


def test_among_equal_matches_the_least_recently_used_comes_first():
    cands = [
        candidate(1, recent_activity_dates=ago(45)),
        candidate(2, recent_activity_dates=ago(300)),
        candidate(3),
    ]
    r = search(cands, Criteria(industry="Banking"))
    assert ids(r) == ["T3", "T2", "T1"]
    assert all(m.score == 100 and m.available for m in r.matches)
    assert by_id(r, "T1").last_used == TODAY - dt.timedelta(days=45)


def test_a_second_contact_of_the_same_account_makes_room_for_another_account():
    cands = [
        candidate(1, account_id=1),
        candidate(2, account_id=1),
        candidate(3, account_id=2, employees=4000),
    ]
    r = search(cands, Criteria(industry="Banking", employees=5000))
    assert [m.candidate.account_id for m in r.matches] == [1, 2, 1]


def test_relaxation_widens_the_country_then_says_so():
    cands = [candidate(i, country="DE") for i in range(1, 5)]
    strict = search(cands, Criteria(industry="Banking", country="DE"))
    assert strict.relaxed == [] and strict.good_count == 4
    r = search(cands, Criteria(industry="Banking", country="JP"))
    assert r.relaxed == ["Japan widened to APAC", "APAC widened to anywhere"]
    assert len(r.matches) == 4
    # Scores stay the fit to what was asked: a German bank is no good match for a Japanese prospect.
    assert r.good_count == 0 and all(m.score < GOOD_MATCH_SCORE for m in r.matches)
    assert all(m.compromises == ["in Germany, outside APAC"] for m in r.matches)


def test_relaxation_goes_from_the_least_important_criterion_and_stops_when_enough():
    cands = [candidate(i, seniority=DIR, languages=("French",)) for i in range(1, 5)]
    r = search(cands, Criteria(industry="Banking", country="DE", seniority=Seniority.c_level, language="German",
                               topics=["roi"], persona=Persona.business))
    assert r.relaxed == ["language (German)", "topics (roi)", "persona (business)"]
    assert all("Director for a C-level audience" in m.compromises for m in r.matches)
    assert r.good_count == 0


def test_relaxing_a_minor_criterion_brings_in_alternatives_shown_with_their_real_fit():
    cands = [
        candidate(1, employees=2500, languages=("German",), topics=("roi",)),
        candidate(2, languages=("French",)),
        candidate(3, languages=("French",)),
        candidate(4, languages=("French",)),
    ]
    asked = Criteria(industry="Banking", employees=5000, language="German", topics=["roi"], persona=Persona.business)
    r = search(cands, asked)
    assert r.relaxed == ["language (German)"]
    assert ids(r)[0] == "T1"
    assert r.good_count == 1  # the others are good only once the language is relaxed
    for m in r.matches[1:]:
        assert m.score < GOOD_MATCH_SCORE
        assert "doesn't list German" in m.compromises


def test_relaxation_never_makes_an_unrelated_reference_look_good():
    cands = [candidate(i, industry="Retail", account_name="Shop") for i in range(1, 5)]
    r = search(cands, Criteria(keywords=["acme"]))
    assert r.relaxed == [] and r.good_count == 0
    assert len(r.matches) == 4  # still usable: never return nothing
    r = search(cands, Criteria(industry="Healthcare"))
    assert r.relaxed == [] and r.good_count == 0 and len(r.matches) == 4


def test_empty_search_lists_available_least_used_first():
    cands = [
        candidate(1, recent_activity_dates=ago(5)),
        candidate(2, recent_activity_dates=ago(200)),
        candidate(3),
    ]
    r = search(cands, Criteria())
    assert ids(r) == ["T3", "T2", "T1"]
    assert r.matches[-1].available is False


def test_limit_and_policy():
    cands = [candidate(i) for i in range(1, 9)]
    assert len(search(cands, Criteria(), limit=3).matches) == 3
    assert search(cands, Criteria(), limit=0).matches == []
    assert MatchingEngine([]).search(Criteria(industry="Banking"), today=TODAY).matches == []
    used_once = [candidate(1, recent_activity_dates=ago(40))]
    strict = FatiguePolicy(max_per_window=1)
    assert not search(used_once, Criteria(), policy=strict).matches[0].available
    assert search(used_once, Criteria()).matches[0].available


def test_typos_in_structured_values_still_match():
    cands = [candidate(1, industry="Healthcare", use_cases=("Patient scheduling",)), candidate(2)]
    r = search(cands, Criteria(industry="helthcare", use_case="patient sheduling"))
    assert ids(r)[0] == "T1" and r.matches[0].score == 100
