"""Function settings from the environment (set by template.yaml parameters)."""
import os
from dataclasses import dataclass

DEFAULT_MAX_BATCH_SIZE = 100
# A JSON batch of 100 instances of 30 features is about 100 KB; 960,000 bytes leaves room and still
# stops a body before it is parsed. It is also the most Lambda's 6 MB request limit allows once the
# body is escaped into the event (template.yaml MaxBodyBytes, tests/unit/infra/test_limits.py).
DEFAULT_MAX_BODY_BYTES = 960_000


@dataclass(frozen=True)
class ServingSettings:
    bucket: str
    model_name: str
    model_version: str
    model_sha256: str
    max_batch_size: int
    capture_sample_rate: float
    runtime: str  # "sklearn" (joblib pipeline) or "onnx" (verified ONNX model, ONNX Runtime)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger request bodies get a 413 before parsing

    @classmethod
    def from_environment(cls) -> "ServingSettings":
        return cls(
            bucket=os.environ.get("MODEL_BUCKET", ""),
            model_name=os.environ.get("MODEL_NAME", ""),
            model_version=os.environ.get("MODEL_VERSION", ""),
            model_sha256=os.environ.get("MODEL_SHA256", "").lower(),
            max_batch_size=int(os.environ.get("MAX_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE)),
            capture_sample_rate=float(os.environ.get("CAPTURE_SAMPLE_RATE", "1.0")),
            runtime=os.environ.get("MODEL_RUNTIME", "sklearn"),
            max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
        )
