"""Slack user profiles (name, email, timezone) cached from users.info, and roles."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from refbot.config import Settings
from refbot.models import SlackUser, utcnow

log = logging.getLogger(__name__)

PROFILE_TTL = dt.timedelta(hours=24)


def get_user(
    *, session: Session, client: WebClient | None, slack_id: str, refresh: bool = False
) -> SlackUser:
    """The cached profile of `slack_id`, refreshed from users.info when older than a day.

    Slack being unreachable never fails the caller: the stale (or empty) profile is returned.
    """
    user = session.scalar(sa.select(SlackUser).where(SlackUser.slack_id == slack_id))
    if user is None:
        user = SlackUser(slack_id=slack_id, name="")
        if client is None:
            return user  # nothing to cache without asking Slack: callers that only read stay read-only
        session.add(user)
    if client is not None and (refresh or _stale(user.refreshed_at)):
        try:
            info = client.users_info(user=slack_id).get("user") or {}
        except SlackApiError as exc:
            log.info("users.info failed for %s: %s", slack_id, exc.response.get("error"))
        except Exception as exc:  # network trouble: keep the cache
            log.info("users.info failed for %s: %s", slack_id, exc)
        else:
            profile = info.get("profile") or {}
            user.name = person_name(info) or user.name
            email = profile.get("email") or info.get("email")
            user.email = email.lower() if email else user.email
            user.tz = info.get("tz") or user.tz
            user.team_id = info.get("team_id") or user.team_id
            user.is_bot = bool(info.get("is_bot"))
            user.refreshed_at = utcnow()
    session.flush()
    return user


def person_name(info: dict[str, object]) -> str:
    """The name a person signs with: the profile's real name ("Olivia Owner"), else the display name, never
    the handle ("olivia.owner") unless Slack has nothing else."""
    profile = info.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    for value in (profile.get("real_name"), info.get("real_name"), profile.get("display_name"), info.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return ""


def _stale(refreshed_at: dt.datetime | None) -> bool:
    return refreshed_at is None or utcnow() - refreshed_at > PROFILE_TTL


def profile_is_fresh(*, session: Session, slack_id: str) -> bool:
    """Is the cached profile of `slack_id` recent enough that get_user would not ask Slack? (Reads only.)"""
    return not _stale(session.scalar(sa.select(SlackUser.refreshed_at).where(SlackUser.slack_id == slack_id)))


def user_tz(*, session: Session, client: WebClient | None, slack_id: str, default: str = "UTC") -> str:
    return get_user(session=session, client=client, slack_id=slack_id).tz or default


def is_admin(*, settings: Settings, session: Session, client: WebClient | None, slack_id: str) -> bool:
    """Program managers: REFBOT_ADMINS lists their user ids or emails."""
    if slack_id in settings.admin_ids:
        return True
    if not settings.admin_emails:
        return False
    user = get_user(session=session, client=client, slack_id=slack_id)
    return bool(user.email and user.email.lower() in settings.admin_emails)


def admin_ids(*, settings: Settings, session: Session, client: WebClient | None) -> list[str]:
    """Slack ids of every program manager (emails resolved through users.lookupByEmail)."""
    ids = list(settings.admin_ids)
    for email in sorted(settings.admin_emails):
        uid = resolve_email(session=session, client=client, email=email)
        if uid and uid not in ids:
            ids.append(uid)
    return sorted(ids)


def resolve_email(
    *, session: Session, client: WebClient | None, email: str, strict: bool = False
) -> str | None:
    """The Slack id for an email: from the cache, else users.lookupByEmail; None when unknown.

    `strict`: only "no such user" means None; any other failure of Slack's (rate limited after the
    client's retries, a bad token, ...) raises SlackApiError instead of passing for an unknown email."""
    email = email.strip().lower()
    cached = session.scalar(sa.select(SlackUser.slack_id).where(SlackUser.email == email))
    if cached:
        return cached
    if client is None:
        return None
    try:
        info = client.users_lookupByEmail(email=email).get("user") or {}
    except SlackApiError as exc:
        if strict and (exc.response.get("error") if isinstance(exc.response.data, dict) else None) != "users_not_found":
            raise
        return None
    uid = info.get("id")
    if not uid:
        return None
    user = session.scalar(sa.select(SlackUser).where(SlackUser.slack_id == uid))
    if user is None:
        user = SlackUser(slack_id=uid)
        session.add(user)
    user.email = email
    user.name = person_name(info) or user.name or ""
    user.tz = info.get("tz") or user.tz
    user.refreshed_at = utcnow()
    session.flush()
    return uid
