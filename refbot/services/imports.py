"""CSV import and export of the reference program: accounts, contacts and past activities.

Import is an all-or-nothing upsert keyed by external ids; every bad cell is reported as
`file:line: column: problem`. Export writes the same three files; import -> export round-trips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from refbot.domain import (
    AccountStatus,
    ActivityType,
    ContactStatus,
    Persona,
    Seniority,
    parse_enum,
    parse_quantity,
    seniority_from_title,
)
from refbot.geo import region_of, resolve_country, resolve_region
from refbot.models import Account, Activity, Contact
from refbot.services.users import resolve_email

ACCOUNT_COLUMNS = (
    "account_id", "name", "industry", "employees", "annual_revenue", "country", "region", "products",
    "use_cases", "competitor_replaced", "owner", "status", "case_study_url", "notes", "deployment",
)
CONTACT_COLUMNS = (
    "contact_id", "account_id", "name", "title", "seniority", "persona", "email", "phone", "topics",
    "activities", "max_per_quarter", "status", "timezone", "languages",
)
ACTIVITY_COLUMNS = ("contact_id", "date", "type", "opportunity", "notes")
REQUIRED = {
    "accounts": ("account_id", "name"),
    "contacts": ("contact_id", "account_id", "name"),
    "activities": ("contact_id", "date", "type"),
}
COLUMNS = {"accounts": ACCOUNT_COLUMNS, "contacts": CONTACT_COLUMNS, "activities": ACTIVITY_COLUMNS}
FILE_ORDER = ("accounts", "contacts", "activities")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def text(self, noun: str) -> str:
        total = self.new + self.updated + self.unchanged
        word = noun if total == 1 else noun + "s"
        if noun == "activity":
            word = "activity" if total == 1 else "activities"
        return f"{total:,} {word} ({self.new} new, {self.updated} updated, {self.unchanged} unchanged)"


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=dict)

    def summary(self) -> str:
        nouns = {"accounts": "account", "contacts": "contact", "activities": "activity"}
        parts = [self.counts[k].text(nouns[k]) for k in FILE_ORDER if k in self.counts]
        return "Imported " + ", ".join(parts) + "." if parts else "Nothing to import."


# ------------------------------------------------------------------ reading


def _norm_header(h: str) -> str:
    return re.sub(r"[\s\-]+", "_", h.replace("\ufeff", "").strip().lower())


def detect_kind(headers: Iterable[str]) -> str | None:
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
    rows: list[tuple[int, dict[str, str]]]  # (physical line number, row)


def read_csv(name: str, text: str, problems: list[str]) -> CsvFile | None:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        raw_headers = next(reader)
    except StopIteration:
        problems.append(f"{name}:1: the file is empty")
        return None
    headers = [_norm_header(h) for h in raw_headers]
    kind = detect_kind(headers)
    if kind is None:
        problems.append(
            f"{name}:1: header: not an accounts (account_id, name …), contacts (contact_id, account_id, name …) "
            "or activities (contact_id, date, type …) file"
        )
        return None
    for col in REQUIRED[kind]:
        if col not in headers:
            problems.append(f"{name}:1: {col}: required column is missing")
    unknown = [h for h in headers if h and h not in COLUMNS[kind]]
    for h in unknown:
        problems.append(f"{name}:1: {h}: unknown column (expected: {', '.join(COLUMNS[kind])})")
    if any(col not in headers for col in REQUIRED[kind]) or unknown:
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    line = 1
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers):
            problems.append(f"{name}:{line}: row: {len(record)} cells but {len(headers)} columns")
            continue
        row = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(headers)}
        rows.append((line, row))
    return CsvFile(name=name, kind=kind, rows=rows)


# ------------------------------------------------------------------ cell parsers


class CellError(ValueError):
    pass


def _list(v: str) -> list[str]:
    out: list[str] = []
    for item in v.split(";"):
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def _int(v: str) -> int | None:
    if not v:
        return None
    try:
        return parse_quantity(v)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _enum(enum_cls: Any) -> Callable[[str], Any]:
    def parse(v: str) -> Any:
        if not v:
            return None
        try:
            return parse_enum(enum_cls, v)
        except ValueError as exc:
            raise CellError(str(exc)) from None

    return parse


def _country(v: str) -> str | None:
    if not v:
        return None
    iso = resolve_country(v)
    if not iso:
        raise CellError(f"unknown country '{v}' (use a name or ISO code, e.g. Germany or DE)")
    return iso


def _region(v: str) -> str | None:
    if not v:
        return None
    region = resolve_region(v)
    if not region:
        raise CellError(f"'{v}' is not one of NA, LATAM, EMEA, APAC")
    return region.value


def _email(v: str) -> str | None:
    if not v:
        return None
    if not _EMAIL.match(v):
        raise CellError(f"'{v}' is not an email address")
    return v.lower()


def _tz(v: str) -> str | None:
    if not v:
        return None
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CellError(f"'{v}' is not a timezone (e.g. Europe/Berlin)") from None
    return v


def _date(v: str) -> dt.date:
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise CellError(f"'{v}' is not a date in YYYY-MM-DD form") from None


def _activity_list(v: str) -> list[str]:
    out = []
    for item in _list(v):
        try:
            out.append(parse_enum(ActivityType, item).value)
        except ValueError as exc:
            raise CellError(str(exc)) from None
    return out


def _text(v: str) -> str | None:
    return v or None


# ------------------------------------------------------------------ import


def _parse_row(
    spec: dict[str, Callable[[str], Any]], row: dict[str, str], where: str, problems: list[str]
) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    ok = True
    for col, parse in spec.items():
        if col not in row:
            continue
        try:
            out[col] = parse(row[col])
        except CellError as exc:
            problems.append(f"{where}: {col}: {exc}")
            ok = False
    return out if ok else None


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


def import_files(
    *, session: Session, files: list[tuple[str, str]], client: WebClient | None = None
) -> ImportReport:
    """Import CSV texts [(file name, text)] in one transaction; raise ImportFailed listing every problem."""
    problems: list[str] = []
    parsed = [f for f in (read_csv(name, text, problems) for name, text in files) if f is not None]
    by_kind: dict[str, list[CsvFile]] = {}
    for f in parsed:
        by_kind.setdefault(f.kind, []).append(f)
    report = ImportReport()

    accounts = {a.external_id: a for a in session.scalars(sa.select(Account))}
    contacts = {c.external_id: c for c in session.scalars(sa.select(Contact))}
    owner_cache: dict[str, str | None] = {}

    # accounts
    seen: dict[str, str] = {}
    account_rows: list[tuple[str, dict[str, Any]]] = []
    for f in by_kind.get("accounts", []):
        for line, row in f.rows:
            where = f"{f.name}:{line}"
            errs_before = len(problems)
            for col in REQUIRED["accounts"]:
                if not row.get(col):
                    problems.append(f"{where}: {col}: required value is missing")
            ext = row.get("account_id", "")
            if ext and ext in seen:
                problems.append(f"{where}: account_id: duplicate id '{ext}' (first on {seen[ext]})")
            elif ext:
                seen[ext] = where
            values = _parse_row(
                {
                    "name": _text, "industry": _text, "employees": _int, "annual_revenue": _int,
                    "country": _country, "region": _region, "products": _list, "use_cases": _list,
                    "competitor_replaced": _text, "status": _enum(AccountStatus), "case_study_url": _text,
                    "notes": lambda v: v, "deployment": _text,
                },
                row, where, problems,
            )
            owner = row.get("owner", "")
            owner_id: str | None = None
            if owner:
                if re.fullmatch(r"[UW][A-Z0-9]{2,}", owner):
                    owner_id = owner
                elif _EMAIL.match(owner):
                    key = owner.lower()
                    if key not in owner_cache:
                        owner_cache[key] = resolve_email(session=session, client=client, email=key)
                    owner_id = owner_cache[key]
                    if owner_id is None:
                        why = "no Slack user has this email" if client else "can't resolve an email without SLACK_BOT_TOKEN"
                        problems.append(f"{where}: owner: {why} ('{owner}')")
                else:
                    problems.append(f"{where}: owner: '{owner}' is neither a Slack user id (U…) nor an email")
            if values is None or len(problems) > errs_before:
                continue
            if values.get("country") and not values.get("region"):
                region = region_of(values["country"])
                values["region"] = region.value if region else None
            values["status"] = values.get("status") or AccountStatus.active
            values["notes"] = values.get("notes") or ""
            for col in ("products", "use_cases"):
                values.setdefault(col, [])
            if "owner" in row:
                values["owner_id"] = owner_id
            account_rows.append((ext, values))
    # contacts
    new_accounts = {ext for ext, _ in account_rows}
    seen = {}
    contact_rows: list[tuple[str, str, dict[str, Any]]] = []
    for f in by_kind.get("contacts", []):
        for line, row in f.rows:
            where = f"{f.name}:{line}"
            errs_before = len(problems)
            for col in REQUIRED["contacts"]:
                if not row.get(col):
                    problems.append(f"{where}: {col}: required value is missing")
            ext = row.get("contact_id", "")
            if ext and ext in seen:
                problems.append(f"{where}: contact_id: duplicate id '{ext}' (first on {seen[ext]})")
            elif ext:
                seen[ext] = where
            account_ext = row.get("account_id", "")
            if account_ext and account_ext not in accounts and account_ext not in new_accounts:
                problems.append(f"{where}: account_id: unknown account '{account_ext}'")
            values = _parse_row(
                {
                    "name": _text, "title": lambda v: v, "seniority": _enum(Seniority), "persona": _enum(Persona),
                    "email": _email, "phone": _text, "topics": _list, "activities": _activity_list,
                    "max_per_quarter": _int, "status": _enum(ContactStatus), "timezone": _tz, "languages": _list,
                },
                row, where, problems,
            )
            if values is None or len(problems) > errs_before:
                continue
            values["title"] = values.get("title") or ""
            if not values.get("seniority"):
                values["seniority"] = seniority_from_title(values["title"])
            values["status"] = values.get("status") or ContactStatus.active
            for col in ("topics", "activities", "languages"):
                values.setdefault(col, [])
            contact_rows.append((ext, account_ext, values))
    # activities
    new_contacts = {ext for ext, _, _ in contact_rows}
    activity_rows: list[tuple[str, dict[str, Any]]] = []
    for f in by_kind.get("activities", []):
        for line, row in f.rows:
            where = f"{f.name}:{line}"
            errs_before = len(problems)
            for col in REQUIRED["activities"]:
                if not row.get(col):
                    problems.append(f"{where}: {col}: required value is missing")
            ext = row.get("contact_id", "")
            if ext and ext not in contacts and ext not in new_contacts:
                problems.append(f"{where}: contact_id: unknown contact '{ext}'")
            values = _parse_row(
                {"date": _date, "type": _enum(ActivityType), "opportunity": lambda v: v, "notes": lambda v: v},
                row, where, problems,
            )
            if values is None or len(problems) > errs_before:
                continue
            activity_rows.append((ext, values))
    if problems:
        raise ImportFailed(problems)
    counts = Counts()
    for ext, values in account_rows:
        account = accounts.get(ext)
        if account is None:
            account = Account(external_id=ext, **values)
            session.add(account)
            accounts[ext] = account
            counts.new += 1
        elif _assign(account, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
    if by_kind.get("accounts"):
        report.counts["accounts"] = counts

    counts = Counts()
    session.flush()  # new accounts get their ids
    for ext, account_ext, values in contact_rows:
        values["account_id"] = accounts[account_ext].id
        contact = contacts.get(ext)
        if contact is None:
            contact = Contact(external_id=ext, **values)
            session.add(contact)
            contacts[ext] = contact
            counts.new += 1
        elif _assign(contact, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
    if by_kind.get("contacts"):
        report.counts["contacts"] = counts

    session.flush()
    counts = Counts()
    existing = {
        (a.contact_id, a.occurred_on, a.type.value if hasattr(a.type, "value") else a.type, a.opportunity): a
        for a in session.scalars(sa.select(Activity))
    }
    for ext, values in activity_rows:
        contact_id = contacts[ext].id
        key = (contact_id, values["date"], values["type"].value, values.get("opportunity") or "")
        notes = values.get("notes") or ""
        activity = existing.get(key)
        if activity is None:
            activity = Activity(
                contact_id=contact_id, occurred_on=values["date"], type=values["type"],
                opportunity=key[3], notes=notes, source="import",
            )
            session.add(activity)
            existing[key] = activity
            counts.new += 1
        elif activity.notes != notes:
            activity.notes = notes
            counts.updated += 1
        else:
            counts.unchanged += 1
    if by_kind.get("activities"):
        report.counts["activities"] = counts
    session.flush()
    return report


def import_paths(*, session: Session, paths: list[Path], client: WebClient | None = None) -> ImportReport:
    files = []
    problems = []
    for path in paths:
        try:
            files.append((str(path), path.read_text(encoding="utf-8-sig")))
        except OSError as exc:
            problems.append(f"{path}:0: file: {exc.strerror or exc}")
        except UnicodeDecodeError:
            problems.append(f"{path}:0: file: not UTF-8 text (save the spreadsheet as CSV UTF-8)")
    if problems:
        raise ImportFailed(problems)
    return import_files(session=session, files=files, client=client)


# ------------------------------------------------------------------ export


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_texts(*, session: Session) -> dict[str, str]:
    """{"accounts.csv": text, "contacts.csv": text, "activities.csv": text}."""
    out: dict[str, str] = {}

    def write(columns: tuple[str, ...], rows: Iterable[list[Any]]) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
        return buf.getvalue()

    accounts = list(session.scalars(sa.select(Account).order_by(Account.external_id)))
    by_id = {a.id: a for a in accounts}
    out["accounts.csv"] = write(
        ACCOUNT_COLUMNS,
        (
            [a.external_id, a.name, a.industry, a.employees, a.annual_revenue, a.country, a.region, a.products,
             a.use_cases, a.competitor_replaced, a.owner_id, a.status, a.case_study_url, a.notes, a.deployment]
            for a in accounts
        ),
    )
    contacts = list(session.scalars(sa.select(Contact).order_by(Contact.external_id)))
    contact_ext = {c.id: c.external_id for c in contacts}
    out["contacts.csv"] = write(
        CONTACT_COLUMNS,
        (
            [c.external_id, by_id[c.account_id].external_id, c.name, c.title, c.seniority, c.persona, c.email,
             c.phone, c.topics, c.activities, c.max_per_quarter, c.status, c.timezone, c.languages]
            for c in contacts
        ),
    )
    activities = sorted(
        session.scalars(sa.select(Activity)),
        key=lambda a: (contact_ext[a.contact_id], a.occurred_on, _cell(a.type), a.opportunity),
    )
    out["activities.csv"] = write(
        ACTIVITY_COLUMNS,
        ([contact_ext[a.contact_id], a.occurred_on, a.type, a.opportunity, a.notes] for a in activities),
    )
    return out


def export_dir(*, session: Session, directory: Path) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, text in export_texts(session=session).items():
        (directory / name).write_text(text, encoding="utf-8")
        counts[name] = text.count("\n") - 1
    return counts
