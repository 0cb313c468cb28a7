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
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValidationFailed(f"Policy setting '{where}': {err['msg']}.") from None
    row = session.get(ProgramSetting, POLICY_KEY)
    if row is None:
        row = ProgramSetting(key=POLICY_KEY, value={})
        session.add(row)
    row.value = policy.model_dump()
    row.updated_by = updated_by
    session.flush()
    return policy
