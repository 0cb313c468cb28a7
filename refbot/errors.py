"""Domain errors. Services raise them; the app-wide error handler turns them into friendly replies."""

from __future__ import annotations


class RefBotError(Exception):
    """An error whose message is written for the Slack user who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RefBotError):
    pass


class NotAllowed(RefBotError):
    pass


class InvalidTransition(RefBotError):
    pass


class ValidationFailed(RefBotError):
    """Bad input. `field_errors` maps a modal block id (or CSV column) to its message."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}
