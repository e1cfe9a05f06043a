"""A batch job refused as a whole (bad locations, no input, columns the model does not know, no
model): one clear message, raised before any row is scored. Rows are never refused this way: a
bad row goes to the errors file and the job goes on."""
from modelops.platform.errors import ReasonedError


class BatchJobRefused(ReasonedError):
    """`reason` is stable (for the state machine's error name and metrics); the message says what to do."""
