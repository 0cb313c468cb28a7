"""Criteria: normalised input from the modal, the CLI and stored searches; the one-line summary."""

import pytest
from pydantic import ValidationError

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.matching.criteria import Criteria


def test_values_from_forms_are_normalised():
    c = Criteria.model_validate(
        {
            "industry": "  Healthcare ",
            "country": "germany",
            "region": "Europe",
            "seniority": "C-level",
            "persona": "Technical",
            "activity": "site visit",
            "language": "deutsch",
            "products": ["Payments", " payments ", ""],
            "keywords": "acme",
        }
    )
    assert c.industry == "Healthcare"
    assert c.country == "DE"
    assert c.region is Region.EMEA
    assert c.seniority is Seniority.c_level and c.persona is Persona.technical
    assert c.activity is ActivityType.site_visit
    assert c.language == "German"
    assert c.products == ["Payments"]
    assert c.keywords == ["acme"]


def test_stored_search_round_trips():
    c = Criteria(industry="Banking", employees=5000, country="FR", seniority=Seniority.vp, topics=["roi"])
    again = Criteria.model_validate(c.model_dump(mode="json", exclude_defaults=True))
    assert again == c


@pytest.mark.parametrize(
    "data", [{"country": "Atlantis"}, {"region": "Mars"}, {"employees": 0}, {"seniority": "boss"}]
)
def test_bad_values_are_refused(data):
    with pytest.raises(ValidationError):
        Criteria.model_validate(data)


def test_empty_and_summary():
    assert Criteria().is_empty()
    assert Criteria().summary() == ""
    assert not Criteria(activity=ActivityType.call).is_empty()
    c = Criteria(industry="Healthcare", employees=5000, country="DE", seniority=Seniority.vp)
    assert c.summary() == "Healthcare · 5,000 employees · Germany · VP"
    full = Criteria(
        annual_revenue=2_000_000_000, region=Region.APAC, competitor="Oracle", activity=ActivityType.case_study,
        language="es", keywords=["acme"],
    )
    assert full.summary() == '$2B revenue · APAC · replaced Oracle · case study · Spanish-speaking · "acme"'
