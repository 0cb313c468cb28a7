"""Places: every ISO 3166 country by name, code, common and native names; named groups as country sets;
lists read as "any of"; groups match any of their countries as the same place."""

import pytest

from refbot.domain import Region
from refbot.geo import all_countries, country_name, place_groups, region_of, resolve_country, resolve_region
from refbot.matching.criteria import Criteria
from refbot.matching.engine import MatchingEngine
from refbot.matching.parser import Vocabulary, parse_query
from tests.matching.fixtures import TODAY, candidate, program

VOCAB = Vocabulary.from_candidates(program())


def test_every_iso_country_is_known():
    assert len(all_countries()) == 249
    for iso, name, region in all_countries():
        assert resolve_country(iso) == iso and resolve_country(name) == iso, name
        assert region in Region


@pytest.mark.parametrize(
    ("text", "iso"),
    [("Kazakhstan", "KZ"), ("Russia", "RU"), ("Russian Federation", "RU"), ("Bolivia", "BO"), ("KAZ", "KZ"),
     ("Deutschland", "DE"), ("España", "ES"), ("Schweiz", "CH"), ("Viet Nam", "VN"), ("South Korea", "KR"),
     ("Republic of Korea", "KR"), ("Türkiye", "TR"), ("Czech Republic", "CZ"), ("Ivory Coast", "CI"),
     ("the States", "US"), ("UK", "GB"), ("Holland", "NL")],
)
def test_names_codes_and_native_names(text, iso):
    assert resolve_country(text) == iso


def test_readable_names_and_regions():
    assert (country_name("RU"), country_name("BO"), country_name("KR"), country_name("IR")) == (
        "Russia", "Bolivia", "South Korea", "Iran")
    assert (region_of("KZ"), region_of("BO"), region_of("NZ"), region_of("CA")) == (
        Region.EMEA, Region.LATAM, Region.APAC, Region.NA)
    assert resolve_region("DACH") is Region.EMEA and resolve_region("ANZ") is Region.APAC


def test_groups_are_country_sets():
    groups = {g.name: g.countries for g in place_groups()}
    assert groups["DACH"] == {"DE", "AT", "CH"}
    assert groups["Benelux"] == {"BE", "NL", "LU"}
    assert groups["the GCC"] <= groups["the Middle East"] <= groups["MENA"]
    assert groups["the Baltics"] <= groups["CEE"] and "DE" not in groups["CEE"]
    assert {"ZA", "AE", "EG"}.isdisjoint(groups["Europe"]) and "ZA" in groups["Africa"]  # Europe is not EMEA


@pytest.mark.parametrize(
    ("text", "countries", "place"),
    [
        ("bank in DACH", {"DE", "AT", "CH"}, "DACH"),
        ("insurer in the nordics", {"SE", "NO", "DK", "FI", "IS"}, "the Nordics"),
        ("ANZ healthcare", {"AU", "NZ"}, "ANZ"),
        ("bank in UK&I", {"GB", "IE"}, "UK & Ireland"),
        ("fintech in SEA", {"SG", "MY", "TH", "VN", "ID", "PH", "KH", "LA", "MM", "BN", "TL"}, "Southeast Asia"),
        ("banks in Germany, Austria or Switzerland", {"DE", "AT", "CH"}, None),
        ("benelux or dach", {"BE", "NL", "LU", "DE", "AT", "CH"}, "Benelux or DACH"),
    ],
)
def test_groups_and_lists_read_as_any_of(text, countries, place):
    c = parse_query(text, VOCAB).criteria
    assert set(c.countries) == countries and c.place == place


def test_a_group_matches_any_of_its_countries_as_the_same_place():
    cands = [candidate(1, country="DE"), candidate(2, country="CH"), candidate(3, country="GB"),
             candidate(4, country="ZA")]
    r = MatchingEngine(cands).search(Criteria(industry="Banking", countries=["DE", "AT", "CH"], place="DACH"),
                                     today=TODAY)
    by = {m.candidate.contact_external_id: m for m in r.matches}
    assert by["T1"].score == by["T2"].score == 100
    assert "in DACH: Switzerland" in by["T2"].reasons
    assert by["T3"].score < 100 and "in the United Kingdom, not DACH" in by["T3"].compromises
    assert "in South Africa, not DACH" in by["T4"].compromises  # EMEA, like the UK: a nearby place, not the same


def test_countries_whose_name_takes_the_read_with_it_in_a_reason():
    cands = [candidate(1, country="GB"), candidate(2, country="NL"), candidate(3, country="US"),
             candidate(4, country="AT"), candidate(5, country="DE")]
    r = MatchingEngine(cands).search(Criteria(industry="Banking", country="DE"), today=TODAY)
    by = {m.candidate.contact_external_id: m.compromises for m in r.matches}
    assert by["T1"] == ["in the United Kingdom, not Germany"]
    assert by["T2"] == ["in the Netherlands, not Germany"]
    assert by["T3"] == ["in the United States, outside EMEA"]
    assert by["T4"] == ["in Austria, not Germany"]  # most names take no article
    asked_uk = MatchingEngine(cands).search(Criteria(industry="Banking", country="GB"), today=TODAY)
    assert "in Austria, not the United Kingdom" in next(m for m in asked_uk.matches
                                                        if m.candidate.contact_external_id == "T4").compromises
    nothing_there = MatchingEngine([candidate(1, country="SG")]).search(
        Criteria(industry="Banking", country="PH"), today=TODAY)
    assert nothing_there.matches[0].compromises == ["no reference in the Philippines: showing APAC"]
