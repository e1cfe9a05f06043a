"""Failures with a stable machine-readable reason (for metrics, alarms and 503 codes) and a
message for people that says what to do."""


class ReasonedError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"
