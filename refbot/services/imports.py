"""CSV import and export of the reference program: accounts, contacts and past activities.

Import is one all-or-nothing upsert keyed by external ids. Every problem in every file is collected
first and reported as `file:line: column: problem` (line = physical line in the file, header = 1);
only when there is none is anything written. Files are recognised by their headers, not their names.
A column left out of a file leaves the stored value alone; a column present but empty clears it.
Re-importing the same files changes nothing (values are compared before they are assigned).
Export writes the same three files, sorted by id, so import -> export -> import round-trips byte for byte.

Existing rows are loaded into dicts once per import (no query per row): 10k contacts take seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from refbot.domain import (
    MAX_EMPLOYEES,
    AccountStatus,
    ActivityType,
    ContactStatus,
    Persona,
    Seniority,
    parse_enum,
    parse_quantity,
    seniority_from_title,
)
from refbot.errors import RefBotError
from refbot.geo import region_of, resolve_country, resolve_region
from refbot.models import Account, Activity, Contact
from refbot.services.users import resolve_email
from refbot.tz import find_zone

ACCOUNT_COLUMNS = (
    "account_id", "name", "industry", "employees", "annual_revenue", "country", "region", "products",
    "use_cases", "competitor_replaced", "owner", "status", "case_study_url", "notes", "deployment",
)
CONTACT_COLUMNS = (
    "contact_id", "account_id", "name", "title", "seniority", "persona", "email", "phone", "topics",
    "activities", "max_per_quarter", "status", "timezone", "languages",
)
ACTIVITY_COLUMNS = ("contact_id", "date", "type", "opportunity", "notes")
COLUMNS = {"accounts": ACCOUNT_COLUMNS, "contacts": CONTACT_COLUMNS, "activities": ACTIVITY_COLUMNS}
REQUIRED = {
    "accounts": ("account_id", "name"),
    "contacts": ("contact_id", "account_id", "name"),
    "activities": ("contact_id", "date", "type"),
}
FILE_ORDER = ("accounts", "contacts", "activities")
FILE_NAMES = {kind: f"{kind}.csv" for kind in FILE_ORDER}
DEPLOYMENTS = ("cloud", "hybrid", "on_prem")
_DEPLOYMENT_ALIASES = {
    "saas": "cloud", "public_cloud": "cloud", "private_cloud": "hybrid", "onprem": "on_prem",
    "on_premise": "on_prem", "on_premises": "on_prem", "self_hosted": "on_prem",
}
_HEADER_ALIASES = {"e_mail": "email", "email_address": "email", "time_zone": "timezone", "account": "account_id"}
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://\S+$", re.I)


class OwnerLookupFailed(RefBotError):
    """Slack could not answer an owner's email look-up (rate limited, unreachable, refused): nothing written."""


class ImportFailed(RefBotError):
    """Nothing was written; `problems` lists every bad cell as `file:line: column: problem`."""

    def __init__(self, problems: list[str]) -> None:
        n = len(problems)
        super().__init__(f"{n:,} problem{'' if n == 1 else 's'}, nothing was imported.")
        self.problems = problems


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    def text(self, singular: str, plural: str) -> str:
        word = singular if self.total == 1 else plural
        return f"{self.total:,} {word} ({self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged)"


# Columns the CRM sync owns on synced records (Account.crm_id / Contact.crm_id set): an import leaves them.
CRM_OWNED_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {"name": "name", "industry": "industry", "employees": "employees", "annual_revenue": "annual_revenue",
                 "country": "country", "region": "region", "owner": "owner_id"},
    "contacts": {"name": "name", "title": "title", "email": "email", "phone": "phone"},
}


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=dict)
    # kind -> (CRM-owned columns present in the files, number of CRM-synced rows they were left alone on)
    crm_owned: dict[str, tuple[list[str], int]] = field(default_factory=dict)

    def crm_note(self) -> str:
        parts = []
        for kind, (columns, rows) in self.crm_owned.items():
            if columns and rows:
                noun = kind[:-1] if rows == 1 else kind
                parts.append(f"{', '.join(columns)} of {rows:,} {noun} synced from the CRM")
        if not parts:
            return ""
        return (" The CRM owns " + "; ".join(parts) + ": those columns were left as the CRM has them "
                "(the sync overwrites them).")

    def summary(self) -> str:
        """ "Imported 200 accounts (12 new, 3 updated, 185 unchanged), 600 contacts (...)." """
        nouns = {"accounts": ("account", "accounts"), "contacts": ("contact", "contacts"),
                 "activities": ("activity", "activities")}
        parts = [self.counts[k].text(*nouns[k]) for k in FILE_ORDER if k in self.counts]
        return ("Imported " + ", ".join(parts) + "." + self.crm_note()) if parts else "Nothing to import."


