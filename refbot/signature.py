"""Slack request signatures, checked strictly: a request is verified or it gets 401, nothing in between.

Bolt's own check (slack_sdk's SignatureVerifier) runs `int(timestamp)` on whatever the header says, so a
timestamp like `abc`, `1e3` or a space raises instead of refusing. Bolt then hands that exception to the
app's error handler, with the attacker's unsigned body, which would reply to its `response_url` and users.
`StrictRequestVerification` replaces Bolt's middleware: it never raises, answers 401 to anything it cannot
verify, and marks the requests it did verify (`VERIFIED` in the context) so the error path can refuse to act
on any other."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.middleware.request_verification import RequestVerification

VERIFIED = "refbot_signature_verified"  # BoltContext key: set only by a successful signature check
MAX_AGE_SECONDS = 5 * 60

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def _one(headers: Mapping[str, str | Sequence[str]], name: str) -> str | None:
    """The header's single value; None when it is missing or sent more than once."""
    value = headers.get(name)
    if value is None:
        for key, v in headers.items():
            if key.lower() == name:
                value = v
                break
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return None


def is_verified(
    body: str | bytes,
    headers: Mapping[str, str | Sequence[str]],
    signing_secret: str,
    *,
    now: Callable[[], float] = time.time,
) -> bool:
    """True only for a body signed with `signing_secret` in the last 5 minutes. Never raises."""
    try:
        timestamp = _one(headers, "x-slack-request-timestamp")
        signature = _one(headers, "x-slack-signature")
        if not signing_secret or timestamp is None or signature is None:
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        if abs(now() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        expected = "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)
    except Exception:  # noqa: BLE001 - whatever went wrong, the request is not verified
        return False


class StrictRequestVerification(Middleware):
    """Bolt's signature check, without its ways to raise: 401 unless `is_verified`."""

    def __init__(self, signing_secret: str) -> None:
        self.signing_secret = signing_secret

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.mode == "socket_mode":  # Slack's own authenticated connection; nothing to sign
            return next()
        if is_verified(req.raw_body, req.headers, self.signing_secret):
            req.context[VERIFIED] = True
            return next()
        return BoltResponse(status=401, body={"error": "invalid request"})


def install(app: Any, signing_secret: str) -> None:
    """Put the strict check where Bolt's own sits in the app's middleware (first after the SSL check)."""
    middleware: list[Any] = app._middleware_list  # noqa: SLF001 - Bolt has no public way to swap it
    strict = StrictRequestVerification(signing_secret)
    for i, m in enumerate(middleware):
        if isinstance(m, RequestVerification):
            middleware[i] = strict
            return
    middleware.insert(0, strict)


def trusted(request: Any) -> bool:
    """May the error path act on this request's body: it came over Socket Mode or its signature was verified."""
    if request is None:
        return False
    return getattr(request, "mode", None) == "socket_mode" or bool(request.context.get(VERIFIED))
