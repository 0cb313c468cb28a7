"""Settings read once from the environment and `.env`, validated, then passed down explicitly."""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from refbot.tz import find_zone

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///refbot.db"

_HOW_TO = "create the app from manifest.yml (api.slack.com/apps > Create New App > From a manifest)"

# One sentence per variable: what it is and where to get it.
HINTS: dict[str, str] = {
    "slack_bot_token": (
        "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token (starts with xoxb-): "
        f"{_HOW_TO}, install it, then copy it from OAuth & Permissions into .env."
    ),
    "slack_signing_secret": (
        "SLACK_SIGNING_SECRET must be the app's Signing Secret (needed in HTTP mode): "
        f"{_HOW_TO}, then copy it from Basic Information > App Credentials into .env."
    ),
    "slack_app_token": (
        "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Socket Mode): "
        f"{_HOW_TO}, then generate one with the connections:write scope under Basic Information "
        "> App-Level Tokens; leave it unset to run in HTTP mode."
    ),
    "slack_api_url": (
        "SLACK_API_URL must be an http(s) URL of the Slack Web API, like https://slack.com/api/ "
        "(leave it unset for Slack's own)."
    ),
    "database_url": (
        "DATABASE_URL must be a SQLAlchemy database URL such as sqlite:///refbot.db or "
        "postgresql://user:password@host/refbot."
    ),
    "refbot_host": (
        "REFBOT_HOST must be the address to listen on: 0.0.0.0 (every interface, the default), 127.0.0.1 "
        "(this machine only, e.g. behind a reverse proxy on the same host) or one interface's address."
    ),
    "refbot_health_port": "REFBOT_HEALTH_PORT must be a whole number from 1 to 65535 (Socket Mode health checks).",
    "log_level": "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR.",
    "log_format": "LOG_FORMAT must be text or json.",
    "port": "PORT must be a whole number from 1 to 65535 (the HTTP port, default 3000).",
    "refbot_timezone": (
        "REFBOT_TIMEZONE must be an IANA timezone name such as Europe/Berlin or America/New_York."
    ),
    "refbot_admins": (
        "REFBOT_ADMINS must be a comma-separated list of Slack user ids (U…) or emails of the program managers."
    ),
    "refbot_leaderboard_channel": (
        "REFBOT_LEADERBOARD_CHANNEL must be a channel id (C…) or a channel name such as #sales."
    ),
    "refbot_digest_channel": (
        "REFBOT_DIGEST_CHANNEL must be a channel id such as C0123ABCD (channel details > About; file uploads "
        "need the id, not the name)."
    ),
    "refbot_sales_leaders": (
        "REFBOT_SALES_LEADERS must list each sales leader and their team as LEADER=MEMBER,MEMBER and separate "
        "leaders with ';' — Slack user ids (U…) or emails, and Slack user group ids (S…) for a whole team, e.g. "
        "U0LEAD=U0AE1,U0AE2;maria@acme.com=S0EMEA."
    ),
    "refbot_digest_recipients": (
        "REFBOT_DIGEST_RECIPIENTS must be a comma-separated list of Slack user ids (U…) or emails of the "
        "executives who get the monthly digest as a DM."
    ),
    "salesforce_instance_url": (
        "SALESFORCE_INSTANCE_URL must be your org's https My Domain URL, like https://acme.my.salesforce.com "
        "(Setup > My Domain)."
    ),
    "salesforce_login_url": (
        "SALESFORCE_LOGIN_URL must be https://login.salesforce.com (production) or https://test.salesforce.com "
        "(sandboxes): the audience of JWT bearer tokens."
    ),
    "salesforce_api_version": "SALESFORCE_API_VERSION must be a REST API version such as 59.0.",
    "salesforce_private_key_file": (
        "SALESFORCE_PRIVATE_KEY_FILE must be the path of a readable PEM private key whose certificate is "
        "uploaded to the connected app (JWT bearer flow)."
    ),
    "salesforce_account_filter": (
        "SALESFORCE_ACCOUNT_FILTER must be a SOQL condition on Account without WHERE or semicolons, "
        "like Type = 'Customer - Direct' or Reference_Program__c = true."
    ),
    "salesforce_contact_filter": (
        "SALESFORCE_CONTACT_FILTER must be a SOQL condition on Contact without WHERE or semicolons, "
        "like Reference_Contact__c = true (leave it empty for every contact of a reference account)."
    ),
    "salesforce_closed_lookback_days": (
        "SALESFORCE_CLOSED_LOOKBACK_DAYS must be a whole number of days from 1 to 3650 (closed deals synced)."
    ),
    "salesforce_timeout_seconds": "SALESFORCE_TIMEOUT_SECONDS must be a number of seconds from 1 to 600.",
    "salesforce_write_back": "SALESFORCE_WRITE_BACK must be true or false (default false).",
}


