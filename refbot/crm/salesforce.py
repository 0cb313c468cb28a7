"""Salesforce through simple-salesforce (REST + SOQL).

Sign-in is an OAuth token request to the org's My Domain (`SALESFORCE_INSTANCE_URL/services/oauth2/token`):
the client-credentials flow, the JWT bearer flow (a certificate on the connected app), or the
username-password flow for trial orgs. The access token goes to `simple_salesforce.Salesforce`, which does
every REST call; an expired token is renewed once per call. Queries are ordered by SystemModstamp, Id and
read page by page through `nextRecordsUrl`, so a sync can stop after any page and resume from its cursor.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import requests
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError

from refbot.config import CoreSettings
from refbot.crm.base import CheckReport, CRMError, CRMObject, CRMRecord, Mapping

log = logging.getLogger(__name__)

T = TypeVar("T")

SOBJECT: dict[CRMObject, str] = {
    CRMObject.users: "User",
    CRMObject.accounts: "Account",
    CRMObject.contacts: "Contact",
    CRMObject.opportunities: "Opportunity",
    CRMObject.team: "OpportunityTeamMember",
}

DEFAULT_FIELDS: dict[CRMObject, dict[str, str]] = {
    CRMObject.users: {"name": "Name", "email": "Email", "active": "IsActive"},
    CRMObject.accounts: {"name": "Name", "industry": "Industry", "employees": "NumberOfEmployees",
                         "annual_revenue": "AnnualRevenue", "country": "BillingCountry", "owner": "OwnerId"},
    CRMObject.contacts: {"account": "AccountId", "name": "Name", "title": "Title", "email": "Email",
                         "phone": "Phone"},
    CRMObject.opportunities: {"name": "Name", "account": "AccountId", "prospect": "Account.Name",
                              "industry": "Account.Industry", "employees": "Account.NumberOfEmployees",
                              "country": "Account.BillingCountry", "stage": "StageName", "amount": "Amount",
                              "close_date": "CloseDate", "owner": "OwnerId", "is_closed": "IsClosed",
                              "is_won": "IsWon"},
    CRMObject.team: {"opportunity": "OpportunityId", "user": "UserId"},
}

# Salesforce's default Opportunity stages -> RefBot's stages (the stage gate reads these).
DEFAULT_STAGES: dict[str, str] = {
    "Prospecting": "prospecting",
    "Qualification": "discovery",
    "Needs Analysis": "discovery",
    "Value Proposition": "evaluation",
    "Id. Decision Makers": "evaluation",
    "Perception Analysis": "evaluation",
    "Proposal/Price Quote": "proposal",
    "Negotiation/Review": "negotiation",
    "Closed Won": "closed",
    "Closed Lost": "closed",
}


def default_mapping() -> Mapping:
    return Mapping(fields={o: dict(f) for o, f in DEFAULT_FIELDS.items()}, stages=dict(DEFAULT_STAGES))


def soql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def soql_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_modstamp(value: str) -> dt.datetime:
    text = value.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


class _TimeoutSession(requests.Session):
    """Every request gets the configured timeout (simple-salesforce passes none by default)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


def _query(sf: Salesforce, *, soql: str) -> Any:
    return sf.query(soql)


def _query_more(sf: Salesforce, *, url: str) -> Any:
    return sf.query_more(url, identifier_is_url=True)


def _task(sf: Salesforce) -> SFType:
    return cast(SFType, sf.__getattr__("Task"))


