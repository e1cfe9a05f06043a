"""What a batch job is: the request a user starts it with, and the resolved job every child gets.

    start:  {"input": "s3://bucket/prefix/ or s3://bucket/file.csv", "output": "s3://bucket/prefix/",
             "model_version": "...",   # optional; default: the version the stack serves
             "id_column": "...",        # optional; copied to every output and error row
             "ignore_columns": ["..."]} # optional; columns that are neither features nor the id
"""
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops.batch.errors import BatchJobRefused

# Input objects the reader can cut at line boundaries; anything else under the prefix is
# reported in the plan as skipped, never read silently as something it is not.
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    input: str = Field(description="s3:// URI of one object or of a prefix (every .csv/.jsonl under it)")
    output: str = Field(description="s3:// prefix the job writes to")
    model_version: str | None = Field(None, min_length=1)
    id_column: str | None = Field(None, min_length=1)
    ignore_columns: list[str] = []

    @classmethod
    def parse(cls, event: dict) -> "JobRequest":
        fields = {key: event[key] for key in cls.model_fields if key in event}
        unknown = sorted(set(event) - set(cls.model_fields) - SYSTEM_FIELDS)
        if unknown:
            raise BatchJobRefused("invalid_request", f"Unknown field(s) {', '.join(unknown)}; a job takes "
                                                     f"{', '.join(cls.model_fields)}.")
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in error.errors())
            raise BatchJobRefused("invalid_request", f"The job request is invalid: {problems}.") from error


# Set by the state machine (or `make batch`), not by the user: the run's name and start time.
SYSTEM_FIELDS = {"job_id", "started_at"}


class ModelPin(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    name: str
    version: str
    sha256: str
    runtime: str


class Job(BaseModel):
    """Everything a child needs besides its chunks (the Map's BatchInput): small, under 8 KB."""
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    job_id: str
    started_at: str  # ISO 8601 UTC; prediction ids and capture records carry this time
    input: str
    output: str
    id_column: str | None = None
    model: ModelPin


class Chunk(BaseModel):
    """Bytes [start, end) of one object (a Map item holds one or more): it owns the lines that *start* in that range."""
    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    source: str  # the key relative to the input prefix (the object's name for a single file)
    etag: str  # the object as planned: reads are conditional on it, so a file changed mid-job fails loudly
    size: int
    start: int
    end: int
    format: str  # "csv" or "jsonl"
    delimiter: str = ","
    columns: list[str] = []  # csv: the header's columns, in order