# ------------------------------------------------------------------ reading


def normalise_header(header: str) -> str:
    """ "Account ID", " account-id ", "ACCOUNT_ID" -> "account_id"."""
    key = re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())
    return _HEADER_ALIASES.get(key, key)


def detect_kind(headers: Iterable[str]) -> str | None:
    """Which file this is, from its (normalised) headers: accounts, contacts, activities or None."""
    hs = set(headers)
    if {"contact_id", "date"} <= hs:
        return "activities"
    if {"contact_id", "account_id"} <= hs:
        return "contacts"
    if "account_id" in hs and "contact_id" not in hs:
        return "accounts"
    return None


@dataclass
class CsvFile:
    name: str
    kind: str
    columns: frozenset[str]
    rows: list[tuple[int, dict[str, str]]]  # (physical line where the row starts, cells by column)


def _sniff_delimiter(first_line: str) -> str:
    """Comma, unless the header is clearly separated by semicolons or tabs (European Excel exports)."""
    for delimiter in (",", ";", "\t"):
        headers = [normalise_header(h) for h in next(csv.reader([first_line], delimiter=delimiter), [])]
        if detect_kind(headers):
            return delimiter
    return ","


def read_csv(name: str, text: str, problems: list[str]) -> CsvFile | None:
    """Parse one file; header problems go to `problems` and return None (its rows can't be read)."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    try:
        raw_headers = next(reader)
    except StopIteration:
        problems.append(f"{name}:1: header: the file is empty")
        return None
    except csv.Error as exc:
        problems.append(f"{name}:1: header: not readable as CSV ({exc})")
        return None
    headers = [normalise_header(h) for h in raw_headers]
    kind = detect_kind(headers)
    if kind is None:
        problems.append(
            f"{name}:1: header: not an accounts file (account_id, name, …), a contacts file "
            "(contact_id, account_id, name, …) or an activities file (contact_id, date, type, …)"
        )
        return None
    before = len(problems)
    for col in REQUIRED[kind]:
        if col not in headers:
            problems.append(f"{name}:1: {col}: required column is missing")
    for i, h in enumerate(headers):
        if h and h not in COLUMNS[kind]:
            problems.append(f"{name}:1: {h}: unknown column for a {kind} file (columns: {', '.join(COLUMNS[kind])})")
        elif h and h in headers[:i]:
            problems.append(f"{name}:1: {h}: the column appears twice")
    if len(problems) > before:
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            extra = [i for i in range(len(headers), len(record)) if record[i].strip()]
            unnamed = [i for i, h in enumerate(headers) if not h and i < len(record) and record[i].strip()]
            if extra or unnamed:
                column = (extra or unnamed)[0] + 1
                problems.append(f"{name}:{start}: column {column}: a value in a column without a header")
                continue
            row = {h: (undefuse(record[i].strip()) if i < len(record) else "") for i, h in enumerate(headers) if h}
            nul = [h for h, cell in row.items() if "\x00" in cell]
            if nul:  # PostgreSQL can't store it; usually a sign the file is not text (UTF-16, a spreadsheet)
                problems.append(f"{name}:{start}: {nul[0]}: contains a NUL character (save the file as CSV UTF-8)")
                continue
            rows.append((start, row))
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}: row: not readable as CSV ({exc})")
        return None
    return CsvFile(name=name, kind=kind, columns=frozenset(h for h in headers if h), rows=rows)


# ------------------------------------------------------------------ cell parsers


class CellError(ValueError):
    pass


def _max_length(model: Any, attr: str) -> int | None:
    return getattr(model.__table__.c[attr].type, "length", None)


def _text(model: Any, attr: str, *, empty: str | None = None) -> Callable[[str], str | None]:
    limit = _max_length(model, attr)

    def parse(v: str) -> str | None:
        if limit is not None and len(v) > limit:
            raise CellError(f"too long ({len(v):,} characters, at most {limit:,})")
        return v or empty

    return parse


def _list(v: str) -> list[str]:
    out: list[str] = []
    for item in v.split(";"):
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def _quantity(v: str) -> int | None:
    if not v:
        return None
    try:
        return parse_quantity(v)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _employees(v: str) -> int | None:
    value = _quantity(v)
    if value is not None and value > MAX_EMPLOYEES:
        raise CellError(f"'{v}' is more employees than any company has")
    return value


def _whole_number(v: str) -> int | None:
    if not v:
        return None
    if not (v.isascii() and v.isdigit()):  # not isdigit() alone: "²" is a digit that int() refuses
        raise CellError(f"'{v}' is not a whole number (e.g. 2)")
    if int(v) > MAX_EMPLOYEES:
        raise CellError(f"'{v}' is out of range")
    return int(v)


def _enum(enum_cls: Any) -> Callable[[str], Any]:
    known: dict[str, Any] = {}  # a column holds a handful of distinct values: parse each once

    def parse(v: str) -> Any:
        if not v:
            return None
        if v not in known:
            try:
                known[v] = parse_enum(enum_cls, v)
            except ValueError as exc:
                raise CellError(str(exc)) from None
        return known[v]

    return parse


def _checked(lookup: Callable[[str], Any], problem: str) -> Callable[[str], Any]:
    """A cell parser: an empty cell is None, else what `lookup` makes of it; CellError(`problem`, with
    {v} the cell) when that is None."""

    def parse(v: str) -> Any:
        if not v:
            return None
        found = lookup(v)
        if found is None:
            raise CellError(problem.format(v=v))
        return found

    return parse


def _deployment_key(v: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", v.strip().lower())
    key = _DEPLOYMENT_ALIASES.get(key, key)
    return key if key in DEPLOYMENTS else None


@functools.lru_cache(maxsize=1024)
def _is_timezone(name: str) -> bool:
    return find_zone(name) is not None


_url_length = _text(Account, "case_study_url")
_email_length = _text(Contact, "email")

_country = _checked(resolve_country, "unknown country '{v}' (use a name or ISO code, e.g. Germany or DE)")
_region = _checked(lambda v: r.value if (r := resolve_region(v)) else None, "'{v}' is not one of NA, LATAM, EMEA, APAC")
_deployment = _checked(_deployment_key, "'{v}' is not one of: " + ", ".join(DEPLOYMENTS))
_url = _checked(lambda v: _url_length(v) if _URL.match(v) else None, "'{v}' is not a web address (https://…)")
_email = _checked(lambda v: _email_length(v.lower()) if _EMAIL.match(v) else None, "'{v}' is not an email address")
_timezone = _checked(lambda v: v if _is_timezone(v) else None,
                     "'{v}' is not a timezone name (e.g. Europe/Berlin, America/New_York)")


def _date(v: str) -> dt.date | None:
    if not v:
        return None
    try:
        if not _ISO_DATE.match(v):
            raise ValueError
        return dt.date.fromisoformat(v)
    except ValueError:
        raise CellError(f"'{v}' is not a date in YYYY-MM-DD form (e.g. 2026-03-31)") from None


def _activity_types(v: str) -> list[str]:
    out: list[str] = []
    for item in _list(v):
        try:
            value = parse_enum(ActivityType, item).value
        except ValueError as exc:
            raise CellError(str(exc)) from None
        if value not in out:
            out.append(value)
    return out


def _keep(v: str) -> str:
    return v


ACCOUNT_PARSERS: dict[str, Callable[[str], Any]] = {
    "name": _text(Account, "name"),
    "industry": _text(Account, "industry"),
    "employees": _employees,
    "annual_revenue": _quantity,
    "country": _country,
    "region": _region,
    "products": _list,
    "use_cases": _list,
    "competitor_replaced": _text(Account, "competitor_replaced"),
    "status": _enum(AccountStatus),
    "case_study_url": _url,
    "notes": _keep,
    "deployment": _deployment,
}
CONTACT_PARSERS: dict[str, Callable[[str], Any]] = {
    "name": _text(Contact, "name"),
    "title": _text(Contact, "title", empty=""),
    "seniority": _enum(Seniority),
    "persona": _enum(Persona),
    "email": _email,
    "phone": _text(Contact, "phone"),
    "topics": _list,
    "activities": _activity_types,
    "max_per_quarter": _whole_number,
    "status": _enum(ContactStatus),
    "timezone": _timezone,
    "languages": _list,
}
ACTIVITY_PARSERS: dict[str, Callable[[str], Any]] = {
    "date": _date,
    "type": _enum(ActivityType),
    "opportunity": _text(Activity, "opportunity", empty=""),
    "notes": _keep,
}
_ID_LIMITS = {"account_id": _max_length(Account, "external_id"), "contact_id": _max_length(Contact, "external_id")}


# ------------------------------------------------------------------ import


@dataclass
class _Row:
    where: str  # "file:line"
    ext: str
    values: dict[str, Any]
    ref: str = ""  # the account (contacts) or contact (activities) it belongs to


class _Checker:
    """Collects the problems of one import run."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, column: str, problem: str) -> None:
        self.problems.append(f"{where}: {column}: {problem}")

    def cells(self, parsers: dict[str, Callable[[str], Any]], row: dict[str, str], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for col, parse in parsers.items():
            if col in row:
                try:
                    out[col] = parse(row[col])
                except CellError as exc:
                    self.add(where, col, str(exc))
        return out

    def required(self, kind: str, row: dict[str, str], where: str) -> None:
        for col in REQUIRED[kind]:
            if not row.get(col):
                self.add(where, col, "required value is missing")
        for col, limit in _ID_LIMITS.items():
            if limit and len(row.get(col, "")) > limit:
                self.add(where, col, f"too long ({len(row[col]):,} characters, at most {limit:,})")


class _Owners:
    """Account owners: a Slack user id as is, an email through users.lookupByEmail (once per email)."""

    def __init__(self, session: Session, client: WebClient | None) -> None:
        self.session, self.client = session, client
        self.cache: dict[str, str | None] = {}

    def resolve(self, value: str) -> tuple[str | None, str | None]:
        """(slack id, problem)."""
        if not value:
            return None, None
        if _SLACK_USER_ID.match(value):
            return value, None
        if not _EMAIL.match(value):
            return None, f"'{value}' is neither a Slack user id (U…) nor an email"
        email = value.lower()
        if email not in self.cache:
            self.cache[email] = self._lookup(email)
        if self.cache[email]:
            return self.cache[email], None
        if self.client is None:
            return None, f"can't resolve email {value} without SLACK_BOT_TOKEN (or use the Slack user id)"
        return None, f"no Slack user has the email {value}"

    def _lookup(self, email: str) -> str | None:
        try:
            return resolve_email(session=self.session, client=self.client, email=email, strict=True)
        except SlackApiError as exc:
            code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if code == "ratelimited" or exc.response.status_code == 429:
                raise OwnerLookupFailed(
                    "Slack rate-limited the owner look-ups (users.lookupByEmail), even after waiting and "
                    "retrying, so nothing was imported: run the import again in a minute, or put Slack "
                    "user ids (U…) in the owner column."
                ) from None
            raise OwnerLookupFailed(
                f"Slack refused the owner look-up by email ({code or exc.response.status_code}), so nothing "
                "was imported: check SLACK_BOT_TOKEN and that the app has the users:read.email scope, or "
                "put Slack user ids (U…) in the owner column."
            ) from None
        except OSError as exc:  # urllib's URLError, timeouts, refused connections
            raise OwnerLookupFailed(
                f"Could not reach Slack to look up owners by email ({getattr(exc, 'reason', exc)}), so nothing "
                "was imported: check the network and SLACK_API_URL, or put Slack user ids (U…) in the owner "
                "column."
            ) from None


def _changes(obj: Any, values: dict[str, Any]) -> bool:
    """Assign only what differs (no updated_at churn); True when anything changed."""
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


def _leave_crm_owned(kind: str, row: dict[str, str], values: dict[str, Any],
                     crm_owned: dict[str, tuple[list[str], int]]) -> None:
    columns, rows = crm_owned.get(kind, ([], 0))
    dropped = False
    for column, attr in CRM_OWNED_COLUMNS[kind].items():
        if attr in values:
            values.pop(attr)
            dropped = True
            if column in row and column not in columns:
                columns.append(column)
    crm_owned[kind] = (columns, rows + (1 if dropped else 0))


def _file_rows(
    files: list[CsvFile], check: _Checker, kind: str, id_column: str, seen: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str], str, int]]:
    """(where, row, its id, problems before it) for every row, after the checks all kinds share: required
    values, and with `seen` (id -> where) an id used once."""
    for f in files:
        for line, row in f.rows:
            where = f"{f.name}:{line}"
            before = len(check.problems)
            check.required(kind, row, where)
            ext = row.get(id_column, "")
            if seen is not None and ext in seen:
                check.add(where, id_column, f"duplicate id '{ext}' (also on {seen[ext]})")
            elif seen is not None and ext:
                seen[ext] = where
            yield where, row, ext, before


