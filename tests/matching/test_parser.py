"""Free-text queries -> criteria, with the program's own vocabulary, typos and common-word traps."""

import pytest

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.matching.parser import Vocabulary, parse_query
from tests.matching.fixtures import program

VOCAB = Vocabulary.from_candidates(program())


def parse(text):
    return parse_query(text, VOCAB)


def test_vocabulary_comes_from_the_program():
    assert "Healthcare" in VOCAB.industries and "Fraud detection" in VOCAB.use_cases
    assert "Integration Hub" in VOCAB.products and "Oracle" in VOCAB.competitors
    assert "integration" in VOCAB.topics and "Rheinbank AG" in VOCAB.account_names
    assert "DE" in VOCAB.countries and "German" in VOCAB.languages
    assert len(VOCAB.industries) == len(set(VOCAB.industries))


def test_the_example_from_the_issue():
    p = parse("healthcare 5k employees germny VP integration")
    c = p.criteria
    assert c.industry == "Healthcare"
    assert c.employees == 5000
    assert c.country == "DE"
    assert c.seniority is Seniority.vp
    assert c.use_case == "Integration" and c.topics == ["integration"]
    assert c.keywords == [] and p.unparsed == []
    assert p.notes == ["germny -> Germany"]


@pytest.mark.parametrize(
    ("text", "employees", "revenue"),
    [
        ("5k", 5000, None),
        ("5,000 employees", 5000, None),
        ("5000 staff", 5000, None),
        ("headcount of 12,500", 12500, None),
        ("$2B revenue", None, 2_000_000_000),
        ("2bn", None, 2_000_000_000),
        ("500m revenue", None, 500_000_000),
        ("revenue of $1.5 billion", None, 1_500_000_000),
        ("€300M", None, 300_000_000),
        ("1k-5k employees", 2200, None),
        ("3,000 employees and $750M in revenue", 3000, 750_000_000),
    ],
)
def test_numbers(text, employees, revenue):
    c = parse(text).criteria
    assert c.employees == employees
    assert c.annual_revenue == revenue
    assert c.keywords == []


def test_shorthand_numbers_are_explained_and_odd_ones_left_alone():
    assert parse("2bn").notes == ["2bn -> $2B revenue"]
    assert parse("healthcare 5k").notes == ["5k -> 5,000 employees"]
    p = parse("top 3 banks 2025")
    assert p.criteria.employees is None and p.criteria.annual_revenue is None
    assert "3" in p.unparsed and "2025" in p.unparsed


@pytest.mark.parametrize(
    ("text", "seniority", "persona"),
    [
        ("CIO", Seniority.c_level, Persona.technical),
        ("CFO", Seniority.c_level, Persona.business),
        ("CTO", Seniority.c_level, Persona.technical),
        ("c-level", Seniority.c_level, None),
        ("C-suite exec", Seniority.c_level, None),
        ("VP", Seniority.vp, None),
        ("vice president finance", Seniority.vp, Persona.business),
        ("head of IT", Seniority.vp, Persona.technical),
        ("IT director", Seniority.director, Persona.technical),
        ("it director", Seniority.director, Persona.technical),
        ("engineering manager", Seniority.manager, Persona.technical),
        ("business manager", Seniority.manager, Persona.business),
        ("CFO with a technical background", Seniority.c_level, Persona.technical),
    ],
)
def test_seniority_and_persona_words(text, seniority, persona):
    c = parse(text).criteria
    assert c.seniority is seniority
    assert c.persona is persona


@pytest.mark.parametrize(
    ("text", "region"),
    [("EMEA", Region.EMEA), ("apac", Region.APAC), ("DACH", Region.EMEA), ("Europe", Region.EMEA),
     ("LATAM", Region.LATAM), ("North America", Region.NA), ("latin america", Region.LATAM)],
)
def test_regions(text, region):
    c = parse(f"bank {text}").criteria
    assert c.region is region and c.country is None and c.industry == "Banking"


