"""Errors with a stable machine-readable code and a message for people that says what to do.

RequestError: a request the API answers with an error instead of a result. Whatever layer finds
the problem raises one (the feature schema, the scorer, the model loader, the body checks); the
function turns every one into the same error body with one handler (modelops.api.errors).
ReasonedError: a failure of a whole run (the monitor), for logs and alarms.
"""
from typing import Any


class RequestError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ReasonedError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Both arguments, so a monitor worker's failure reaches its parent as itself (pickled).
        return type(self), (self.reason, self.message)