def _check_accounts(
    files: list[CsvFile], check: _Checker, owners: _Owners, existing: dict[str, Account],
    crm_owned: dict[str, tuple[list[str], int]],
) -> tuple[list[_Row], set[str]]:
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    for where, row, ext, before in _file_rows(files, check, "accounts", "account_id", seen):
        values = check.cells(ACCOUNT_PARSERS, row, where)
        if "owner" in row:
            values["owner_id"], problem = owners.resolve(row["owner"])
            if problem:
                check.add(where, "owner", problem)
        if len(check.problems) > before:
            continue
        current = existing.get(ext)
        # region: given wins; empty -> from the country; column left out -> re-derived when the country changes
        if not values.get("region") and ("region" in values or (
            "country" in values and (current is None or current.country != values["country"])
        )):
            country = values.get("country", current.country if current else None)
            region = region_of(country)
            values["region"] = region.value if region else None
        if "status" in values and values["status"] is None:
            values["status"] = AccountStatus.active
        if current is not None and current.crm_id:
            _leave_crm_owned("accounts", row, values, crm_owned)
        if current is None:
            values = {"status": AccountStatus.active, "notes": "", "products": [], "use_cases": [], **values}
        rows.append(_Row(where=where, ext=ext, values=values))
    return rows, set(seen)


