"""The part of an ask that describes the wanted reference (industry, country, size ...), for the search parser."""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from refbot.asks.markup import SPACES

if TYPE_CHECKING:
    from refbot.matching.parser import Vocabulary

__all__ = ["ask_query"]

MAX_QUERY_CHARS = 300
SENTENCE = re.compile(r"[^.?!\n]+(?:[.?!]+|\n|$)")

_LEAD_INS = re.compile(
    r"^(?:(?:hi|hey|hello|yo|morning|quick q|quick question|quick one|quick ask|question for the group|long shot but"
    r"|help|urgent|sooo*|so|ok|okay|calling all \w+)\b(?: (?:all|team|folks|everyone|guys|y'?all|there)\b)?"
    r"\s*[!,:.\-\u2014]*\s*)+",
    re.I,
)
# Removed from each sentence in this order: purpose clauses, request phrases, politeness, leftovers.
_QUERY_FILLERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.I)
    for pattern in (
        r"\b(?:who|that|which)(?:'d|'s| would| could| can| might| will| is| are)?(?: be)?"
        r"(?: (?:willing|happy|open|ok|okay|keen|able|up for it))?(?: to| for)?"
        r" (?:take|do|jump on|hop on|get on|join|talk|speak|chat|vouch|give)\w*\b[^,;]*",
        r"\b(?:to|for (?:my|a) prospect to) (?:talk|speak|chat)(?: to| with)? (?:a |an |my |our |the |one of my )?"
        r"prospect(?:'s)?(?: \w+)?\b",
        r"\b(?:(?:that )?(?:i|we) (?:can|could) (?:call|ring|use|contact|reach out to|ask(?: to do a reference call)?)"
        r"|(?:that )?i could put in front of my prospect|for a reference call)\b",
        r"\b(?:does|do|did|has|have|is|are) (?:anyone|anybody|any of (?:you|y'all)|either of you|we|you|there)"
        r"(?: (?:have|has|got|know|know of|aware of|still have|who has|out there))?(?: of)?\b",
        r"\b(?:can|could|would) (?:you|you guys|someone|anyone|somebody|anybody) (?:help me find|help me out with|help"
        r"|connect me with|connect me to|intro me to|introduce me to|point me to|recommend|share|tell me|hook me up with)\b",
        r"\b(?:anyone|anybody|someone|somebody)(?: (?:have|has|got|know|know of|able to share|aware of|able to find me))?\b",
        r"\bwho(?:'s| has| have| do we have| could i reach out to for| do i ask about getting| can i ask for)?"
        r"(?: got)?\b",
        r"\b(?:i(?:'m| am)?|we(?:'re| are)?|i really|we really|still)? ?(?:need(?:s|ed)?(?: help finding)?|looking for"
        r"|trying to find|trying to line up|searching for|requesting)\b(?!-by)",
        r"\b(?:can|could) (?:i|we) (?:get|have|find|borrow)\b",
        r"\bany (?:chance|ideas|idea|leads|help|suggestions|takers)(?: (?:we have|someone has|who i could ask|appreciated"
        r"|much appreciated))?\b",
        r"\b(?:please|thanks(?: in advance)?|thx|tia|help|dm me|ping me|lmk|asap|urgently|much appreciated)\b",
        r"(?:^|\s)'[sd]\b",
    )
)
_QUERY_JUNK = re.compile(r"^[\s,;:.!?\-\u2014()]+|[\s,;:.!?\-\u2014(]+$")
_QUERY_LEAD_WORDS = re.compile(r"^(?:(?:a|an|any|some|one|the|have|got|me|for|with)\b\s*)+", re.I)
_ALNUM = re.compile(r"[A-Za-z0-9]")


def ask_query(norm: str) -> str:
    """What remains of each sentence once greetings, request phrases and politeness are removed.

    A removed phrase still gives up the words the search parser reads as a role or an activity:
    "who'd take a call with their CIO" keeps "CIO", "would host a site visit" keeps "site visit".
    """
    parts: list[str] = []
    for match in SENTENCE.finditer(norm):
        chunk = _LEAD_INS.sub("", match.group(0).strip())
        kept: list[str] = []
        for filler in _QUERY_FILLERS:
            chunk = filler.sub(partial(_keep, kept=kept), chunk)
        chunk = SPACES.sub(" ", chunk)
        chunk = _QUERY_JUNK.sub("", _QUERY_LEAD_WORDS.sub("", _QUERY_JUNK.sub("", chunk)))
        if len(_ALNUM.findall(chunk)) >= 3:
            parts.append(chunk)
        parts.extend(kept)
    return "; ".join(dict.fromkeys(parts))[:MAX_QUERY_CHARS].strip()


_PHRASE_WORD = re.compile(r"[A-Za-z][A-Za-z&/-]*")


def _keep(match: re.Match[str], kept: list[str]) -> str:
    words = _PHRASE_WORD.findall(match.group(0))
    i = 0
    while i < len(words):
        if _reading(words[i]) is None:  # a word the parser skips ("a", "to"): no phrase starts here
            i += 1
            continue
        for n in (3, 2, 1):
            phrase = " ".join(words[i : i + n])
            if i + n <= len(words) and _reading(phrase):
                kept.append(phrase)
                i += n
                break
        else:
            i += 1
    return " "


@lru_cache(maxsize=4096)
def _reading(phrase: str) -> bool | None:
    """How the search parser reads `phrase` alone: True for a seniority, persona or activity other than a
    call (and nothing else); None when it reads nothing at all; otherwise False."""
    from refbot.domain import ActivityType
    from refbot.matching.parser import parse_query

    if len(phrase) > 40:
        return False
    parsed = parse_query(phrase, _empty_vocabulary())
    c = parsed.criteria
    if parsed.unparsed or parsed.notes:
        return False
    if c.seniority or c.persona or (c.activity is not None and c.activity is not ActivityType.call):
        return True
    return None if not c.model_dump(exclude_defaults=True) else False


@lru_cache(maxsize=1)
def _empty_vocabulary() -> Vocabulary:
    from refbot.matching.parser import Vocabulary

    return Vocabulary()
