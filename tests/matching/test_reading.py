"""What the parser reads the way sellers write: industry abbreviations and families, size words and
bounds, seniority ranges, soft wishes, glossary spellings (built-in and the program's own), and words it
does not understand (reported once, never a criterion every result fails)."""

import pytest

from refbot.domain import ActivityType, Seniority
from refbot.matching.criteria import Criteria
from refbot.matching.engine import SHOW_FLOOR, MatchingEngine
from refbot.matching.parser import Vocabulary, parse_query
from tests.matching.fixtures import TODAY, candidate, program

CANDIDATES = program()
VOCAB = Vocabulary.from_candidates(CANDIDATES)
ENGINE = MatchingEngine(CANDIDATES)


def parse(text, vocab=VOCAB):
    return parse_query(text, vocab)


@pytest.mark.parametrize(
    ("text", "industry", "family", "label"),
    [
        ("FSI", None, "Financial Services", None),
        ("BFSI prospect", None, "Financial Services", None),
        ("fin serv", None, "Financial Services", None),
        ("HLS", None, "Healthcare & Life Sciences", None),
        ("mfg", "Manufacturing", None, None),
        ("pub sec", "Public Sector", None, None),
        ("CPG", None, "Retail & Consumer", "Consumer Goods"),
        ("telco", None, "Technology", "Telecommunications"),
        ("credit union", "Banking", None, None),
        ("financial services", "Financial Services", None, None),
    ],
)
def test_industry_abbreviations_and_families(text, industry, family, label):
    c = parse(text).criteria
    assert (c.industry, c.industry_family, c.industry_label) == (industry, family, label)


def test_same_industry_beats_same_family_beats_elsewhere_and_says_which():
    r = ENGINE.search(parse("financial services prospect in Germany").criteria, today=TODAY, limit=8)
    german_bank = next(m for m in r.matches if m.candidate.account_name == "Rheinbank AG")
    assert "Banking for a Financial Services prospect: both Financial Services" in german_bank.reasons
    whole = ENGINE.search(parse("FSI in Germany").criteria, today=TODAY, limit=3, one_per_account=True)
    assert {m.candidate.industry for m in whole.matches} == {"Banking"}
    assert whole.matches[0].reasons[0] == "Banking, in Financial Services"


@pytest.mark.parametrize(
    ("text", "point", "lo", "hi"),
    [
        ("2,000+ employees", None, 2000, None),
        ("10k+", None, 10000, None),
        ("over 5k", None, 5000, None),
        ("more than 5,000 people", None, 5000, None),
        ("under 500 people", None, None, 500),
        ("less than 1k employees", None, None, 1000),
        ("between 1k and 5k", 2200, 1000, 5000),
        ("1k-5k employees", 2200, 1000, 5000),
        ("~3k", 3000, None, None),
        ("small", None, None, 999),
        ("SMB", None, None, 999),
        ("mid-market", None, 1000, 4999),
        ("mid size", None, 1000, 4999),
        ("enterprise", None, 5000, None),
        ("big", None, 5000, None),
        ("small clinic 300 employees", 300, None, None),  # a number wins over a word
    ],
)
def test_size_words_and_bounds(text, point, lo, hi):
    c = parse(text).criteria
    assert (c.employees, c.employees_min, c.employees_max) == (point, lo, hi)


@pytest.mark.parametrize(
    ("text", "lo"),
    [("Fortune 500", 7_000_000_000), ("fortune 100 bank", 50_000_000_000), ("Global 2000", 4_000_000_000),
     ("F500 retailer", 7_000_000_000)],
)
def test_company_lists_are_revenue_bands_not_employees(text, lo):
    c = parse(text).criteria
    assert c.revenue_min == lo and c.employees is None and c.employees_min is None


def test_bounds_score_inside_fully_and_outside_by_distance():
    cands = [candidate(1, employees=3000), candidate(2, employees=800), candidate(3, employees=90)]
    r = MatchingEngine(cands).search(Criteria(employees_min=1000, employees_max=4999), today=TODAY)
    by = {m.candidate.contact_external_id: m for m in r.matches}
    assert by["T1"].score == 100 and by["T1"].reasons == ["size as asked: 3,000 employees (1,000–4,999 employees asked)"]
    assert 100 > by["T2"].score > by["T3"].score


@pytest.mark.parametrize(
    ("text", "level", "or_higher"),
    [("VP or higher", Seniority.vp, True), ("director+", Seniority.director, True),
     ("director or above", Seniority.director, True), ("VP+", Seniority.vp, True), ("C-suite", Seniority.c_level, False),
     ("exec", Seniority.c_level, True), ("director", Seniority.director, False)],
)
def test_seniority_ranges(text, level, or_higher):
    c = parse(text).criteria
    assert (c.seniority, c.seniority_or_higher) == (level, or_higher)
    assert c.keywords == []


