"""The job's three steps as functions of plain JSON, so the state machine's Lambda tasks and
`make batch` run the same code: plan -> score (once per Map child) -> summarise."""
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from modelops.artifacts.store import MISSING_OBJECT_CODES, ModelStore
from modelops.batch import model_pin
from modelops.batch.job import Chunk, Job, JobRequest
from modelops.batch.locations import CHUNKS, PLAN_FILE, RESULTS, SUMMARY_FILE, S3Location, chunk_name, output_prefix
from modelops.batch.plan import plan_job, planned_chunks, work_items
from modelops.batch.settings import BatchSettings
from modelops.batch.summary import ChunkReport, summarize
from modelops.batch.worker import score_chunk


def plan(request: dict[str, Any], job_id: str, started_at: str, settings: BatchSettings, s3: Any) -> dict[str, Any]:
    """Refuse a job that cannot run (BatchJobRefused), else write its work items (chunks grouped
    per worker) to <output>/plan.json, what the Distributed Map's ItemReader reads, and return the
    job and that file's location."""
    job_request = JobRequest.parse(request)
    pin, manifest = model_pin.resolve(job_request.model_version, settings, ModelStore(s3, settings.bucket))
    planned = plan_job(job_request, job_id, started_at, pin, manifest, s3, settings.chunk_bytes)
    output = S3Location.parse(planned.job.output, "output")
    key = output_prefix(output) + PLAN_FILE
    s3.put_object(Bucket=output.bucket, Key=key,
                  Body=json.dumps(work_items(planned.chunks, settings.chunks_per_worker)).encode())
    return {**planned.outline(), "plan": {"bucket": output.bucket, "key": key},
            "results": {"bucket": output.bucket, "prefix": output_prefix(output) + RESULTS.rstrip("/")},
            "limits": settings.limits()}


def score(job: dict[str, Any], items: list[dict[str, Any]], settings: BatchSettings, s3: Any) -> dict[str, Any]:
    """One Map child: its work item's chunks, scored one after the other with the job's pinned model."""
    resolved = Job.model_validate(job)
    model = model_pin.load(resolved.model, ModelStore(s3, settings.bucket))
    reports = [score_chunk(resolved, Chunk.model_validate(item), model, s3, settings.monitoring_bucket or None,
                           settings.capture_sample_rate) for item in items]
    return {"chunks": len(reports), "rows_scored": sum(r.rows_scored for r in reports),
            "rows_refused": sum(r.rows_refused for r in reports)}


def summarise(planned: dict[str, Any], s3: Any, finished_at: str | None = None) -> dict[str, Any]:
    """Add up the chunk reports the children wrote; a planned chunk without one failed. Writes
    <output>/summary.json and returns it."""
    job = planned["job"]
    output = S3Location.parse(job["output"], "output")
    prefix = output_prefix(output)
    chunks = planned_chunks(json.loads(s3.get_object(Bucket=planned["plan"]["bucket"],
                                                     Key=planned["plan"]["key"])["Body"].read()))

    def report(chunk: Chunk) -> ChunkReport | None:
        key = prefix + CHUNKS + chunk_name(chunk.source, chunk.start, ".json")
        try:
            found = ChunkReport.model_validate_json(s3.get_object(Bucket=output.bucket, Key=key)["Body"].read())
        except s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in MISSING_OBJECT_CODES:
                return None
            raise
        return found if found.job_id == job["job_id"] else None  # an earlier run's report is no proof

    with ThreadPoolExecutor(max_workers=16) as pool:
        reports = list(pool.map(report, chunks))
    failed = [{"source": chunk.source, "start": chunk.start, "end": chunk.end}
              for chunk, found in zip(chunks, reports) if found is None]
    finished = finished_at or _now()
    seconds = (_parse(finished) - _parse(job["started_at"])).total_seconds()
    summary = summarize(job, len(chunks), [found for found in reports if found is not None], failed, finished, seconds,
                        planned.get("skipped"), planned.get("skipped_count", 0))
    s3.put_object(Bucket=output.bucket, Key=prefix + SUMMARY_FILE, Body=json.dumps(summary, indent=2).encode())
    return summary


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))
