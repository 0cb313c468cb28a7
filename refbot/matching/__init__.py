"""Pure matching engine: criteria + candidates -> ranked, explained matches; and the free-text query parser.

No Slack, no database session: the search service builds `Candidate`s from rows and calls
`MatchingEngine.search`; `parse_query` turns `/reference search` text into `Criteria`.
"""

from refbot.matching.candidates import Availability, Candidate, FatiguePolicy, availability
from refbot.matching.criteria import Criteria
from refbot.matching.engine import GOOD_MATCH_SCORE, Match, MatchingEngine, SearchResult
from refbot.matching.parser import ParsedQuery, Vocabulary, parse_query

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
