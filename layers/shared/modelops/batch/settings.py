"""The batch function's settings, read once from its environment (template.yaml sets them from the
same parameters as the inference function: the model it serves is the default model of a job)."""
from pydantic import Field

from modelops.serving.settings import DeployedModelSettings

# 16 MiB of CSV is about 80,000 rows of 30 features: a few seconds of one worker, so a child's
# start-up and S3 round trips are a small share, and a failed chunk costs little to redo.
DEFAULT_CHUNK_MIB = 16.0
DEFAULT_CAPTURE_SAMPLE_RATE = 0.1
# A worker holds a chunk several times over (bytes, text, cells, matrix): 256 MiB fits its memory.
MAX_CHUNK_MIB = 256.0


class BatchSettings(DeployedModelSettings):
    monitoring_bucket: str = Field("", alias="MONITORING_BUCKET")  # empty: batch predictions are not captured
    # A share of a batch job's rows, not all: a million-row job would otherwise be a million capture
    # records for every monitor run to read, where a sample describes the distribution as well.
    capture_sample_rate: float = Field(DEFAULT_CAPTURE_SAMPLE_RATE, ge=0, le=1, alias="BATCH_CAPTURE_SAMPLE_RATE")
    chunk_mib: float = Field(DEFAULT_CHUNK_MIB, gt=0, le=MAX_CHUNK_MIB, alias="BATCH_CHUNK_MIB")

    # The Distributed Map's limits (template parameters BatchMaxConcurrency, ...): the plan step
    # hands them to the Map, so the state machine definition holds no numbers of its own.
    max_concurrency: int = Field(10, ge=1, le=10_000, alias="BATCH_MAX_CONCURRENCY")
    tolerated_failure_percentage: float = Field(0, ge=0, le=100, alias="BATCH_TOLERATED_FAILURE_PERCENTAGE")
    chunks_per_worker: int = Field(1, ge=1, le=100, alias="BATCH_CHUNKS_PER_WORKER")

    def limits(self) -> dict[str, float]:
        """What the Map reads from the plan step's output (chunks_per_worker is applied by the plan
        itself: plan.json's items are the workers' groups of chunks)."""
        return {"max_concurrency": self.max_concurrency,
                "tolerated_failure_percentage": self.tolerated_failure_percentage}

    @property
    def chunk_bytes(self) -> int:
        return max(1, int(self.chunk_mib * 1024 * 1024))
