"""The seller-style labelled set (seller_queries.py) over the fixture program, read as sellers see the
results: one row per account. Every label in the top 3 rows; a tuple's first item first (almost always);
never an opted-out, paused, retired or unwilling contact."""

import pytest

from refbot.matching.engine import MatchingEngine
from refbot.matching.parser import Vocabulary, parse_query
from tests.matching.fixtures import TODAY, program
from tests.matching.seller_queries import SELLER_QUERIES

CANDIDATES = program()
ENGINE = MatchingEngine(CANDIDATES)
VOCAB = Vocabulary.from_candidates(CANDIDATES)
NEVER = {"C36", "C37", "C43", "C44", "C45"}


def _rows(text: str, limit: int = 5) -> list[tuple[str, str]]:
    result = ENGINE.search(parse_query(text, VOCAB).criteria, today=TODAY, limit=limit, one_per_account=True)
    return [(m.candidate.account_external_id, m.candidate.contact_external_id) for m in result.matches]


def _hit(label: str, row: tuple[str, str]) -> bool:
    return label in row


def test_the_set_is_large():
    assert len(SELLER_QUERIES) >= 60


@pytest.mark.parametrize(("text", "expected"), SELLER_QUERIES, ids=[q[:60] for q, _ in SELLER_QUERIES])
def test_expected_rows_are_in_the_top_3(text, expected):
    rows = _rows(text)
    top3 = rows[:3]
    missing = [e for e in expected if not any(_hit(e, r) for r in top3)]
    assert not missing, f"{text!r}: top 3 {top3}, missing {missing}"
    accounts = [a for a, _ in rows]
    assert len(accounts) == len(set(accounts)), f"{text!r}: an account fills two rows: {rows}"


def test_the_best_answer_is_first_almost_always():
    ordered = [(q, e) for q, e in SELLER_QUERIES if isinstance(e, tuple)]
    firsts = [_hit(e[0], _rows(q, 1)[0]) for q, e in ordered]
    assert sum(firsts) / len(firsts) >= 0.9, [q for (q, _), ok in zip(ordered, firsts, strict=True) if not ok]


def test_never_an_opted_out_paused_retired_or_unwilling_contact():
    for text, _ in SELLER_QUERIES:
        criteria = parse_query(text, VOCAB).criteria
        for m in ENGINE.search(criteria, today=TODAY, limit=20, one_per_account=True).matches:
            assert m.candidate.contact_external_id not in NEVER, text
            wanted = None if "activity" in criteria.soft else criteria.activity  # a wish: a call will do
            assert m.candidate.agrees_to(wanted), text
