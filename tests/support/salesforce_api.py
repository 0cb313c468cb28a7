"""A local stand-in for Salesforce's REST API, for tests and benchmarks.

`SalesforceAPIStub` is a real HTTPS server on a loopback port (a self-signed certificate made at start;
point `REQUESTS_CA_BUNDLE` at `stub.ca_file`). The real simple-salesforce client talks to it exactly as it
talks to an org: the OAuth token endpoint (client-credentials, JWT bearer, username-password flows),
`GET /services/data/vXX.X/query?q=SOQL` evaluated on in-memory records with `nextRecordsUrl` paging,
`GET .../sobjects/<Object>/describe`, and `POST .../sobjects/<Object>/` (create). Errors use Salesforce's
shapes (`[{"message", "errorCode"}]`): unknown or hidden fields give 400 INVALID_FIELD, unknown or hidden
objects 400 INVALID_TYPE, expired tokens 401 INVALID_SESSION_ID, an org without API access 403
API_DISABLED_FOR_ORG, and injected faults 403 REQUEST_LIMIT_EXCEEDED, 5xx, or a stalled answer (timeout).

    with SalesforceAPIStub() as sf:
        acct = sf.add("Account", Name="Acme", Type="Customer - Direct", BillingCountry="Germany")
        sf.fail("query_more", status=403, code="REQUEST_LIMIT_EXCEEDED")
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support import soql

CLIENT_ID = "3MVG9-refbot-test-client"
CLIENT_SECRET = "test-client-secret-do-not-log"
USERNAME = "integration@acme.test"
PASSWORD = "test-password-do-not-log"
SECURITY_TOKEN = "test-security-token"

_PREFIX = {"Account": "001", "Contact": "003", "User": "005", "Opportunity": "006", "Task": "00T",
           "OpportunityTeamMember": "00q"}

# Standard fields per object (a subset); custom fields are added with `add_field`.
SCHEMA: dict[str, set[str]] = {
    "Account": {"Id", "Name", "Type", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry",
                "OwnerId", "SystemModstamp", "IsDeleted", "CreatedDate"},
    "Contact": {"Id", "AccountId", "FirstName", "LastName", "Name", "Title", "Email", "Phone", "OwnerId",
                "SystemModstamp", "IsDeleted", "HasOptedOutOfEmail"},
    "User": {"Id", "Name", "Email", "IsActive", "SystemModstamp", "UserType"},
    "Opportunity": {"Id", "Name", "AccountId", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "OwnerId",
                    "SystemModstamp", "IsDeleted", "Type"},
    "OpportunityTeamMember": {"Id", "OpportunityId", "UserId", "TeamMemberRole", "SystemModstamp"},
    "Task": {"Id", "WhatId", "WhoId", "Subject", "Description", "ActivityDate", "Status", "Type", "OwnerId",
             "SystemModstamp"},
}
# relationship name -> (id field, target object), per object
RELATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "Account": {"Owner": ("OwnerId", "User")},
    "Contact": {"Account": ("AccountId", "Account"), "Owner": ("OwnerId", "User")},
    "Opportunity": {"Account": ("AccountId", "Account"), "Owner": ("OwnerId", "User")},
    "OpportunityTeamMember": {"Opportunity": ("OpportunityId", "Opportunity"), "User": ("UserId", "User")},
    "Task": {"What": ("WhatId", "Opportunity")},
}


def sf_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class Fault:
    kind: str  # token, query, query_more, create, describe, any
    status: int = 500
    code: str = "UNKNOWN_EXCEPTION"
    message: str = "An unexpected error occurred."
    times: int = 1
    after: int = 0  # let this many matching requests through first
    stall: float = 0.0  # sleep this long before answering (a client timeout)


@dataclass
class Request:
    method: str
    path: str
    kind: str
    query: str | None = None
    body: Any = None
    status: int = 0


@dataclass
class _Cursor:
    records: list[dict[str, Any]]
    fields: list[str]
    sobject: str


@dataclass
class _State:
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in SCHEMA})
    tokens: set[str] = field(default_factory=set)
    cursors: dict[str, _Cursor] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)


class SalesforceAPIStub:
    def __init__(self, *, batch_size: int = 2000, version: str = "59.0") -> None:
        self.batch_size = batch_size
        self.version = version
        self.state = _State()
        self.lock = threading.RLock()
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.users = {USERNAME: PASSWORD + SECURITY_TOKEN}
        self.jwt_public_key: bytes | None = None  # PEM; set to accept the JWT bearer flow
        self.hidden_fields: dict[str, set[str]] = {}
        self.hidden_objects: set[str] = set()
        self.extra_fields: dict[str, set[str]] = {}
        self.api_enabled = True
        self.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # SystemModstamp of the next write
        self._ids = itertools.count(1)
        self._tmp = tempfile.TemporaryDirectory(prefix="sf-stub-")
        self.ca_file = ""
        self._server: ThreadingHTTPServer | None = None
        self.busy_seconds = 0.0  # time spent answering (benchmarks subtract it)

    # ------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SalesforceAPIStub:
        cert, key = _self_signed(Path(self._tmp.name))
        self.ca_file = str(cert)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.stub = self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, name="salesforce-stub", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    def __enter__(self) -> SalesforceAPIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ data

    def new_id(self, sobject: str) -> str:
        return f"{_PREFIX[sobject]}{next(self._ids):012d}AAA"[:18]

    def tick(self, seconds: float = 1.0) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now

    def add(self, sobject: str, **values: Any) -> str:
        """Create a record (SystemModstamp = the stub's clock, then the clock moves one second)."""
        with self.lock:
            rid = values.pop("Id", None) or self.new_id(sobject)
            record = {"Id": rid, **values, "SystemModstamp": sf_datetime(self.now)}
            self.state.records[sobject][rid] = record
            self.tick()
            return rid

    def update(self, sobject: str, rid: str, **values: Any) -> None:
        with self.lock:
            self.state.records[sobject][rid].update(values, SystemModstamp=sf_datetime(self.now))
            self.tick()

    def records(self, sobject: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.state.records[sobject].values())

    def add_field(self, sobject: str, name: str) -> None:
        self.extra_fields.setdefault(sobject, set()).add(name)

    # ------------------------------------------------------------ faults and the record of requests

    def fail(self, kind: str, *, status: int = 500, code: str = "UNKNOWN_EXCEPTION",
             message: str = "An unexpected error occurred.", times: int = 1, after: int = 0) -> None:
        self.state.faults.append(Fault(kind, status, code, message, times, after))

    def stall(self, kind: str, *, seconds: float, times: int = 1, after: int = 0) -> None:
        self.state.faults.append(Fault(kind, times=times, after=after, stall=seconds))

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.tokens.clear()

    @property
    def requests(self) -> list[Request]:
        with self.lock:
            return list(self.state.requests)

    def queries(self) -> list[str]:
        return [r.query for r in self.requests if r.kind == "query" and r.query]

    def _fault_for(self, kind: str) -> Fault | None:
        with self.lock:
            for fault in self.state.faults:
                if fault.kind not in (kind, "any") or fault.times <= 0:
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    # ------------------------------------------------------------ API

    def fields_of(self, sobject: str) -> set[str]:
        return (SCHEMA.get(sobject, set()) | self.extra_fields.get(sobject, set())) - self.hidden_fields.get(
            sobject, set())

    def check_object(self, sobject: str) -> None:
        if sobject not in SCHEMA or sobject in self.hidden_objects:
            raise _APIError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported. If you are attempting "
                            "to use a custom object, be sure to append the '__c' after the entity name.")

    def resolve(self, sobject: str, record: dict[str, Any], name: str) -> Any:
        if "." not in name:
            return record.get(name)
        rel, rest = name.split(".", 1)
        id_field, target = RELATIONS[sobject][rel]
        parent = self.state.records[target].get(record.get(id_field) or "")
        return None if parent is None else self.resolve(target, parent, rest)

    def check_field(self, sobject: str, name: str) -> None:
        if "." in name:
            rel, rest = name.split(".", 1)
            if rel not in RELATIONS.get(sobject, {}):
                raise _APIError(400, "INVALID_FIELD", f"Didn't understand relationship '{rel}' in field path.")
            self.check_field(RELATIONS[sobject][rel][1], rest)
        elif name not in self.fields_of(sobject):
            raise _APIError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'. If you are "
                            "attempting to use a custom field, be sure to append the '__c' after the custom field "
                            "name.")

    def shape(self, sobject: str, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": sobject,
                                              "url": f"/services/data/v{self.version}/sobjects/{sobject}/{record['Id']}"}}
        for name in fields:
            if "." not in name:
                out[name] = record.get(name)
                continue
            rel, rest = name.split(".", 1)
            id_field, target = RELATIONS[sobject][rel]
            parent = self.state.records[target].get(record.get(id_field) or "")
            if parent is None:
                out.setdefault(rel, None)
            else:
                nested = out.get(rel) or {"attributes": {"type": target, "url": ""}}
                nested.update({k: v for k, v in self.shape(target, parent, [rest]).items() if k != "attributes"})
                out[rel] = nested
        return out

    def run_query(self, text: str) -> dict[str, Any]:
        try:
            query = soql.parse(text)
        except soql.SOQLError as exc:
            raise _APIError(400, exc.code, exc.message) from None
        self.check_object(query.sobject)
        for name in [*query.fields, *query.where_fields, *(f for f, _ in query.order_by)]:
            self.check_field(query.sobject, name)
        with self.lock:
            rows = list(self.state.records[query.sobject].values())
            if query.where is not None:
                where = query.where
                rows = [r for r in rows if where(lambda n, r=r: self.resolve(query.sobject, r, n))]
            for name, desc in reversed(query.order_by):
                rows.sort(key=lambda r, n=name: (self.resolve(query.sobject, r, n) is None,
                                                 str(self.resolve(query.sobject, r, n) or "")), reverse=desc)
            if query.limit is not None:
                rows = rows[: query.limit]
            shaped = [self.shape(query.sobject, r, query.fields) for r in rows]
            cursor_id = f"01g{next(self._ids):015d}"
            self.state.cursors[cursor_id] = _Cursor(shaped, query.fields, query.sobject)
        return self.page(cursor_id, 0)

    def page(self, cursor_id: str, offset: int) -> dict[str, Any]:
        with self.lock:
            cursor = self.state.cursors.get(cursor_id)
        if cursor is None:
            raise _APIError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        chunk = cursor.records[offset: offset + self.batch_size]
        done = offset + len(chunk) >= len(cursor.records)
        out: dict[str, Any] = {"totalSize": len(cursor.records), "done": done, "records": chunk}
        if not done:
            out["nextRecordsUrl"] = f"/services/data/v{self.version}/query/{cursor_id}-{offset + len(chunk)}"
        return out

    def describe(self, sobject: str) -> dict[str, Any]:
        self.check_object(sobject)
        return {"name": sobject, "queryable": True, "createable": True,
                "fields": [{"name": n, "createable": n not in ("Id", "SystemModstamp"), "updateable": True}
                           for n in sorted(self.fields_of(sobject))]}

    def create(self, sobject: str, body: dict[str, Any]) -> dict[str, Any]:
        self.check_object(sobject)
        for name in body:
            self.check_field(sobject, name)
        if sobject == "Task":
            if not body.get("Subject"):
                raise _APIError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Subject]")
            what = body.get("WhatId")
            if what and what not in self.state.records["Opportunity"]:
                raise _APIError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        rid = self.add(sobject, **body)
        return {"id": rid, "success": True, "errors": []}

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
            if self.clients.get(client_id) != secret:
                raise _APIError(400, "invalid_client", "invalid client credentials", oauth=True)
        elif grant == "password":
            if self.clients.get(form.get("client_id", "")) != form.get("client_secret"):
                raise _APIError(400, "invalid_client", "invalid client credentials", oauth=True)
            if self.users.get(form.get("username", "")) != form.get("password"):
                raise _APIError(400, "invalid_grant", "authentication failure", oauth=True)
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            self._check_jwt(form.get("assertion", ""))
        else:
            raise _APIError(400, "unsupported_grant_type", "grant type not supported", oauth=True)
        token = "00Dstub!" + base64.urlsafe_b64encode(next(self._ids).to_bytes(8, "big")).decode()
        with self.lock:
            self.state.tokens.add(token)
        return {"access_token": token, "instance_url": self.base_url, "token_type": "Bearer",
                "id": f"{self.base_url}/id/00D000000000001/005000000000001", "issued_at": str(int(time.time() * 1000)),
                "signature": "stub"}

    def _check_jwt(self, assertion: str) -> None:
        import jwt

        if self.jwt_public_key is None:
            raise _APIError(400, "invalid_grant", "invalid assertion", oauth=True)
        try:
            claims = jwt.decode(assertion, self.jwt_public_key, algorithms=["RS256"],
                                audience=["https://login.salesforce.com", "https://test.salesforce.com"])
        except jwt.PyJWTError:
            raise _APIError(400, "invalid_grant", "invalid assertion", oauth=True) from None
        if claims.get("iss") not in self.clients:
            raise _APIError(400, "invalid_client_id", "client identifier invalid", oauth=True)
        if claims.get("sub") not in self.users:
            raise _APIError(400, "invalid_grant", "user hasn't approved this consumer", oauth=True)