def test_or_higher_counts_every_more_senior_level_fully():
    cands = [candidate(1, seniority=Seniority.c_level), candidate(2, seniority=Seniority.director)]
    plain = MatchingEngine(cands).search(Criteria(seniority=Seniority.manager), today=TODAY)
    ranged = MatchingEngine(cands).search(Criteria(seniority=Seniority.manager, seniority_or_higher=True), today=TODAY)
    c_level = next(m for m in plain.matches if m.candidate.contact_external_id == "T1")
    assert c_level.score < 100  # three levels above a manager: fine, not perfect
    assert all(m.score == 100 for m in ranged.matches)


def test_soft_wishes_weigh_less_and_never_exclude():
    c = parse("insurance claims automation, ideally in Austria").criteria
    assert c.country == "AT" and c.soft == ["geo"] and c.industry == "Insurance"
    firm = ENGINE.search(parse("insurance claims automation in Austria").criteria, today=TODAY, limit=3,
                         one_per_account=True)
    soft = ENGINE.search(c, today=TODAY, limit=3, one_per_account=True)
    assert soft.matches[0].candidate.country == "AT"
    elsewhere_firm = next(m for m in firm.matches if m.candidate.country != "AT")
    elsewhere_soft = next(m for m in soft.matches if m.candidate.country != "AT")
    assert elsewhere_soft.score > elsewhere_firm.score  # missing a wish costs less than missing a criterion
    for text in ("bank, preferably German-speaking", "bank nice to have fraud detection",
                 "bank bonus if they replaced Oracle"):
        assert parse(text).criteria.soft, text


def test_a_soft_activity_prefers_contacts_who_agreed_without_excluding_the_others():
    c = parse("german manufacturer, site visit if possible").criteria
    assert c.activity is ActivityType.site_visit and c.soft == ["activity"]
    r = ENGINE.search(c, today=TODAY, limit=5, one_per_account=True)
    assert r.matches[0].candidate.contact_external_id == "C23"  # the one open to a site visit
    assert len(r.matches) >= 2  # others still offered for a call


def test_glossary_spellings_meet_the_programs_words():
    assert parse("KYC").criteria.use_case == "Customer onboarding"
    assert parse("PdM").criteria.use_case == "Predictive maintenance"
    assert parse("OCM").criteria.topics == ["change management"]
    assert parse("self serve portal").criteria.use_case == "Self-service portal"
    assert "KYC -> Customer onboarding" in parse("KYC").notes


def test_the_programs_own_glossary_extends_the_built_in_one():
    cands = [candidate(1, use_cases=("Single sign-on",)), candidate(2, use_cases=("Data migration",))]
    plain = Vocabulary.from_candidates(cands)
    assert parse("SSO", plain).criteria.use_case == "Single sign-on"  # built in
    assert parse("IDM rollout", plain).criteria.use_case is None
    own = Vocabulary.from_candidates(cands, glossary=[("IDM", "single sign-on")])
    assert parse("IDM rollout", own).criteria.use_case == "Single sign-on"


def test_words_not_understood_are_reported_once_never_a_compromise_per_result():
    p = parse("pls need a ref at a bank in germany co, asap thx blorft")
    assert p.criteria.industry == "Banking" and p.criteria.country == "DE"
    r = ENGINE.search(p.criteria, today=TODAY, limit=5, one_per_account=True)
    assert r.unused == ["blorft"]
    assert not any("mention" in c for m in r.matches for c in m.compromises)
    assert r.matches[0].score == 100


def test_one_row_per_account_counts_the_others_and_pads_nothing_below_the_floor():
    r = ENGINE.search(parse("healthcare germany").criteria, today=TODAY, limit=5, one_per_account=True)
    accounts = [m.candidate.account_id for m in r.matches]
    assert len(accounts) == len(set(accounts))
    klinikum = r.matches[0]
    assert klinikum.candidate.account_name == "Klinikum Nord" and klinikum.more_at_account == 2
    assert all(m.score >= SHOW_FLOOR for m in r.matches)
    narrow = ENGINE.search(parse("pharma data migration switzerland").criteria, today=TODAY, limit=5,
                           one_per_account=True)
    assert len(narrow.matches) < 5  # no near-0% rows to fill the list


def test_fit_reflects_how_much_was_asked_and_a_note_says_when_order_and_fit_differ():
    little = ENGINE.search(parse("bank").criteria, today=TODAY, limit=3, one_per_account=True)
    more = ENGINE.search(parse("bank germany VP payments").criteria, today=TODAY, limit=3, one_per_account=True)
    assert little.matches[0].score == 100 and little.matches[0].fit < 90
    assert more.matches[0].fit == 100
    for r in (little, more):
        fits = [m.fit for m in r.matches]
        assert r.reordered == (fits != sorted(fits, reverse=True))


def test_excluded_contacts_are_never_offered():
    c = parse("bank germany VP").criteria
    first = ENGINE.search(c, today=TODAY, limit=5, one_per_account=True).matches[0].candidate
    again = ENGINE.search(c, today=TODAY, limit=20, exclude={first.contact_id}).matches
    assert first.contact_id not in {m.candidate.contact_id for m in again}
