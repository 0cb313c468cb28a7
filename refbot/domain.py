"""Domain vocabulary shared by models, the matching engine, importers and Block Kit builders.

Pure: imports nothing from Slack or the database.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a human label, what messages show instead of the stored value: the value
    in words, capitalised ("site_visit" reads "Site visit"). A subclass overrides `label` for its exceptions."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Region(StrEnum):
    NA = "NA"
    LATAM = "LATAM"
    EMEA = "EMEA"
    APAC = "APAC"


class Seniority(LabelledEnum):
    c_level = "c_level"
    vp = "vp"
    director = "director"
    manager = "manager"
    individual = "individual"

    @property
    def rank(self) -> int:
        """5 for C-level down to 1 for individual contributors."""
        return {"c_level": 5, "vp": 4, "director": 3, "manager": 2, "individual": 1}[self.value]

    @property
    def label(self) -> str:
        return {"c_level": "C-level", "vp": "VP", "individual": "Individual contributor"}.get(self.value, super().label)


class Persona(StrEnum):
    business = "business"
    technical = "technical"


class ActivityType(LabelledEnum):
    call = "call"
    site_visit = "site_visit"
    case_study = "case_study"
    video = "video"
    press = "press"
    event = "event"
    analyst = "analyst"

    @property
    def label(self) -> str:
        return {"call": "Reference call", "analyst": "Analyst briefing"}.get(self.value, super().label)


class AccountStatus(StrEnum):
    active = "active"
    paused = "paused"
    retired = "retired"


class ContactStatus(StrEnum):
    active = "active"
    paused = "paused"
    opted_out = "opted_out"
    retired = "retired"


class RequestStatus(LabelledEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    scheduled = "scheduled"
    completed = "completed"
    debriefed = "debriefed"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"
    missed = "missed"

    @property
    def is_open(self) -> bool:
        """Open requests commit the contact (the contact is "busy")."""
        return self in OPEN_REQUEST_STATUSES

    @property
    def label(self) -> str:
        return "Waiting for approval" if self is RequestStatus.pending_approval else super().label


OPEN_REQUEST_STATUSES = frozenset(
    {RequestStatus.pending_approval, RequestStatus.approved, RequestStatus.scheduled}
)
# Requests whose call took place: they helped their deal (influenced revenue, outcome follow-ups).
HELPED_STATUSES = (RequestStatus.completed, RequestStatus.debriefed)


class OpportunityOutcome(StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class NominationStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    merged = "merged"


class MetNeeds(StrEnum):
    yes = "yes"
    partly = "partly"
    no = "no"


class PointsReason(StrEnum):
    nomination_accepted = "nomination_accepted"
    debrief_on_time = "debrief_on_time"
    request_completed = "request_completed"
    thank_you_sent = "thank_you_sent"
    advocate_activity = "advocate_activity"
    deal_won = "deal_won"
    manual = "manual"


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


# Sales stages, in order. The stage gate refuses requests before the configured stage.
SALES_STAGES: tuple[str, ...] = (
    "prospecting",
    "discovery",
    "evaluation",
    "proposal",
    "negotiation",
    "closed",
)

STAGE_LABELS = {stage: stage.capitalize() for stage in SALES_STAGES}


_SENIORITY_PATTERNS: tuple[tuple[Seniority, re.Pattern[str]], ...] = (
    (
        Seniority.c_level,
        re.compile(
            r"\b(chief|ceo|cfo|cio|cto|coo|cmo|cro|ciso|cdo|cpo|president|founder|co-founder|owner|"
            r"managing director|general manager|partner)\b",
            re.I,
        ),
    ),
    (
        Seniority.vp,
        re.compile(r"\b(svp|evp|avp|vp|vice[- ]president|head of|group head)\b", re.I),
    ),
    (Seniority.director, re.compile(r"\b(director|directeur|direktor)\b", re.I)),
    (Seniority.manager, re.compile(r"\b(manager|lead|supervisor|team lead|principal)\b", re.I)),
)


def seniority_from_title(title: str | None) -> Seniority | None:
    """Derive a seniority level from a job title.

    "Chief Information Officer" -> c_level, "VP Finance" -> vp, "IT Director" -> director,
    "Engineering Manager" -> manager, any other non-empty title -> individual.
    """
    if not title or not title.strip():
        return None
    # "Vice President" must win over "President".
    if re.search(r"\bvice[- ]president\b", title, re.I):
        return Seniority.vp
    for level, pattern in _SENIORITY_PATTERNS:
        if pattern.search(title):
            return level
    return Seniority.individual


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum_cls: type[E], value: str) -> E:
    """Parse a user-facing value ("Site visit", "site-visit", "C-Level") into an enum member."""
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    aliases = {
        "c_suite": "c_level",
        "clevel": "c_level",
        "executive": "c_level",
        "vice_president": "vp",
        "ic": "individual",
        "individual_contributor": "individual",
        "optedout": "opted_out",
        "opt_out": "opted_out",
        "sitevisit": "site_visit",
        "casestudy": "case_study",
        "reference_call": "call",
        "pending": "pending_approval",
    }
    key = aliases.get(key, key)
    try:
        return enum_cls(key)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise ValueError(f"'{value}' is not one of: {allowed}") from None


_QUANTITY = re.compile(r"^\$?\s*(\d+(?:[.,]\d+)*)\s*(k|m|mm|b|bn|t|thousand|million|billion)?\.?$", re.I)
_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
    "t": 1_000_000_000_000,
}


MAX_EMPLOYEES = 2_147_483_647  # employees columns are 32-bit integers (PostgreSQL refuses more)


def parse_quantity(text: str) -> int:
    """Parse "5000", "5,000", "5k", "$2.5B", "2bn", "120M" into a whole number; ValueError otherwise."""
    raw = text.strip().replace(" ", "").replace("$", "", 1) if text else ""
    m = _QUANTITY.match(raw)
    if not m:
        raise ValueError(f"'{text.strip()}' is not a number (examples: 5000, 5,000, 5k, $2.5B)")
    digits, suffix = m.group(1), (m.group(2) or "").lower()
    if suffix:
        number = float(digits.replace(",", "")) if digits.count(",") != 1 or len(digits.split(",")[1]) == 3 else float(digits.replace(",", "."))
    else:
        if re.fullmatch(r"\d{1,3}(,\d{3})+", digits) or digits.isdigit():
            number = float(digits.replace(",", ""))
        elif re.fullmatch(r"\d+\.\d+", digits):
            number = float(digits)
        else:
            raise ValueError(f"'{text.strip()}' is not a number (examples: 5000, 5,000, 5k, $2.5B)")
    value = number * _MULTIPLIERS.get(suffix, 1)
    if value < 0 or value > 10**15:
        raise ValueError(f"'{text.strip()}' is out of range")
    return int(round(value))
