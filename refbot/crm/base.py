"""The one small interface every CRM connector implements, its errors, and the field mapping.

A connector reads records of five kinds changed since a cursor (users, accounts, contacts, opportunities,
opportunity team members), page by page, with their values already renamed to RefBot's fields through
the mapping; and writes one activity to an opportunity. Everything else (what is CRM-owned, transactions,
cursors, outcomes) is the sync service's business, so a HubSpot module is one more file like salesforce.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class CRMObject(StrEnum):
    users = "users"
    accounts = "accounts"
    contacts = "contacts"
    opportunities = "opportunities"
    team = "team"


# Sync order: owners before the accounts and deals that name them, accounts before their contacts.
SYNC_ORDER: tuple[CRMObject, ...] = (CRMObject.users, CRMObject.accounts, CRMObject.contacts,
                                     CRMObject.opportunities, CRMObject.team)

# RefBot field -> what it means; every field of every object, so `mapping set` can reject typos.
FIELDS: dict[CRMObject, dict[str, str]] = {
    CRMObject.users: {"name": "full name", "email": "email (matched to Slack)", "active": "is active"},
    CRMObject.accounts: {"name": "company name", "industry": "industry", "employees": "number of employees",
                         "annual_revenue": "annual revenue", "country": "country (name or ISO code)",
                         "owner": "owner (a CRM user id)"},
    CRMObject.contacts: {"account": "account (a CRM account id)", "name": "full name", "title": "job title",
                         "email": "email", "phone": "phone"},
    CRMObject.opportunities: {"name": "deal name", "account": "account id", "prospect": "prospect company name",
                              "industry": "prospect industry", "employees": "prospect employees",
                              "country": "prospect country", "stage": "sales stage", "amount": "amount",
                              "close_date": "close date", "owner": "owner (a CRM user id)",
                              "is_closed": "is closed", "is_won": "is won"},
    CRMObject.team: {"opportunity": "opportunity id", "user": "team member (a CRM user id)"},
}

# What the sync overwrites on RefBot's records (CRM-owned). Everything else is the program's.
CRM_OWNED_ACCOUNT_COLUMNS = ("name", "industry", "employees", "annual_revenue", "country", "region", "owner")
CRM_OWNED_CONTACT_COLUMNS = ("account_id", "name", "title", "email", "phone")

_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")


class CRMError(Exception):
    """The CRM refused or failed; `message` is one sentence for a program manager (never a secret)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # auth, permission, api_disabled, rate_limit, unavailable, timeout, bad_request
        self.message = message


@dataclass(frozen=True)
class CRMRecord:
    id: str
    modstamp: dt.datetime
    values: dict[str, Any]


@dataclass
class CheckReport:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mapping:
    """RefBot field -> CRM field, per object, plus CRM stage name -> RefBot stage."""

    fields: dict[CRMObject, dict[str, str]]
    stages: dict[str, str]

    def crm_fields(self, obj: CRMObject) -> dict[str, str]:
        return self.fields.get(obj, {})

    def stage_for(self, crm_stage: str | None) -> str | None:
        if not crm_stage:
            return None
        lowered = {k.lower(): v for k, v in self.stages.items()}
        return lowered.get(crm_stage.strip().lower())

    def as_json(self) -> dict[str, Any]:
        return {"fields": {str(o): dict(f) for o, f in self.fields.items()}, "stages": dict(self.stages)}


def valid_crm_field(name: str) -> bool:
    return bool(_FIELD_NAME.match(name))


class CRM(Protocol):
    """A CRM connector. Errors are raised as CRMError."""

    name: str

    def changed(self, obj: CRMObject, *, since: dt.datetime | None, after_id: str | None,
                today: dt.date) -> Iterator[list[CRMRecord]]:
        """Pages of records changed after the cursor (modstamp `since`, then ids after `after_id` at that
        modstamp), all when `since` is None; ordered by (modstamp, id)."""
        ...

    def write_activity(self, *, opportunity_id: str, key: str, subject: str, description: str,
                       when: dt.date) -> str:
        """Record a completed activity on the opportunity once per `key`; returns the CRM record's id."""
        ...

    def check(self) -> CheckReport:
        """What works and what doesn't, one sentence each."""
        ...
