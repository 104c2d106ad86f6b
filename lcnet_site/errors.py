"""One application error type. Services raise it; the API's one exception handler and each command word it for
their audience (a JSON body with `code`, `detail` and `field`; a CommandError line)."""
from __future__ import annotations


class AppError(Exception):
    """Bad input or a refused action: nothing was stored.

    `code` is stable and machine-readable ("stale_revision", "frozen", "invalid", …); `field` names the offending
    input when there is one; `status` is the HTTP status the API answers with; `extra` goes into the JSON body.
    """

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, status: int = 400,
                 extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status
        self.extra = extra or {}
