"""Where the children leave their partial results (the monitoring bucket, under backfill/), and
reading them back. Keys depend only on the plan and the partition, so a retried child overwrites
its own partial instead of adding a second one."""
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from modelops.artifacts.store import MISSING_OBJECT_CODES
from modelops.monitoring.backfill.errors import BackfillIncomplete
from modelops.monitoring.backfill.plan import BackfillPlan
from modelops.monitoring.labels import JoinedPredictions
from modelops.monitoring.store import window_path
from modelops.monitoring.window import WindowProfile

LABELS, MERGED_LABELS, PROFILES = "labels", "labels-merged", "profiles"


class PartitionResult(BaseModel):
    """One hour's prediction pass: its profile and the labelled predictions it matched."""

    profile: WindowProfile
    matches: JoinedPredictions


def partial_key(plan: BackfillPlan, kind: str, partition: int | None = None) -> str:
    root = window_path("backfill", plan.model_name, plan.model_version, plan.start, plan.end)
    return f"{root}/{kind}.json" if partition is None else f"{root}/{kind}/{partition:05d}.json"


def write(s3: Any, bucket: str, key: str, partial: BaseModel) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=partial.model_dump_json().encode(), ContentType="application/json")
    return key


def read[T: BaseModel](s3: Any, bucket: str, key: str, model: type[T]) -> T:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in MISSING_OBJECT_CODES:
            raise
        raise BackfillIncomplete("partial_missing", f"s3://{bucket}/{key} is missing: a child of this backfill "
                                                    "did not finish; run the backfill again") from error
    return model.model_validate_json(body)
