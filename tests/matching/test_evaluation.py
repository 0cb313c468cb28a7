"""Labelled evaluation over the fixed program in fixtures.py: for each query (free text or structured), the
reference(s) a program manager would pick must be in the top 3, and no resting contact may outrank an
available one of comparable fit. The first expected id is the best answer; the top-1 rate is checked too.
"""

import pytest

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.matching.criteria import Criteria
from refbot.matching.engine import COMPARABLE_FIT, MatchingEngine
from refbot.matching.parser import Vocabulary, parse_query
from tests.matching.fixtures import TODAY, program

CANDIDATES = program()
ENGINE = MatchingEngine(CANDIDATES)
VOCAB = Vocabulary.from_candidates(CANDIDATES)

# (query, expected contact ids: the first is the best answer, all must be in the top 3)
LABELLED: list[tuple[str | Criteria, tuple[str, ...]]] = [
    # free text, as sellers type it
    ("healthcare 5k employees germny VP integration", ("C10", "C12")),
    ("bank in Germany, CIO", ("C39", "C03")),
    ("german bank fraud detection payments", ("C02",)),
    ("french bank fraud", ("C06", "C05")),
    ("insurance claims automation VP", ("C42", "C07")),
    ("insurer in DACH technical", ("C09",)),
    ("hospital in the US, 10,000 employees, CFO", ("C14", "C13")),
    ("small clinic 300 employees", ("C16",)),
    ("retail fraud detection payments", ("C20", "C19")),
    ("e-commerce germany self-service portal", ("C21",)),
    ("manufacturing predictive maintenance replaced SAP", ("C23", "C24")),
    ("manufacturer site visit germany", ("C23",)),
    ("steel manufacturer US VP operations", ("C25",)),
    ("logistics supply chain visibility australia", ("C26",)),
    ("public sector citizen portal netherlands", ("C27",)),
    ("government integration US CIO", ("C28",)),
    ("bank LATAM spanish speaking CTO", ("C29",)),
    ("$2B revenue bank Brazil", ("C31",)),
    ("fintech singapore CEO", ("C32",)),
    ("credit union canada lending", ("C33",)),
    ("energy predictive maintenance spain", ("C34",)),
    ("pharma data migration switzerland German-speaking", ("C18",)),
    ("software integration data migration US VP engineering", ("C35",)),
    ("private bank switzerland COO", ("C38",)),
    ("building society UK loan origination", ("C39", "C40")),
    ("helthcare new zealand patient sheduling", ("C41",)),
    ("insurance middle east VP claims", ("C42",)),
    ("claims automation sweden CTO", ("C09",)),
    ("case study fraud detection bank germany", ("C46",)),
    ("press retail", ("C19", "C47")),
    ("video testimonial healthcare", ("C13",)),
    ("bank replaced oracle EMEA", ("C06", "C02")),
    ("rheinbnk", ("C02",)),
    ("Anyone have a bank in Germany I can call? Need it by Friday.", ("C03",)),
    # structured, as the search modal and the CLI send them
    (Criteria(industry="Banking", country="DE", products=["Payments"]), ("C02",)),
    (Criteria(industry="Healthcare", region=Region.APAC), ("C41",)),
    (Criteria(use_case="Loan origination", country="GB"), ("C39", "C40")),
    (Criteria(industry="Insurance", employees=3000, country="AT", seniority=Seniority.vp), ("C07",)),
    (Criteria(competitor="Pega"), ("C07",)),
    (Criteria(industry="Public Sector", products=["Customer Portal"], region=Region.EMEA), ("C27",)),
    (Criteria(industry="Manufacturing", annual_revenue=4_000_000_000, country="US"), ("C25",)),
    (Criteria(topics=["change management"]), ("C05",)),
    (Criteria(industry="Healthcare", activity=ActivityType.site_visit, country="DE"), ("C10", "C12")),
    (Criteria(industry="Banking", persona=Persona.technical, seniority=Seniority.c_level, country="AR"), ("C29",)),
    (Criteria(industry="Retail", country="JP", persona=Persona.technical), ("C22",)),
    (Criteria(industry="Banking", country="CA", language="French"), ("C33",)),
]


def _criteria(query: str | Criteria) -> Criteria:
    return parse_query(query, VOCAB).criteria if isinstance(query, str) else query


def _label(query: str | Criteria) -> str:
    return query if isinstance(query, str) else query.summary()


def test_the_set_is_large_and_mixed():
    assert len(LABELLED) >= 30
    assert sum(isinstance(q, str) for q, _ in LABELLED) >= 20
    assert sum(isinstance(q, Criteria) for q, _ in LABELLED) >= 10


@pytest.mark.parametrize(("query", "expected"), LABELLED, ids=[_label(q)[:60] for q, _ in LABELLED])
def test_expected_references_are_in_the_top_3(query, expected):
    result = ENGINE.search(_criteria(query), today=TODAY, limit=5)
    top3 = [m.candidate.contact_external_id for m in result.matches[:3]]
    assert set(expected) <= set(top3), f"{_label(query)}: top 3 {top3}, expected {expected}"


def test_the_best_answer_is_first_almost_always():
    firsts = [
        ENGINE.search(_criteria(q), today=TODAY, limit=1).matches[0].candidate.contact_external_id == expected[0]
        for q, expected in LABELLED
    ]
    assert sum(firsts) / len(firsts) >= 0.9


@pytest.mark.parametrize(("query", "expected"), LABELLED, ids=[_label(q)[:60] for q, _ in LABELLED])
def test_no_resting_contact_outranks_an_available_one_of_comparable_fit(query, expected):
    matches = ENGINE.search(_criteria(query), today=TODAY, limit=12).matches
    for i, resting in enumerate(matches):
        if resting.available:
            continue
        assert resting.unavailable_reason and (resting.available_from or "busy" in resting.unavailable_reason)
        for later in matches[i + 1 :]:
            if later.available:
                assert later.score < resting.score - COMPARABLE_FIT, (
                    f"{_label(query)}: resting {resting.candidate.contact_external_id} ({resting.score}) "
                    f"above available {later.candidate.contact_external_id} ({later.score})"
                )


def test_never_offered_contacts_never_appear():
    never = {"C36", "C37", "C43", "C44", "C45"}  # retired/paused accounts, opted-out/paused/retired contacts
    for query, _ in LABELLED:
        ids = {m.candidate.contact_external_id for m in ENGINE.search(_criteria(query), today=TODAY, limit=20).matches}
        assert not ids & never, _label(query)


def test_every_match_explains_itself():
    for query, _ in LABELLED:
        criteria = _criteria(query)
        for m in ENGINE.search(criteria, today=TODAY, limit=5).matches:
            assert 0 <= m.score <= 100
            assert m.reasons or m.compromises or criteria.is_empty() or set(criteria.model_fields_set) <= {"activity"}
