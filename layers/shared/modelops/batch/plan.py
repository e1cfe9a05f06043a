"""The job's first step: resolve the model, list the input, check each CSV header against the
model's features, and cut every object into chunks, grouped into the Distributed Map's items."""
import csv
from dataclasses import dataclass, field
from typing import Any, Iterator

from modelops.artifacts.manifest import Manifest
from modelops.batch.chunks import OVERSHOOT, cut
from modelops.batch.errors import BatchJobRefused
from modelops.batch.job import FORMATS, Chunk, Job, JobRequest, ModelPin
from modelops.batch.locations import S3Location, output_prefix

BOM = b"\xef\xbb\xbf"
DELIMITERS = ",;\t|"
MAX_SKIPPED_LISTED = 100  # the plan names this many skipped objects and counts the rest


@dataclass
class Plan:
    job: Job
    chunks: list[Chunk]
    objects: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"key", "reason"}
    skipped_count: int = 0

    def skip(self, key: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED_LISTED:
            self.skipped.append({"key": key, "reason": reason})

    def outline(self) -> dict[str, Any]:
        """What the state machine carries on (never the chunks: they go to S3 for the ItemReader)."""
        return {"job": self.job.model_dump(), "objects": self.objects, "chunks": len(self.chunks),
                "skipped": self.skipped, "skipped_count": self.skipped_count}


def work_items(chunks: list[Chunk], per_worker: int) -> list[dict[str, Any]]:
    """The Distributed Map's items: each a worker's chunks (BatchChunksPerWorker of them), grouped
    here rather than by the Map's ItemBatcher, so a Map child's input is one item plus the job."""
    return [{"chunks": [chunk.model_dump() for chunk in chunks[start:start + per_worker]]}
            for start in range(0, len(chunks), per_worker)]


def planned_chunks(items: list[dict[str, Any]]) -> list[Chunk]:
    """The chunks of plan.json's work items, in plan order."""
    return [Chunk.model_validate(chunk) for item in items for chunk in item["chunks"]]


def plan_job(request: JobRequest, job_id: str, started_at: str, model: ModelPin, manifest: Manifest,
             s3: Any, chunk_bytes: int) -> Plan:
    source, output = S3Location.parse(request.input, "input"), S3Location.parse(request.output, "output")
    if source.is_prefix and output.bucket == source.bucket and output_prefix(output).startswith(source.key):
        raise BatchJobRefused("invalid_location", f"output {output.uri()} is inside input {source.uri()}: a re-run "
                                                  "would read its own results. Choose an output outside the input.")
    features = set(manifest.feature_names)
    ignored = set(request.ignore_columns)
    job = Job(job_id=job_id, started_at=started_at, input=source.uri(), output=output.uri(),
              id_column=request.id_column, model=model)
    plan = Plan(job=job, chunks=[])
    for obj in _objects(s3, source):
        key, size, etag = obj["Key"], obj["Size"], obj["ETag"]
        relative = key[len(source.key):] if source.is_prefix else key.rsplit("/", 1)[-1]
        extension = "." + key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
        if key.endswith("/"):
            continue  # a console "folder" marker, not data
        if extension not in FORMATS:
            plan.skip(key, f"not a .csv, .tsv, .txt, .jsonl or .ndjson file")
            continue
        if size == 0:
            plan.skip(key, "empty")
            continue
        plan.objects += 1
        chunk = dict(bucket=source.bucket, key=key, source=relative, etag=etag, size=size, format=FORMATS[extension])
        data_start = 0
        if FORMATS[extension] == "csv":
            data_start, delimiter, columns = _read_header(s3, source.bucket, key, etag, size)
            _check_columns(key, columns, features, request.id_column, ignored)
            chunk.update(delimiter=delimiter, columns=columns)
        plan.chunks.extend(Chunk(start=start, end=end, **chunk) for start, end in cut(size, data_start, chunk_bytes))
    if not plan.objects:
        raise BatchJobRefused("no_input", f"Nothing to score at {source.uri()}: no non-empty .csv or .jsonl object"
                                          + (f" ({plan.skipped_count} other object(s) skipped)." if plan.skipped_count else "."))
    return plan


def _objects(s3: Any, source: S3Location) -> Iterator[dict[str, Any]]:
    if not source.is_prefix:
        try:
            head = s3.head_object(Bucket=source.bucket, Key=source.key)
        except Exception as error:
            raise BatchJobRefused("no_input", f"Cannot read input {source.uri()}: {error}") from error
        yield {"Key": source.key, "Size": head["ContentLength"], "ETag": head["ETag"]}
        return
    paginator = s3.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=source.bucket, Prefix=source.key):
            yield from page.get("Contents", [])
    except Exception as error:
        raise BatchJobRefused("no_input", f"Cannot list input {source.uri()}: {error}") from error


def _read_header(s3: Any, bucket: str, key: str, etag: str, size: int) -> tuple[int, str, list[str]]:
    """(offset where the rows begin, the delimiter, the columns) from the file's first line."""
    head = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{min(OVERSHOOT, size) - 1}", IfMatch=etag)["Body"].read()
    skip = len(BOM) if head.startswith(BOM) else 0
    newline = head.find(b"\n")
    if newline == -1 and size > len(head):
        raise BatchJobRefused("invalid_header", f"s3://{bucket}/{key}: no header line in its first {OVERSHOOT} bytes.")
    line = head[skip:newline if newline != -1 else len(head)].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BatchJobRefused("invalid_header", f"s3://{bucket}/{key}: the header is not UTF-8 (byte "
                                                f"{error.start + skip}); save the file as UTF-8.") from error
    try:
        delimiter = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","  # one column, or nothing to tell from: the CSV default
    columns = [name.strip() for name in next(csv.reader([text], delimiter=delimiter))]
    return (newline + 1 if newline != -1 else size), delimiter, columns


def _check_columns(key: str, columns: list[str], features: set[str], id_column: str | None, ignored: set[str]) -> None:
    where = f"The header of {key}"
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise BatchJobRefused("invalid_header", f"{where} repeats column(s) {', '.join(duplicates)}.")
    if id_column is not None and id_column not in columns:
        raise BatchJobRefused("invalid_header", f"{where} has no id column {id_column!r}.")
    unknown = [name for name in columns if name not in features and name != id_column and name not in ignored]
    if unknown:
        raise BatchJobRefused("unknown_feature", f"{where} has column(s) the model does not know: "
                                                 f"{', '.join(unknown[:20])}{' ...' if len(unknown) > 20 else ''}. "
                                                 "Name them in ignore_columns (or id_column) to score the file anyway.")
    if not features & set(columns):
        raise BatchJobRefused("unknown_feature", f"{where} has none of the model's features.")