@pytest.mark.parametrize(
    ("text", "activity"),
    [("site visit", ActivityType.site_visit), ("case study", ActivityType.case_study), ("press", ActivityType.press),
     ("analyst briefing", ActivityType.analyst), ("video testimonial", ActivityType.video),
     ("speak at our event", ActivityType.event), ("reference call", ActivityType.call), ("call", ActivityType.call),
     ("call or site visit", ActivityType.site_visit)],
)
def test_activities(text, activity):
    assert parse(text).criteria.activity is activity


@pytest.mark.parametrize(
    ("text", "language", "country"),
    [("German-speaking bank", "German", None), ("speaks Spanish", "Spanish", None),
     ("call in French", "French", None), ("german speaker in Switzerland", "German", "CH"),
     ("German bank", None, "DE")],
)
def test_languages_and_nationalities(text, language, country):
    c = parse(text).criteria
    assert c.language == language
    assert c.country == country


@pytest.mark.parametrize(
    ("text", "field", "value", "note"),
    [
        ("germny", "country", "DE", "germny -> Germany"),
        ("Fance", "country", "FR", "Fance -> France"),
        ("itlay", "country", "IT", "itlay -> Italy"),
        ("helthcare", "industry", "Healthcare", "helthcare -> Healthcare"),
        ("bankng", "industry", "Banking", "bankng -> Banking"),
        ("insurence", "industry", "Insurance", "insurence -> Insurance"),
        ("manufacturng", "industry", "Manufacturing", "manufacturng -> Manufacturing"),
        ("United Kingdom", "country", "GB", None),
        ("UK", "country", "GB", None),
        ("U.S.", "country", "US", None),
        ("banks", "industry", "Banking", None),
        ("insurer", "industry", "Insurance", "insurer -> Insurance"),
        ("hospital", "industry", "Healthcare", "hospital -> Healthcare"),
        ("e-commerce", "industry", "Retail", "e-commerce -> Retail"),
        ("fraud", "use_case", "Fraud detection", "fraud -> Fraud detection"),
        ("replaced oracle", "competitor", "Oracle", None),
        ("migrated off Salesforse", "competitor", "Salesforce", "Salesforse -> Salesforce"),
        ("replacing Siebel", "competitor", "Siebel", None),
    ],
)
def test_vocabulary_typos_and_hints(text, field, value, note):
    p = parse(text)
    assert getattr(p.criteria, field) == value
    if note:
        assert note in p.notes
    else:
        assert p.notes == []


@pytest.mark.parametrize(
    "word",
    ["need", "with", "call", "for", "the", "portal", "child", "within", "would", "about", "there", "other", "great",
     "please", "someone", "anyone", "looking", "customer", "reference", "prospect", "quickly", "banner", "chain",
     "canal", "spin", "indie", "mail", "walls", "retain", "detail", "media", "energetic"],
)
def test_common_words_never_become_a_country_or_an_industry(word):
    c = parse(word).criteria
    assert c.country is None and c.region is None and c.industry is None, word


def test_codes_only_count_in_capitals():
    assert parse("bank in DE").criteria.country == "DE"
    assert parse("is it in de facto use").criteria.country is None
    assert parse("IT in IN").criteria.country is None  # IT is a persona, IN is too ambiguous
    assert parse("ALL CAPS BANK IN GERMANY").criteria.country == "DE"


def test_black_market_ask_reads_cleanly():
    p = parse("Anyone have a bank in Germany I can call? Need it by Friday!")
    c = p.criteria
    assert (c.industry, c.country, c.activity) == ("Banking", "DE", ActivityType.call)
    assert c.keywords == [] and p.unparsed == []


def test_leftover_words_become_keywords():
    p = parse("rheinbnk psd2 VP")
    assert p.criteria.seniority is Seniority.vp
    assert p.criteria.keywords == ["rheinbnk", "psd2"]
    assert p.unparsed == ["rheinbnk", "psd2"]


def test_account_names_are_kept_together():
    p = parse("Banque Lumière case study")
    assert p.criteria.keywords == ["Banque Lumière"]
    assert p.criteria.industry is None and p.criteria.activity is ActivityType.case_study


def test_empty_text_is_an_empty_search():
    p = parse("   ")
    assert p.criteria.is_empty() and p.unparsed == [] and p.notes == []
