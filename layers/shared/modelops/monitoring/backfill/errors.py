from modelops.platform.errors import ReasonedError


class BackfillRefused(ReasonedError):
    """The request cannot be run as given; `reason` is stable, the message says what to change."""


class BackfillIncomplete(ReasonedError):
    """A partition's partial result is missing: the report would leave out part of the window."""
