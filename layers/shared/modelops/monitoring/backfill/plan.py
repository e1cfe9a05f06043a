"""A backfill request, checked, and the plan every child receives (the model version pinned)."""
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from modelops.capture.reader import hour_prefixes
from modelops.monitoring.backfill.errors import BackfillRefused
from modelops.monitoring.run import MonitorWindow

# A month of hours: each is a child, and the plan (with every prefix) travels in each child's
# input, which Step Functions caps at 256 KB (a prefix is about 30 bytes).
MAX_WINDOW_HOURS = 24 * 31
# Children at once. Each reads its own hour prefix: S3 serves thousands of GETs per second per
# prefix, so the limit is Lambda concurrency the account shares with the API.
MAX_CONCURRENCY = 40


class BackfillRequest(BaseModel):
    """The execution's input: {"start": ISO time, "end": ISO time, "model_version": optional}."""
    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime
    model_version: str | None = None  # default: the deployed version (MODEL_VERSION)

    @model_validator(mode="after")
    def _ordered(self) -> "BackfillRequest":
        self.start, self.end = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
                                for moment in (self.start, self.end))
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > timedelta(hours=MAX_WINDOW_HOURS):
            raise ValueError(f"the window is longer than {MAX_WINDOW_HOURS} hours; split it into several backfills")
        return self

    @classmethod
    def parse(cls, request: object) -> "BackfillRequest":
        try:
            return cls.model_validate(request)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "request"
            raise BackfillRefused("invalid_request", f"{where}: {first['msg']} (expected "
                                  '{"start": "2026-11-01T00:00:00Z", "end": "2026-11-08T00:00:00Z"})') from error


class BackfillPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    model_version: str
    start: datetime
    end: datetime
    labels_until: datetime
    label_prefixes: list[str]  # the feedback pass: hours of [start, labels_until)
    profile_prefixes: list[str]  # the prediction pass: hours of [start, end)

    @property
    def window(self) -> MonitorWindow:
        return MonitorWindow(self.start, self.end, self.labels_until)


def plan_backfill(request: BackfillRequest, model_name: str, model_version: str, label_delay: timedelta,
                  now: datetime) -> BackfillPlan:
    """Labels are read up to the label delay after the window, as the scheduled run would have,
    or up to now if that is earlier; a window not over yet is refused (its report would be partial)."""
    if request.end > now:
        raise BackfillRefused("window_not_over", f"end {request.end.isoformat()} is in the future; "
                                                 "backfill windows that are over")
    labels_until = min(request.end + label_delay, now)
    return BackfillPlan(model_name=model_name, model_version=model_version, start=request.start, end=request.end,
                        labels_until=labels_until, label_prefixes=hour_prefixes(request.start, labels_until),
                        profile_prefixes=hour_prefixes(request.start, request.end))
