"""One application error type. Services raise it; the API's one exception handler and each command word it for
their audience (a JSON body with `code`, `detail` and `field`; a CommandError line naming the option).

Pure cores (`*/lib/`) raise plain ValueErrors of their own (they know nothing of the app); the service that calls
them turns those into an AppError.
"""
from __future__ import annotations


class AppError(Exception):
    """Bad input or a refused action: nothing was stored.

    `code` is stable and machine-readable ("stale_revision", "frozen", "invalid", …); `field` names the offending
    input when there is one; `status` is the HTTP status the API answers with; `extra` goes into the JSON body.
    A message may name its field as "{field}": each audience words it (people and the API: the field's name; a
    command: its option, e.g. --max-chips).
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 status: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.field = field
        self.status = status or self.status
        self.extra = extra or {}

    def worded(self, field_as: str | None = None) -> str:
        """The message with "{field}" replaced by `field_as` (default: the field's own name)."""
        return self.message.replace("{field}", field_as or self.field or "")

    def __str__(self) -> str:
        return self.worded()


class NotFound(AppError):
    """What was asked for does not exist (or is not the caller's to see)."""

    code = "not_found"
    status = 404


def command_line_message(exc: AppError) -> str:
    """The message for a management command: the field named as its command-line option."""
    return exc.worded(f"--{exc.field.replace('_', '-')}" if exc.field else None)


def command_error(exc: AppError, suffix: str = ""):
    """A CommandError carrying the message worded for the command line (raise it `from exc`)."""
    from django.core.management.base import CommandError

    return CommandError(command_line_message(exc) + suffix)
