"""Function settings from the environment (set by template.yaml parameters)."""
import os
from dataclasses import dataclass

DEFAULT_MAX_BATCH_SIZE = 100


@dataclass(frozen=True)
class ServingSettings:
    bucket: str
    model_name: str
    model_version: str
    model_sha256: str
    max_batch_size: int
    capture_sample_rate: float

    @classmethod
    def from_environment(cls) -> "ServingSettings":
        return cls(
            bucket=os.environ.get("MODEL_BUCKET", ""),
            model_name=os.environ.get("MODEL_NAME", ""),
            model_version=os.environ.get("MODEL_VERSION", ""),
            model_sha256=os.environ.get("MODEL_SHA256", "").lower(),
            max_batch_size=int(os.environ.get("MAX_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE)),
            capture_sample_rate=float(os.environ.get("CAPTURE_SAMPLE_RATE", "1.0")),
        )
