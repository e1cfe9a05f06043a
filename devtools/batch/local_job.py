"""The BatchScoringStateMachine's flow in-process: plan -> the Distributed Map's children, each
given one work item (its chunks) and the job -> summarise. The same functions the Lambda tasks call
(modelops.batch.steps), over boto3 talking to S3 (the moto server locally)."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from modelops.batch import steps
from modelops.batch.plan import planned_chunks, work_items
from modelops.batch.settings import BatchSettings


def run_job(request: dict[str, Any], settings: BatchSettings, s3: Any, job_id: str | None = None,
            started_at: str | None = None, chunks_per_worker: int | None = None,
            concurrency: int = 1, skip_chunks: set[int] = frozenset()) -> dict[str, Any]:
    """Run one job; `skip_chunks` (indexes into the plan's chunks) stand for children that failed.
    chunks_per_worker: regroup the plan's chunks (by default, its work items as planned)."""
    job_id = job_id or uuid.uuid4().hex
    started_at = started_at or datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    planned = steps.plan(request, job_id, started_at, settings, s3)
    items = json.loads(s3.get_object(Bucket=planned["plan"]["bucket"], Key=planned["plan"]["key"])["Body"].read())
    if chunks_per_worker or skip_chunks:
        chunks = planned_chunks(items)
        kept = [chunk for index, chunk in enumerate(chunks) if index not in skip_chunks]
        items = work_items(kept, chunks_per_worker or settings.chunks_per_worker)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:  # the Map's children, each given one item
        list(pool.map(lambda item: steps.score(planned["job"], item["chunks"], settings, s3), items))
    return steps.summarise(planned, s3)