class SalesforceCRM:
    name = "Salesforce"

    def __init__(self, settings: CoreSettings, *, mapping: Mapping | None = None) -> None:
        if settings.salesforce_instance_url is None:
            raise CRMError("bad_request", "Salesforce is not configured: set SALESFORCE_INSTANCE_URL.")
        self.settings = settings
        self.mapping = mapping or default_mapping()
        self.http = _TimeoutSession(settings.salesforce_timeout_seconds)
        self._sf: Salesforce | None = None

    # ------------------------------------------------------------ sign-in

    def _token_request(self) -> dict[str, str]:
        s = self.settings
        flow = s.salesforce_auth_flow
        if flow == "jwt":
            import jwt

            with open(s.salesforce_private_key_file or "", "rb") as fh:
                key = fh.read()
            assertion = jwt.encode({"iss": s.salesforce_client_id, "sub": s.salesforce_username,
                                    "aud": s.salesforce_login_url, "exp": int(time.time()) + 180}, key,
                                   algorithm="RS256")
            return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        if flow == "password":
            return {"grant_type": "password", "client_id": s.salesforce_client_id or "",
                    "client_secret": s.salesforce_client_secret or "", "username": s.salesforce_username or "",
                    "password": (s.salesforce_password or "") + (s.salesforce_security_token or "")}
        return {"grant_type": "client_credentials", "client_id": s.salesforce_client_id or "",
                "client_secret": s.salesforce_client_secret or ""}

    def _login(self) -> Salesforce:
        url = f"{self.settings.salesforce_instance_url}/services/oauth2/token"
        try:
            response = self.http.post(url, data=self._token_request())
        except requests.Timeout:
            raise self._timeout() from None
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        if response.status_code != 200:
            raise _token_error(response, self.settings.salesforce_auth_flow or "")
        body = response.json()
        return Salesforce(instance_url=body.get("instance_url") or self.settings.salesforce_instance_url,
                          session_id=body["access_token"], version=self.settings.salesforce_api_version,
                          session=self.http)

    def _call(self, fn: Callable[[Salesforce], T]) -> T:
        """Run one API call, signing in first and once more when the token expired; errors as CRMError."""
        for attempt in (1, 2):
            if self._sf is None:
                self._sf = self._login()
            try:
                return fn(self._sf)
            except SalesforceError as exc:
                if exc.status == 401 and attempt == 1:
                    self._sf = None
                    continue
                raise _api_error(exc) from None
            except requests.Timeout:
                raise self._timeout() from None
            except requests.RequestException as exc:
                raise self._unreachable(exc) from None
        raise CRMError("auth", "Salesforce keeps rejecting RefBot's access token (INVALID_SESSION_ID).")

    def _timeout(self) -> CRMError:
        return CRMError("timeout", f"Salesforce did not answer within {self.settings.salesforce_timeout_seconds:g} s.")

    def _unreachable(self, exc: Exception) -> CRMError:
        kind = type(exc).__name__
        return CRMError("unavailable", f"Salesforce is unreachable at {self.settings.salesforce_instance_url} ({kind}).")

    # ------------------------------------------------------------ reads

    def soql(self, obj: CRMObject, *, since: dt.datetime | None, today: dt.date, after_id: str | None = None) -> str:
        fields = self.mapping.crm_fields(obj)
        select = ["Id", "SystemModstamp", *dict.fromkeys(v for v in fields.values() if v not in ("Id", "SystemModstamp"))]
        where = [f"({c})" for c in self._filters(obj, today) if c]
        if since is not None and after_id:
            stamp = soql_datetime(since)
            where.append(f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > {soql_quote(after_id)}))")
        elif since is not None:
            where.append(f"SystemModstamp >= {soql_datetime(since)}")
        text = f"SELECT {', '.join(select)} FROM {SOBJECT[obj]}"
        if where:
            text += " WHERE " + " AND ".join(where)
        return text + " ORDER BY SystemModstamp, Id"

    def _filters(self, obj: CRMObject, today: dt.date) -> list[str]:
        s = self.settings
        since = (today - dt.timedelta(days=s.salesforce_closed_lookback_days)).isoformat()
        if obj is CRMObject.accounts:
            return [s.salesforce_account_filter]
        if obj is CRMObject.contacts:
            return [s.salesforce_contact_filter]
        if obj is CRMObject.opportunities:
            return [f"IsClosed = false OR CloseDate >= {since}"]
        if obj is CRMObject.team:
            return [f"Opportunity.IsClosed = false OR Opportunity.CloseDate >= {since}"]
        return []

    def changed(self, obj: CRMObject, *, since: dt.datetime | None, after_id: str | None,
                today: dt.date) -> Iterator[list[CRMRecord]]:
        query = self.soql(obj, since=since, today=today, after_id=after_id)
        result = self._call(lambda sf: sf.query(query))
        while True:
            yield [self._record(obj, raw) for raw in result.get("records", [])]
            next_url = result.get("nextRecordsUrl")
            if result.get("done", True) or not next_url:
                return
            result = self._call(functools.partial(_query_more, url=str(next_url)))

    def _record(self, obj: CRMObject, raw: dict[str, Any]) -> CRMRecord:
        values = {ours: _path(raw, theirs) for ours, theirs in self.mapping.crm_fields(obj).items()}
        return CRMRecord(id=raw["Id"], modstamp=parse_modstamp(raw["SystemModstamp"]), values=values)

    # ------------------------------------------------------------ writes

    def write_activity(self, *, opportunity_id: str, key: str, subject: str, description: str,
                       when: dt.date) -> str:
        """A completed Task on the opportunity. The subject ends with the key, so a retry after a crash
        finds the Task it already wrote instead of writing a second one."""
        subject = f"{subject[: 255 - len(key) - 12]} [RefBot {key}]"
        found = self._call(lambda sf: sf.query(
            f"SELECT Id FROM Task WHERE WhatId = {soql_quote(opportunity_id)} AND Subject = {soql_quote(subject)}"
        ))
        if found.get("records"):
            return str(found["records"][0]["Id"])
        body = {"WhatId": opportunity_id, "Subject": subject, "Description": description[:32000],
                "ActivityDate": when.isoformat(), "Status": "Completed"}
        created = self._call(lambda sf: _task(sf).create(body))
        return str(created["id"])

    # ------------------------------------------------------------ check

    def check(self) -> CheckReport:
        report = CheckReport()
        try:
            self._call(lambda sf: sf.query("SELECT Id FROM User LIMIT 1"))
        except CRMError as exc:
            report.problems.append(exc.message)
            return report
        report.ok.append(f"Signed in to {self.settings.salesforce_instance_url} "
                         f"({_FLOW_NAMES[self.settings.salesforce_auth_flow or '']}).")
        today = dt.date.today()
        for obj in (CRMObject.users, CRMObject.accounts, CRMObject.contacts, CRMObject.opportunities,
                    CRMObject.team):
            query = self.soql(obj, since=None, today=today) + " LIMIT 1"
            try:
                self._call(functools.partial(_query, soql=query))
            except CRMError as exc:
                report.problems.append(exc.message)
            else:
                report.ok.append(f"Can read {SOBJECT[obj]}: {', '.join(self.mapping.crm_fields(obj).values())}.")
        if self.settings.salesforce_write_back:
            try:
                described = self._call(lambda sf: _task(sf).describe())
            except CRMError as exc:
                report.problems.append(exc.message)
            else:
                names = {f["name"] for f in described.get("fields", []) if f.get("createable")}
                missing = [f for f in ("WhatId", "Subject", "Description", "ActivityDate", "Status") if f not in names]
                if missing or not described.get("createable", True):
                    report.problems.append(f"The integration user can't create Tasks with {', '.join(missing)}: "
                                           "grant Create on Task and edit access to those fields.")
                else:
                    report.ok.append("Can create Tasks on opportunities (write-back is on).")
        return report