def _check_contacts(
    files: list[CsvFile], check: _Checker, existing: dict[str, Contact], known_accounts: set[str],
    crm_owned: dict[str, tuple[list[str], int]],
) -> tuple[list[_Row], set[str]]:
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    for where, row, ext, before in _file_rows(files, check, "contacts", "contact_id", seen):
        account_ext = row.get("account_id", "")
        if account_ext and account_ext not in known_accounts:
            check.add(where, "account_id", f"unknown account '{account_ext}' (not in RefBot nor in this import)")
        values = check.cells(CONTACT_PARSERS, row, where)
        if len(check.problems) > before:
            continue
        current = existing.get(ext)
        if current is not None and current.crm_id:
            _leave_crm_owned("contacts", row, values, crm_owned)
            account_ext = current.account.external_id
        # seniority: given wins; empty -> from the title; column left out -> re-derived when the title changes
        if not values.get("seniority") and ("seniority" in values or (
            "title" in values and (current is None or current.title != values["title"])
        )):
            title = values.get("title", current.title if current else "")
            values["seniority"] = seniority_from_title(title)
        if "status" in values and values["status"] is None:
            values["status"] = ContactStatus.active
        if current is None:
            defaults = {"title": "", "status": ContactStatus.active, "topics": [], "activities": [], "languages": []}
            values = {**defaults, **values}
        rows.append(_Row(where=where, ext=ext, values=values, ref=account_ext))
    return rows, set(seen)


