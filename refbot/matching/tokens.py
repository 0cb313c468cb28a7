"""Tokens and the reading state shared by the parser's readers (words, numbers). Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from refbot.domain import ActivityType, Persona, Seniority
from refbot.matching.text import fold
from refbot.matching.vocabulary import VocabIndex


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass
class Tok:
    text: str  # as typed
    low: str  # folded
    start: int
    end: int
    used: bool = False


@dataclass
class State:
    toks: list[Tok]
    text: str
    shouting: bool
    index: VocabIndex | None = None
    original: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    seniorities: list[Seniority] = field(default_factory=list)
    implied_persona: Persona | None = None
    activities: list[ActivityType] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # in the order named: "any of"
    places: list[str] = field(default_factory=list)  # names of the groups named ("DACH")
    or_higher: bool = False

    def phrase(self, start: int, n: int) -> str | None:
        """Folded text of n unused tokens from `start`, or None when one is used or out of range."""
        if start + n > len(self.toks):
            return None
        part = self.toks[start : start + n]
        if any(t.used for t in part):
            return None
        return " ".join(t.low for t in part)

    def typed(self, start: int, n: int) -> str:
        """The words as the user typed them (hyphens included)."""
        return self.original[self.toks[start].start : self.toks[start + n - 1].end]

    def use(self, start: int, n: int) -> None:
        for t in self.toks[start : start + n]:
            t.used = True


    def after(self, i: int) -> str:
        """The characters typed right after token i (up to the next token)."""
        end = self.toks[i].end
        nxt = self.toks[i + 1].start if i + 1 < len(self.toks) else len(self.text)
        return self.text[end:nxt]

    def before(self, i: int) -> str:
        start = self.toks[i].start
        prev = self.toks[i - 1].end if i > 0 else 0
        return self.text[prev:start]


def note(st: State, typed: str, meant: str) -> None:
    if fold(typed) != fold(meant):
        text = f"{typed} -> {meant}"
        if text not in st.notes:
            st.notes.append(text)