_FLOW_NAMES = {"jwt": "JWT bearer flow", "password": "username-password flow",
               "client_credentials": "client-credentials flow", "": "no flow"}


def _path(raw: dict[str, Any], name: str) -> Any:
    value: Any = raw
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _token_error(response: requests.Response, flow: str) -> CRMError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or response.status_code)
    if error in ("invalid_client", "invalid_client_id"):
        return CRMError("auth", f"Salesforce rejected the connected app ({error}): check SALESFORCE_CLIENT_ID"
                        + (" and SALESFORCE_CLIENT_SECRET." if flow != "jwt" else " and the certificate."))
    if error == "invalid_grant":
        hint = {"jwt": "check SALESFORCE_USERNAME, that the user is pre-authorized on the connected app, and that "
                       "SALESFORCE_PRIVATE_KEY_FILE matches the uploaded certificate",
                "password": "check SALESFORCE_USERNAME, SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN",
                "client_credentials": "set a Run As user for the client-credentials flow on the connected app"}
        return CRMError("auth", f"Salesforce refused the sign-in ({error}): {hint.get(flow, 'check the credentials')}.")
    if response.status_code >= 500:
        return CRMError("unavailable", f"Salesforce's sign-in answered {response.status_code}; try again later.")
    return CRMError("auth", f"Salesforce refused the sign-in ({error}).")


def _api_error(exc: SalesforceError) -> CRMError:
    content: list[Any] = exc.content if isinstance(exc.content, list) and exc.content else [{}]
    first = content[0] if isinstance(content[0], dict) else {}
    code = str(first.get("errorCode") or exc.status)
    message = str(first.get("message") or "")
    if code == "REQUEST_LIMIT_EXCEEDED":
        return CRMError("rate_limit", "Salesforce's API request limit is used up (REQUEST_LIMIT_EXCEEDED); the sync "
                        "resumes where it stopped once the limit resets.")
    if code == "API_DISABLED_FOR_ORG" or code == "API_CURRENTLY_DISABLED":
        return CRMError("api_disabled", f"The Salesforce API is disabled for this org or user ({code}): give the "
                        "integration user the API Enabled permission (Enterprise edition or above).")
    if code == "INVALID_FIELD":
        m = re.search(r"No such column '([^']+)' on entity '([^']+)'", message)
        what = f"{m.group(2)}.{m.group(1)}" if m else "a mapped field"
        return CRMError("permission", f"The integration user can't read {what} (INVALID_FIELD): grant field-level "
                        "read access to it or change the mapping with `refbot crm mapping set`.")
    if code == "INVALID_TYPE":
        m = re.search(r"sObject type '([^']+)'", message)
        what = m.group(1) if m else "an object"
        return CRMError("permission", f"The integration user can't read {what} records (INVALID_TYPE): grant Read "
                        f"on {what} in its permission set.")
    if exc.status == 401:
        return CRMError("auth", "Salesforce keeps rejecting RefBot's access token (INVALID_SESSION_ID).")
    if exc.status == 403:
        return CRMError("permission", f"Salesforce refused the request ({code}): check the integration user's "
                        "permissions.")
    if exc.status >= 500:
        return CRMError("unavailable", f"Salesforce answered {exc.status} ({code}); try again later.")
    return CRMError("bad_request", f"Salesforce rejected a request ({code}): {message[:200]}")