def _check_activities(files: list[CsvFile], check: _Checker, known_contacts: set[str]) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[tuple[str, Any, Any, str], str] = {}
    for where, row, ext, before in _file_rows(files, check, "activities", "contact_id"):
        if ext and ext not in known_contacts:
            check.add(where, "contact_id", f"unknown contact '{ext}' (not in RefBot nor in this import)")
        values = check.cells(ACTIVITY_PARSERS, row, where)
        if len(check.problems) > before:
            continue
        key = (ext, values["date"], values["type"], values.get("opportunity") or "")
        if key in seen:
            check.add(where, "row", f"the same activity (contact, date, type, opportunity) as {seen[key]}")
            continue
        seen[key] = where
        rows.append(_Row(where=where, ext=ext, values=values))
    return rows


def import_files(
    *,
    session: Session,
    files: list[tuple[str, str]],
    client: WebClient | None = None,
    activity_source: str = "import",
) -> ImportReport:
    """Import CSV texts [(file name, text)] in the session's transaction.

    Raises ImportFailed listing every problem, before anything is written. Accounts are applied before
    contacts before activities, whatever the order of the files. `client` resolves owner emails.
    """
    check = _Checker()
    parsed = [f for f in (read_csv(name, text, check.problems) for name, text in files) if f is not None]
    by_kind: dict[str, list[CsvFile]] = {kind: [f for f in parsed if f.kind == kind] for kind in FILE_ORDER}

    accounts = {a.external_id: a for a in session.scalars(sa.select(Account))}
    contacts = {c.external_id: c for c in session.scalars(sa.select(Contact))}

    crm_owned: dict[str, tuple[list[str], int]] = {}
    account_rows, account_ids = _check_accounts(by_kind["accounts"], check, _Owners(session, client), accounts,
                                                crm_owned)
    contact_rows, contact_ids = _check_contacts(by_kind["contacts"], check, contacts, set(accounts) | account_ids,
                                                crm_owned)
    activity_rows = _check_activities(by_kind["activities"], check, set(contacts) | contact_ids)
    if check.problems:
        raise ImportFailed(check.problems)

    # Write: new rows in bulk (executemany; the ORM would insert row by row on SQLite to learn each id),
    # changed rows through the ORM, which assigns only what differs.
    report = ImportReport(crm_owned=crm_owned)
    if by_kind["accounts"]:
        counts = report.counts["accounts"] = Counts()
        new_rows = _apply(account_rows, accounts, counts)
        _bulk_insert(session, Account, [{"external_id": r.ext, **r.values} for r in new_rows])
        session.flush()

    if contact_rows or by_kind["contacts"]:
        account_pk = dict(session.execute(sa.select(Account.external_id, Account.id)).tuples().all())
        for r in contact_rows:
            r.values["account_id"] = account_pk[r.ref]
    if by_kind["contacts"]:
        counts = report.counts["contacts"] = Counts()
        new_rows = _apply(contact_rows, contacts, counts)
        _bulk_insert(session, Contact, [{"external_id": r.ext, **r.values} for r in new_rows])
        session.flush()

    if by_kind["activities"]:
        counts = report.counts["activities"] = Counts()
        contact_pk = dict(session.execute(sa.select(Contact.external_id, Contact.id)).tuples().all())
        existing = {
            (a.contact_id, a.occurred_on, ActivityType(a.type), a.opportunity): a
            for a in session.scalars(sa.select(Activity))
        }
        inserts = []
        for r in activity_rows:
            key = (contact_pk[r.ext], r.values["date"], r.values["type"], r.values.get("opportunity") or "")
            activity = existing.get(key)
            if activity is None:
                inserts.append({"contact_id": key[0], "occurred_on": key[1], "type": key[2], "opportunity": key[3],
                                "notes": r.values.get("notes") or "", "source": activity_source})
                counts.new += 1
            elif "notes" in r.values and activity.notes != r.values["notes"]:
                activity.notes = r.values["notes"]
                counts.updated += 1
            else:
                counts.unchanged += 1
        _bulk_insert(session, Activity, inserts)
        session.flush()
    return report


