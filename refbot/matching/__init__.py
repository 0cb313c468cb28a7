"""Pure matching engine: criteria + candidates -> ranked, explained matches; and the free-text query parser.

No Slack, no database session: the search service builds `Candidate`s from rows and calls
`MatchingEngine.search`; `parse_query` turns `/reference search` text into `Criteria`.

The names below are imported on first use (PEP 562), not with the package: `refbot.matching.candidates`
(what the policy and the report need) must not pay for the engine, the vocabulary, rapidfuzz and
pycountry, which only a search uses (bench/bench_startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from refbot import lazy

if TYPE_CHECKING:
    from refbot.matching.candidates import Availability, Candidate, FatiguePolicy, availability
    from refbot.matching.criteria import Criteria
    from refbot.matching.engine import GOOD_MATCH_SCORE, Match, MatchingEngine, SearchResult
    from refbot.matching.parser import ParsedQuery, Vocabulary, parse_query

_WHERE = {
    "Availability": "candidates",
    "Candidate": "candidates",
    "FatiguePolicy": "candidates",
    "availability": "candidates",
    "Criteria": "criteria",
    "GOOD_MATCH_SCORE": "engine",
    "Match": "engine",
    "MatchingEngine": "engine",
    "SearchResult": "engine",
    "ParsedQuery": "parser",
    "Vocabulary": "parser",
    "parse_query": "parser",
}

__all__ = [
    "GOOD_MATCH_SCORE",
    "Availability",
    "Candidate",
    "Criteria",
    "FatiguePolicy",
    "Match",
    "MatchingEngine",
    "ParsedQuery",
    "SearchResult",
    "Vocabulary",
    "availability",
    "parse_query",
]


__getattr__, __dir__ = lazy.attributes(__name__, _WHERE)
