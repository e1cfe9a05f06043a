"""The inference function's settings, read once at init from its environment (set by template.yaml
parameters; the names are the aliases). Everything the function and its request models need."""
import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MAX_BATCH_SIZE = 100
# A JSON batch of 100 instances of 30 features is about 100 KB; 960,000 bytes leaves room and still
# stops a body before it is parsed. It is also the most Lambda's 6 MB request limit allows once the
# body is escaped into the event (template.yaml MaxBodyBytes, tests/unit/infra/test_limits.py).
DEFAULT_MAX_BODY_BYTES = 960_000


class DeployedModelSettings(BaseModel):
    """The deploy's model pin, as template.yaml sets it on every function that scores (inference
    and batch): one definition of the names and of how the hash is read."""
    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())

    bucket: str = Field("", alias="MODEL_BUCKET")
    model_name: str = Field("", alias="MODEL_NAME")
    model_version: str = Field("", alias="MODEL_VERSION")
    model_sha256: str = Field("", alias="MODEL_SHA256")
    runtime: str = Field("sklearn", alias="MODEL_RUNTIME")  # "sklearn" (joblib pipeline) or "onnx" (verified ONNX model)

    @classmethod
    def from_environment(cls) -> Self:
        settings = cls.model_validate(os.environ)
        return settings.model_copy(update={"model_sha256": settings.model_sha256.lower()})


class ServingSettings(DeployedModelSettings):
    max_batch_size: int = Field(DEFAULT_MAX_BATCH_SIZE, ge=1, alias="MAX_BATCH_SIZE")  # instances per POST /predict
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1, alias="MAX_BODY_BYTES")  # larger bodies: 413 before parsing
    capture_sample_rate: float = Field(1.0, ge=0, le=1, alias="CAPTURE_SAMPLE_RATE")
    # Set by Lambda in every environment: the published version this one runs ("$LATEST" outside an alias).
    function_version: str = Field("$LATEST", alias="AWS_LAMBDA_FUNCTION_VERSION")