def _apply(rows: list[_Row], existing: dict[str, Any], counts: Counts) -> list[_Row]:
    """Update the existing rows that differ; return the rows to insert."""
    new_rows = []
    for r in rows:
        obj = existing.get(r.ext)
        if obj is None:
            new_rows.append(r)
            counts.new += 1
        elif _changes(obj, r.values):
            counts.updated += 1
        else:
            counts.unchanged += 1
    return new_rows


def _bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows with executemany, grouped by their set of columns (partial files leave some out)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        for i in range(0, len(group), 5000):
            # render_nulls: None is NULL (not "use the default"), so every row shares one statement
            session.execute(sa.insert(model), group[i : i + 5000], execution_options={"render_nulls": True})


def read_paths(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """[(name as given, text)]; ImportFailed when a file can't be read as UTF-8 text."""
    files, problems = [], []
    for path in paths:
        try:
            files.append((str(path), path.read_text(encoding="utf-8-sig")))
        except OSError as exc:
            problems.append(f"{path}: can't read the file ({exc.strerror or exc})")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            problems.append(f"{path}:{line}: file: not UTF-8 text (in your spreadsheet, save as \"CSV UTF-8\")")
    if problems:
        raise ImportFailed(problems)
    return files


def import_paths(*, session: Session, paths: list[Path], client: WebClient | None = None) -> ImportReport:
    return import_files(session=session, files=read_paths(paths), client=client)


# ------------------------------------------------------------------ export


# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_DEFUSED = re.compile(r"'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def defuse(text: str) -> str:
    """A text cell a spreadsheet shows as text: "'" before a cell starting with =, +, -, @, tab or CR
    (and before one that starts with quotes and then one of those, so `undefuse` can tell them apart).
    A plain number such as -5 is left alone: it is no formula, and it stays a number."""
    if _FORMULA.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def undefuse(cell: str) -> str:
    """The inverse of `defuse`: drop exactly the one quote it added (undefuse(defuse(s)) == s for every s)."""
    return cell[1:] if _DEFUSED.match(cell) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return defuse(";".join(str(v) for v in value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return defuse(str(value.value if hasattr(value, "value") else value))


def _csv_text(columns: tuple[str, ...], rows: Iterable[list[Any]]) -> tuple[str, int]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        n += 1
    return buf.getvalue(), n


def export_tables(*, session: Session) -> dict[str, tuple[str, int]]:
    """{"accounts.csv": (text, rows), "contacts.csv": …, "activities.csv": …}, sorted by external id.

    Sorted in Python, not SQL, so SQLite and PostgreSQL (whose collations differ) write the same bytes.
    """
    accounts = sorted(session.scalars(sa.select(Account)), key=lambda a: a.external_id)
    account_ext = {a.id: a.external_id for a in accounts}
    contacts = sorted(session.scalars(sa.select(Contact)), key=lambda c: c.external_id)
    contact_ext = {c.id: c.external_id for c in contacts}
    activities = sorted(
        session.scalars(sa.select(Activity)),
        key=lambda a: (contact_ext[a.contact_id], a.occurred_on, _cell(a.type), a.opportunity, a.id),
    )
    return {
        FILE_NAMES["accounts"]: _csv_text(ACCOUNT_COLUMNS, (
            [a.external_id, a.name, a.industry, a.employees, a.annual_revenue, a.country, a.region, a.products,
             a.use_cases, a.competitor_replaced, a.owner_id, a.status, a.case_study_url, a.notes, a.deployment]
            for a in accounts
        )),
        FILE_NAMES["contacts"]: _csv_text(CONTACT_COLUMNS, (
            [c.external_id, account_ext[c.account_id], c.name, c.title, c.seniority, c.persona, c.email, c.phone,
             c.topics, c.activities, c.max_per_quarter, c.status, c.timezone, c.languages]
            for c in contacts
        )),
        FILE_NAMES["activities"]: _csv_text(ACTIVITY_COLUMNS, (
            [contact_ext[a.contact_id], a.occurred_on, a.type, a.opportunity, a.notes] for a in activities
        )),
    }


def export_texts(*, session: Session) -> dict[str, str]:
    """{"accounts.csv": text, "contacts.csv": text, "activities.csv": text}."""
    return {name: text for name, (text, _) in export_tables(session=session).items()}


def export_dir(*, session: Session, directory: Path) -> dict[str, int]:
    """Write the three files into `directory` (created if needed); {file name: data rows}."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, (text, n) in export_tables(session=session).items():
        with open(directory / name, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        counts[name] = n
    return counts
