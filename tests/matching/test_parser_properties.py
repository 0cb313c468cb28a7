"""Property-based tests of the free-text query parser: whatever a seller types (unicode, emoji, control
characters, Slack markup, injection attempts, megabytes of text), `parse_query` never raises, returns valid
criteria with sane numbers, is deterministic, and still recognises the words it knows amid noise."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from refbot.domain import Seniority
from refbot.geo import all_countries
from refbot.matching.criteria import Criteria
from refbot.matching.parser import ParsedQuery, Vocabulary, parse_query
from tests.matching.fixtures import program

VOCAB = Vocabulary.from_candidates(program())
ISO2 = {iso for iso, _, _ in all_countries()}
MAX_QUANTITY = 10**15  # parse_quantity's ceiling

NASTY = [
    "'; DROP TABLE accounts; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM contacts;--",
    "<script>alert(1)</script>",
    "*bold* _italic_ ~strike~ `code` ```block```",
    "<@U123> <@W0ABC|dana> <#C0SALES|sales> <!channel> <!here> <!subteam^S123>",
    "<https://evil.example|click me> &lt;&gt;&amp;",
    "%s %d {0} {name} ${HOME} $(rm -rf /) `id`",
    "\x00\x01\x02\x1b[31m\x7f\u200b\u200e\u202e\ufeff",
    "🏦🇩🇪 bank 👩‍💻 VP 💯",
    "Ｂａｎｋ ｉｎ Ｇｅｒｍａｎｙ",  # full-width
    "İstanbul ǅ ß ﬁnance ﬀ",  # case mappings that change length
    "\u0301\u0301\u0301",  # lone combining marks
    "1k-5k 5-999999999999b 999999999999-5b $9999999999999999B 1e309 -5 NaN inf 0 0.0001k",
    "5,5,5,5,5,5,5,5,5,5 employees 1.2.3.4 revenue",
    "U.S. u.s.a. U. S. A.",
    "head of head of head of IT IT IT",
    "replaced replaced from off vs versus against",
    "a-b-c-d-e/f/g/h",
]

# What people actually type, plus the nasty strings, plus anything at all.
texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.sampled_from(NASTY),
    st.lists(st.sampled_from(NASTY + ["bank", "germany", "VP", "5k", "-", "to", "$", "€2B"]), max_size=12).map(" ".join),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=40)),
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(text: str) -> ParsedQuery:
    return parse_query(text, VOCAB)


def squash(text: str) -> str:
    return " ".join(text.split())


@PROPERTY
@given(texts)
@example("999999999999-5b")  # regression: a range whose multiplier overflows used to raise ValueError
@example("1-9999999999999b employees")
@example("x" * 20_000)
@example(" ".join(["bank"] * 2_000))
def test_parse_never_raises_and_returns_valid_criteria(text):
    parsed = parse(text)
    c = parsed.criteria
    assert isinstance(c, Criteria)
    # The criteria survive a round trip through their own validation (what the search log stores).
    assert Criteria.model_validate(c.model_dump()) == c
    for number in (c.employees, c.annual_revenue):
        assert number is None or (isinstance(number, int) and 1 <= number <= MAX_QUANTITY)
    assert c.country is None or c.country in ISO2
    assert c.industry is None or c.industry in VOCAB.industries
    assert all(p in VOCAB.products for p in c.products)
    assert all(t in VOCAB.topics for t in c.topics)
    # Leftover words are what the user typed (or an account name read as one), never invented text
    # ("U.S." is read as "USA" before anything else).
    typed = squash(text)
    for word in [*parsed.unparsed, *c.keywords]:
        assert word.strip() and (squash(word) in typed or word in VOCAB.account_names or word == "USA"), word
    c.summary()  # renders


@PROPERTY
@given(texts)
def test_parse_is_deterministic(text):
    first = parse(text)
    assert parse(text) == first
    # ... and does not depend on a vocabulary index warmed by earlier queries.
    assert parse_query(text, Vocabulary.from_candidates(program())) == first


# Noise the parser cannot read as anything: words of q, x and z (no English word, no country code in lower
# case, no typo of a known word: typos keep the first letter and no vocabulary word starts with q, x or z).
noise_word = st.text(alphabet="qxz", min_size=1, max_size=7)
noise = st.lists(noise_word, max_size=4).map(" ".join)
single_word_industries = [i for i in VOCAB.industries if " " not in i]


def any_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(ch.upper() if up else ch.lower() for ch, up in zip(word, flags, strict=True))
    )


@PROPERTY
@given(st.sampled_from(single_word_industries).flatmap(lambda i: st.tuples(st.just(i), any_case(i))), noise, noise)
def test_a_known_industry_in_any_case_is_recognised_amid_noise(industry_and_typed, before, after):
    industry, typed = industry_and_typed
    parsed = parse(f"{before} {typed} {after}")
    assert parsed.criteria.industry == industry
    assert typed not in parsed.unparsed


@PROPERTY
@given(st.integers(min_value=1, max_value=10**9), st.booleans(), noise, noise)
def test_an_employee_count_is_read_exactly(n, commas, before, after):
    number = f"{n:,}" if commas else str(n)
    c = parse(f"{before} {number} employees {after}").criteria
    assert c.employees == n and c.annual_revenue is None


@PROPERTY
@given(
    st.sampled_from([("VP", Seniority.vp), ("vice president", Seniority.vp), ("CIO", Seniority.c_level),
                     ("director", Seniority.director), ("manager", Seniority.manager)]),
    noise, noise,
)
def test_a_seniority_word_is_recognised_amid_noise(word_and_level, before, after):
    word, level = word_and_level
    assert parse(f"{before} {word} {after}").criteria.seniority is level


@PROPERTY
@given(st.sampled_from(NASTY), st.sampled_from(single_word_industries))
def test_markup_and_injection_around_a_query_do_not_hide_it(junk, industry):
    """Slack markup, SQL and HTML next to a real query leave the query's meaning intact."""
    clean = parse(f"{industry} germany VP").criteria
    noisy = parse(f"{junk} {industry} germany VP").criteria
    # The junk may add keywords or claim a field first (it contains "bank", numbers, ...), never drop one.
    assert noisy.industry is not None and noisy.country is not None and noisy.seniority is not None
    if not re.search(r"(?i)bank|ﬁnance|finance|ｂａｎｋ", junk):
        assert noisy.industry == clean.industry
