"""The BatchScoringStateMachine's flow in-process: plan -> the Distributed Map's children, each
given an ItemBatcher batch of chunks -> summarise. The same functions the Lambda tasks call
(modelops.batch.steps), over boto3 talking to S3 (the moto server locally)."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from modelops.batch import steps
from modelops.batch.settings import BatchSettings

def run_job(request: dict[str, Any], settings: BatchSettings, s3: Any, job_id: str | None = None,
            started_at: str | None = None, chunks_per_worker: int | None = None,
            concurrency: int = 1, skip_chunks: set[int] = frozenset()) -> dict[str, Any]:
    """Run one job; `skip_chunks` (indexes into the plan) stand for children that failed.
    chunks_per_worker: the ItemBatcher's batch size, by default the plan's (BatchChunksPerWorker)."""
    job_id = job_id or uuid.uuid4().hex
    started_at = started_at or datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    planned = steps.plan(request, job_id, started_at, settings, s3)
    items = json.loads(s3.get_object(Bucket=planned["plan"]["bucket"], Key=planned["plan"]["key"])["Body"].read())
    chunks_per_worker = chunks_per_worker or planned["limits"]["chunks_per_worker"]
    kept = [item for index, item in enumerate(items) if index not in skip_chunks]
    batches = [kept[start:start + chunks_per_worker] for start in range(0, len(kept), chunks_per_worker)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda batch: steps.score(planned["job"], batch, settings, s3), batches))
    return steps.summarise(planned, s3)