class _APIError(Exception):
    def __init__(self, status: int, code: str, message: str, *, oauth: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.oauth = status, code, message, oauth

    def body(self) -> Any:
        if self.oauth:
            return {"error": self.code, "error_description": self.message}
        return [{"message": self.message, "errorCode": self.code}]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: SalesforceAPIStub


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        stub = self.server.stub
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        record = Request(method, url.path, "unknown")
        with stub.lock:
            stub.state.requests.append(record)
        started = time.perf_counter()
        try:
            status, body = self._route(stub, method, parts, url.query, raw, record)
        except _APIError as exc:
            status, body = exc.status, exc.body()
        data = json.dumps(body).encode() if status != -1 else b""
        with stub.lock:
            stub.busy_seconds += time.perf_counter() - started
        record.status = status
        if status == -1:  # stalled past the client's timeout: drop the connection
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        if status == 200 and record.kind in ("query", "query_more"):
            self.send_header("Sforce-Limit-Info", "api-usage=25/15000")
        self.end_headers()
        self.wfile.write(data)

    def _route(self, stub: SalesforceAPIStub, method: str, parts: list[str], query: str, raw: bytes,
               record: Request) -> tuple[int, Any]:
        if parts[:3] == ["services", "oauth2", "token"] and method == "POST":
            record.kind = "token"
            self._fault(stub, "token")
            return 200, stub.token(dict(parse_qsl(raw.decode())))
        if parts[:2] != ["services", "data"] or len(parts) < 4:
            raise _APIError(404, "NOT_FOUND", "The requested resource does not exist")
        rest = parts[3:]
        kind = {"query": "query_more" if len(rest) > 1 else "query", "sobjects": "describe"
                if rest[-1] == "describe" else "create"}.get(rest[0], "unknown")
        record.kind = kind
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in stub.state.tokens:
            raise _APIError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if not stub.api_enabled:
            raise _APIError(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.")
        self._fault(stub, kind)
        if kind == "query":
            q = dict(parse_qsl(query)).get("q", "")
            record.query = q
            return 200, stub.run_query(q)
        if kind == "query_more":
            cursor_id, _, offset = rest[1].rpartition("-")
            return 200, stub.page(cursor_id, int(offset or 0))
        if kind == "describe" and method == "GET":
            return 200, stub.describe(rest[1])
        if kind == "create" and method == "POST" and len(rest) == 2:
            body = json.loads(raw or b"{}")
            record.body = body
            return 201, stub.create(rest[1], body)
        raise _APIError(404, "NOT_FOUND", "The requested resource does not exist")

    def _fault(self, stub: SalesforceAPIStub, kind: str) -> None:
        fault = stub._fault_for(kind)
        if fault is None:
            return
        if fault.stall:
            time.sleep(fault.stall)
            raise _Stalled()
        raise _APIError(fault.status, fault.code, fault.message)


class _Stalled(_APIError):
    def __init__(self) -> None:
        super().__init__(-1, "", "")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A CA-style self-signed certificate for 127.0.0.1, cached per directory."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "salesforce-stub")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path

