"""Program policies (DESIGN.md "Policies"): defaults, overridable at run time by program managers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from refbot.domain import SALES_STAGES
from refbot.errors import ValidationFailed
from refbot.matching.candidates import FatiguePolicy
from refbot.models import ProgramSetting

POLICY_KEY = "policy"


class PointsValues(BaseModel):
    nomination_accepted: int = 10
    debrief_on_time: int = 5
    request_completed: int = 3
    thank_you_sent: int = 2
    advocate_activity: int = 5
    deal_won: int = 10


class Policy(BaseModel):
    lead_time_business_days: int = Field(default=3, ge=0, le=30)
    min_stage: str = "discovery"
    max_per_quarter: int = Field(default=2, ge=1, le=50)
    window_days: int = Field(default=90, ge=7, le=365)
    min_gap_days: int = Field(default=30, ge=0, le=365)
    approval_remind_hours: int = Field(default=24, ge=1)
    approval_escalate_hours: int = Field(default=48, ge=1)
    suggestion_expire_business_days: int = Field(default=5, ge=1, le=30)
    debrief_delay_hours: int = Field(default=2, ge=0)
    debrief_reminder_days: int = Field(default=2, ge=1)
    debrief_on_time_days: int = Field(default=2, ge=1)
    leaderboard_weekday: int = Field(default=0, ge=0, le=6)  # Monday
    leaderboard_time: str = "09:00"
    leaderboard_channel: str | None = None
    nudge_cooldown_minutes: int = Field(default=60, ge=0)

    def fatigue(self) -> FatiguePolicy:
        """The fatigue rules in the shape the matching engine (and `fatigue_window`) takes."""
        return FatiguePolicy(
            max_per_window=self.max_per_quarter, window_days=self.window_days, min_gap_days=self.min_gap_days
        )
    points: PointsValues = Field(default_factory=PointsValues)

    @field_validator("min_stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in SALES_STAGES:
            raise ValueError(f"must be one of {', '.join(SALES_STAGES)}")
        return v

    @field_validator("leaderboard_time")
    @classmethod
    def _time(cls, v: str) -> str:
        h, _, m = v.partition(":")
        if not (h.isdigit() and m.isdigit() and 0 <= int(h) < 24 and 0 <= int(m) < 60):
            raise ValueError("must be HH:MM")
        return f"{int(h):02d}:{int(m):02d}"


MAX_POINTS = 1000
CLOSING_STAGES = ("closed",)


def _bounds(key: str) -> tuple[int | None, int | None]:
    model: type[BaseModel] = Policy
    *parents, leaf = key.split(".")
    if parents:
        return 0, MAX_POINTS
    info = model.model_fields.get(leaf)
    lo = hi = None
    for m in getattr(info, "metadata", ()):
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _plain(err: Any, changes: dict[str, Any]) -> str:
    """A pydantic error in the importer's plain wording: `key: what it must be (you gave X).`"""
    key = ".".join(str(p) for p in err["loc"])
    given = changes.get(key, err.get("input"))
    kind = err.get("type", "")
    if key == "min_stage":
        must = f"must be one of {', '.join(SALES_STAGES)}"
    elif key == "leaderboard_time":
        must = "must be a time of day as HH:MM, e.g. 09:00"
    elif kind in ("greater_than_equal", "less_than_equal", "int_parsing", "int_type", "int_from_float"):
        lo, hi = _bounds(key)
        if key == "leaderboard_weekday":
            must = "must be a day number from 0 (Monday) to 6 (Sunday)"
        elif lo is not None and hi is not None:
            must = f"must be a whole number from {lo:,} to {hi:,}"
        elif lo is not None:
            must = f"must be a whole number, at least {lo:,}"
        else:
            must = "must be a whole number"
    else:
        must = f"is not valid ({err.get('msg', '')})"
    return f"{key}: {must} (you gave {given!r})."


def contradictions(policy: Policy) -> list[str]:
    """Policies that are each valid but cannot work together, in one sentence each."""
    out = []
    if policy.approval_escalate_hours <= policy.approval_remind_hours:
        out.append(
            f"approval_escalate_hours ({policy.approval_escalate_hours}) must be later than approval_remind_hours "
            f"({policy.approval_remind_hours}): the owner is reminded first, then the program managers are told."
        )
    if policy.min_stage in CLOSING_STAGES:
        out.append(
            f"min_stage cannot be {policy.min_stage}: a reference is needed before a deal closes, so every request "
            "would be refused. Use negotiation or an earlier stage."
        )
    if policy.max_per_quarter > 1 and (policy.max_per_quarter - 1) * policy.min_gap_days > policy.window_days:
        fits = policy.window_days // policy.min_gap_days + 1 if policy.min_gap_days else policy.max_per_quarter
        out.append(
            f"min_gap_days ({policy.min_gap_days}) leaves room for only {fits} activit{'y' if fits == 1 else 'ies'} "
            f"in window_days ({policy.window_days}), fewer than max_per_quarter ({policy.max_per_quarter}): lower "
            "min_gap_days or max_per_quarter, or lengthen window_days."
        )
    for name, value in policy.points.model_dump().items():
        if not 0 <= value <= MAX_POINTS:
            out.append(f"points.{name}: must be a whole number from 0 to {MAX_POINTS:,} (you gave {value:,}).")
    return out


def load_policy(*, session: Session) -> Policy:
    row = session.get(ProgramSetting, POLICY_KEY)
    return Policy.model_validate(row.value if row and isinstance(row.value, dict) else {})


def update_policy(*, session: Session, changes: dict[str, Any], updated_by: str | None) -> Policy:
    """Merge `changes` (dotted keys allowed: "points.deal_won") into the stored policy."""
    current = load_policy(session=session).model_dump()
    for key, value in changes.items():
        target = current
        *parents, leaf = key.split(".")
        for p in parents:
            if p not in target or not isinstance(target[p], dict):
                raise ValidationFailed(f"Unknown policy setting '{key}'.")
            target = target[p]
        if leaf not in target:
            raise ValidationFailed(f"Unknown policy setting '{key}'.")
        target[leaf] = value
    try:
        policy = Policy.model_validate(current)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(_plain(err, changes) for err in exc.errors()[:3])) from None
    problems = contradictions(policy)
    if problems:
        raise ValidationFailed(" ".join(problems))
    row = session.get(ProgramSetting, POLICY_KEY)
    if row is None:
        row = ProgramSetting(key=POLICY_KEY, value={})
        session.add(row)
    row.value = policy.model_dump()
    row.updated_by = updated_by
    session.flush()
    return policy
