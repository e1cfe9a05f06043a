"""S3 locations of a job and the keys it writes. Every output key is a function of the input
object and the chunk's byte offset only, so a retried or re-run chunk overwrites its own
objects and can never duplicate rows."""
from dataclasses import dataclass

from modelops.batch.errors import BatchJobRefused

PREDICTIONS, ERRORS, CHUNKS, RESULTS = "predictions/", "errors/", "chunks/", "results/"
PLAN_FILE, SUMMARY_FILE = "plan.json", "summary.json"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # an object key, or a prefix ("" or ending in "/")

    @classmethod
    def parse(cls, uri: str, field: str) -> "S3Location":
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            raise BatchJobRefused("invalid_location", f"{field} must be an s3:// URI, not {uri!r}.")
        bucket, _, key = uri[len("s3://"):].partition("/")
        if not bucket:
            raise BatchJobRefused("invalid_location", f"{field} {uri!r} names no bucket.")
        return cls(bucket, key)

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def output_prefix(output: S3Location) -> str:
    """The output is always a prefix: "out" and "out/" both mean everything under out/."""
    return output.key if output.is_prefix else output.key + "/"


def chunk_name(relative_source: str, start: int, extension: str) -> str:
    """The name a chunk's files share: the input's key relative to the input prefix (so the
    output mirrors the input's layout) and the chunk's first byte, zero-padded so keys sort in
    file order."""
    return f"{relative_source}/{start:015d}{extension}"