def _blank_is_none(v: Any) -> Any:
    """A setting left empty (or only spaces) is unset; any other text loses its surrounding spaces."""
    if isinstance(v, str):
        return v.strip() or None
    return v


def _must_start_with(prefix: str) -> Callable[[str | None], str | None]:
    def check(v: str | None) -> str | None:
        if v is not None and not v.startswith(prefix):
            raise ValueError(f"must start with {prefix}")
        return v
    return check


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence for the operator."""


class CoreSettings(BaseSettings):
    """What every command needs: the database, the program timezone, the program managers.

    Offline commands (`refbot db`, `import`, `export`, `search`, ...) need only these.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    refbot_timezone: str = "UTC"
    refbot_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    refbot_leaderboard_channel: str | None = None
    refbot_digest_channel: str | None = None
    refbot_digest_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    refbot_sales_leaders: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)
    log_level: str = "WARNING"
    log_format: str = "text"

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, v: Any) -> Any:
        v = str(v or "WARNING").strip().upper() or "WARNING"
        if v not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("unknown log level")
        return v

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, v: Any) -> Any:
        v = str(v or "text").strip().lower() or "text"
        if v not in ("text", "json"):
            raise ValueError("unknown log format")
        return v

    _blank = field_validator(
        "slack_bot_token", "refbot_leaderboard_channel", "refbot_digest_channel", "salesforce_instance_url",
        "salesforce_client_id", "salesforce_client_secret", "salesforce_private_key_file", "salesforce_username",
        "salesforce_password", "salesforce_security_token", mode="before",
    )(_blank_is_none)
    _bot_token = field_validator("slack_bot_token")(_must_start_with("xoxb-"))

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url(cls, v: Any) -> Any:
        v = str(v or "").strip() or DEFAULT_SLACK_API_URL
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http(s) URL")
        return v if v.endswith("/") else v + "/"

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, v: Any) -> Any:
        v = str(v or "").strip() or DEFAULT_DATABASE_URL
        for prefix in ("postgres://", "postgresql://"):
            if v.startswith(prefix):
                return "postgresql+psycopg://" + v[len(prefix) :]
        if not re.match(r"^(sqlite|postgresql\+psycopg)://", v):
            raise ValueError("unsupported database URL")
        return v

    @field_validator("refbot_timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        v = v.strip() or "UTC"
        if find_zone(v) is None:
            raise ValueError("unknown timezone")
        return v

    @field_validator("refbot_digest_channel")
    @classmethod
    def _digest_channel(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[CG][A-Z0-9]{6,}", v):
            raise ValueError("must be a channel id")
        return v

    @field_validator("refbot_admins", "refbot_digest_recipients", mode="before")
    @classmethod
    def _admins(cls, v: Any) -> Any:
        if v is None:
            return []
        items = v.split(",") if isinstance(v, str) else list(v)
        out = []
        for item in (str(i).strip() for i in items):
            if not item:
                continue
            if not (re.fullmatch(r"[UW][A-Z0-9]{2,}", item) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", item)):
                raise ValueError(f"'{item}' is neither a Slack user id nor an email")
            out.append(item.lower() if "@" in item else item)
        return out

    @field_validator("refbot_sales_leaders", mode="before")
    @classmethod
    def _leaders(cls, v: Any) -> Any:
        """'U0LEAD=U0AE1,U0AE2;maria@acme.com=S0EMEA' -> {"U0LEAD": ["U0AE1", "U0AE2"], "maria@acme.com": ["S0EMEA"]}."""
        if v is None or isinstance(v, dict):
            return v or {}
        person = r"[UW][A-Z0-9]{2,}|[^@\s=,;]+@[^@\s=,;]+\.[^@\s=,;]+"
        out: dict[str, list[str]] = {}
        for entry in (e.strip() for e in str(v).split(";")):
            if not entry:
                continue
            leader, sep, team = (part.strip() for part in entry.partition("="))
            if not sep or not re.fullmatch(person, leader):
                raise ValueError(f"'{entry}' is not LEADER=MEMBER,MEMBER")
            members = [m.strip() for m in team.split(",") if m.strip()]
            for m in members:
                if not (re.fullmatch(person, m) or re.fullmatch(r"S[A-Z0-9]{2,}", m)):
                    raise ValueError(f"'{m}' is neither a Slack user id, an email nor a user group id")
            key = leader.lower() if "@" in leader else leader
            out.setdefault(key, [])
            out[key] += [m.lower() if "@" in m else m for m in members if m not in out[key]]
        return out
    # Salesforce (all optional: without SALESFORCE_INSTANCE_URL there is no CRM and the forms ask sellers).
    salesforce_instance_url: str | None = None
    salesforce_login_url: str = "https://login.salesforce.com"
    salesforce_api_version: str = "59.0"
    salesforce_client_id: str | None = None
    salesforce_client_secret: str | None = None
    salesforce_private_key_file: str | None = None
    salesforce_username: str | None = None
    salesforce_password: str | None = None
    salesforce_security_token: str | None = None
    salesforce_account_filter: str = "Type IN ('Customer - Direct', 'Customer - Channel')"
    salesforce_contact_filter: str = ""
    salesforce_closed_lookback_days: int = Field(default=90, ge=1, le=3650)
    salesforce_timeout_seconds: float = Field(default=30.0, ge=1, le=600)
    salesforce_write_back: bool = False

    @field_validator("salesforce_instance_url", "salesforce_login_url")
    @classmethod
    def _sf_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not re.match(r"^https://[^\s/]+/?$", v.strip()):
            raise ValueError("must be an https URL without a path")
        return v.strip().rstrip("/")

    @field_validator("salesforce_api_version")
    @classmethod
    def _sf_version(cls, v: str) -> str:
        v = v.strip().lstrip("vV")
        if not re.fullmatch(r"\d{2,3}\.0", v):
            raise ValueError("not an API version")
        return v

    @field_validator("salesforce_private_key_file")
    @classmethod
    def _sf_key_file(cls, v: str | None) -> str | None:
        if v is not None and not os.access(v, os.R_OK):
            raise ValueError("unreadable file")
        return v

    @field_validator("salesforce_account_filter", "salesforce_contact_filter", mode="before")
    @classmethod
    def _sf_filter(cls, v: Any) -> Any:
        v = "" if v is None else str(v).strip()
        if ";" in v or v.count("'") % 2 or v.count("(") != v.count(")") or re.match(r"(?i)where\b", v):
            raise ValueError("not a SOQL condition")
        return v

    @model_validator(mode="after")
    def _sf_credentials(self) -> CoreSettings:
        if self.salesforce_instance_url is None:
            return self
        problem = salesforce_credentials_problem(self)
        if problem:
            raise ValueError(f"salesforce: {problem}")
        return self

    @property
    def crm_enabled(self) -> bool:
        return self.salesforce_instance_url is not None

    @property
    def salesforce_auth_flow(self) -> str | None:
        """jwt, password or client_credentials (None without Salesforce)."""
        if self.salesforce_instance_url is None:
            return None
        if self.salesforce_private_key_file:
            return "jwt"
        if self.salesforce_password:
            return "password"
        return "client_credentials"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.refbot_timezone)

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(a for a in self.refbot_admins if "@" not in a)

    @property
    def admin_emails(self) -> frozenset[str]:
        return frozenset(a for a in self.refbot_admins if "@" in a)

    def __repr__(self) -> str:  # never print secrets
        return f"{type(self).__name__}(database_url={_redact_url(self.database_url)!r})"

    __str__ = __repr__


class Settings(CoreSettings):
    """Everything `refbot start` needs to talk to Slack."""

    slack_bot_token: str = Field(min_length=1)
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    # 0.0.0.0: a container or host whose port is published on purpose; 127.0.0.1 behind a local proxy.
    refbot_host: str = "0.0.0.0"
    refbot_health_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("refbot_host", mode="before")
    @classmethod
    def _host(cls, v: Any) -> Any:
        v = str(v or "").strip().strip("[]") or "0.0.0.0"
        import ipaddress

        try:
            ipaddress.ip_address(v)
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", v):
                raise ValueError("not an address") from None
        return v

    @field_validator("refbot_health_port", mode="before")
    @classmethod
    def _blank_port(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    _blank_secret = field_validator("slack_app_token", "slack_signing_secret", mode="before")(_blank_is_none)
    _app_token = field_validator("slack_app_token")(_must_start_with("xapp-"))

    @model_validator(mode="after")
    def _signing_secret_in_http_mode(self) -> Settings:
        if self.slack_app_token is None and not self.slack_signing_secret:
            raise ValueError("slack_signing_secret: required in HTTP mode")
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def __repr__(self) -> str:  # never print secrets
        return f"Settings(database_url={_redact_url(self.database_url)!r}, socket_mode={self.socket_mode})"

    __str__ = __repr__


def salesforce_credentials_problem(s: CoreSettings) -> str | None:
    """One sentence naming the variable when the Salesforce credentials are incomplete, else None."""
    if not s.salesforce_client_id:
        return ("SALESFORCE_CLIENT_ID is missing: set it to the connected app's Consumer Key "
                "(Setup > App Manager > your app > View > Manage Consumer Details).")
    if s.salesforce_private_key_file:
        if not s.salesforce_username:
            return ("SALESFORCE_USERNAME is missing: the JWT bearer flow signs in as that Salesforce user "
                    "(the integration user pre-authorized on the connected app).")
        return None
    if s.salesforce_password:
        if not s.salesforce_username:
            return "SALESFORCE_USERNAME is missing: the username-password flow needs it with SALESFORCE_PASSWORD."
        if not s.salesforce_client_secret:
            return ("SALESFORCE_CLIENT_SECRET is missing: the username-password flow needs the connected app's "
                    "Consumer Secret.")
        return None
    if not s.salesforce_client_secret:
        return ("SALESFORCE_CLIENT_SECRET is missing: the client-credentials flow needs the connected app's "
                "Consumer Secret (or set SALESFORCE_PRIVATE_KEY_FILE and SALESFORCE_USERNAME for the JWT "
                "bearer flow).")
    return None


def _redact_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _message_for(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    field = loc[0] if loc else ""
    msg = first.get("msg", "")
    if not field and "slack_signing_secret" in msg:
        field = "slack_signing_secret"
    if not field and "salesforce: " in msg:
        return msg.split("salesforce: ", 1)[1]
    hint = HINTS.get(field)
    if hint is None:
        return f"Invalid setting {field.upper() or '(unknown)'}: {msg}."
    blank = first.get("input") is None or (isinstance(first.get("input"), str) and not first["input"].strip())
    if first.get("type") == "missing" or blank or (field == "slack_signing_secret" and "required" in msg):
        return hint.replace(" must be ", " is missing. It must be ", 1)
    return hint


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `.env`; raise ConfigError with one clear sentence."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_message_for(exc)) from None


def load_core_settings(**overrides: Any) -> CoreSettings:
    """Settings for offline commands (no Slack tokens needed)."""
    try:
        return CoreSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_message_for(exc)) from None


def redact_url(url: str) -> str:
    """A database URL safe to print or log (password masked)."""
    return _redact_url(url)
