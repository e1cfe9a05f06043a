"""One chunk through the worker with a real pipeline: rows the model cannot score are refused
with the API's code and the line, the rest scored; keys depend only on the chunk."""
import json

import numpy as np
from devtools.bench.memory_s3 import MemoryS3
from modelops.artifacts.loader import LoadedModel
from modelops.batch.job import Chunk, Job, ModelPin
from modelops.batch.worker import score_chunk
from tests.support.manifests import small_manifest

STARTED = "2026-12-04T12:00:00.000Z"


class Float32Logistic:
    """A model computing in float32 the way ONNX Runtime does: a scaled b of 1e30 is inf, and the
    softmax of infinities is NaN (what UnscorableInstances catches)."""

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.nan_to_num(matrix[:, :1], nan=0.0).astype(np.float32) + matrix[:, 1:2].astype(np.float32) * np.float32(1e10)
            logits = np.hstack([-z, z])
            exp = np.exp(logits - logits.max(axis=1, keepdims=True))
            return exp / exp.sum(axis=1, keepdims=True)


def _model() -> LoadedModel:
    return LoadedModel(manifest=small_manifest(), pipeline=Float32Logistic(), load_seconds=0.0)


def test_rows_that_overflow_inside_the_model_are_refused_and_the_rest_scored():
    s3 = MemoryS3()
    data = b"a,b\n0.5,0\n1.0,1e30\n-1,0\n"
    s3.put_object(Bucket="in", Key="x.csv", Body=data)
    chunk = Chunk(bucket="in", key="x.csv", source="x.csv", etag=s3.etag("in", "x.csv"), size=len(data), start=4,
                  end=len(data), format="csv", columns=["a", "b"])
    job = Job(job_id="j", started_at=STARTED, input="s3://in/x.csv", output="s3://out/o/",
              model=ModelPin(name="small", version="v", sha256="0" * 64, runtime="sklearn"))
    report = score_chunk(job, chunk, _model(), s3, "monitoring", 1.0)
    assert (report.rows_scored, report.rows_refused, report.refused_by_code) == (2, 1, {"unscorable_instance": 1})
    errors = [json.loads(line) for line in s3.objects[("out", "o/errors/x.csv/000000000000004.jsonl")].splitlines()]
    assert errors == [{"source": "x.csv", "offset": 10, "code": "unscorable_instance",
                       "message": "Values too large for the model to score.", "row": "1.0,1e30"}]
    predictions = s3.objects[("out", "o/predictions/x.csv/000000000000004.csv")].decode().splitlines()
    assert [line.split(",")[1] for line in predictions[1:]] == ["4", "19"]
    assert report.captured == 2


def _outputs(monkeypatch, data: bytes, careful: bool) -> dict:
    """Every object score_chunk writes (capture decompressed), on the fast paths or forced onto the careful ones."""
    import gzip

    from modelops.batch import rows, worker

    if careful:
        monkeypatch.setattr(rows, "read_plain", lambda *args: None)  # cell by cell
        monkeypatch.setattr(worker, "instance_texts", lambda *args: None)  # a dict per capture record
    s3 = MemoryS3()
    s3.put_object(Bucket="in", Key="x.csv", Body=data)
    chunk = Chunk(bucket="in", key="x.csv", source="x.csv", etag=s3.etag("in", "x.csv"), size=len(data), start=8,
                  end=len(data), format="csv", columns=["id", "a", "b"])
    job = Job(job_id="j", started_at=STARTED, input="s3://in/x.csv", output="s3://out/o/", id_column="id",
              model=ModelPin(name="small", version="v", sha256="0" * 64, runtime="sklearn"))
    report = score_chunk(job, chunk, _model(), s3, "monitoring", 0.5)
    monkeypatch.undo()
    written = {key: gzip.decompress(body) if key.endswith(".gz") else body
               for (bucket, key), body in s3.objects.items() if bucket != "in" and "/chunks/" not in key}
    return {**written, "report": report.model_dump(exclude={"seconds"})}


def test_the_fast_paths_write_exactly_what_the_careful_ones_write(monkeypatch):
    rng = np.random.default_rng(16)
    a = rng.normal(size=300) * 10.0 ** rng.integers(-3, 3, size=300)
    b = [repr(value) if value > -0.8 else "" for value in rng.normal(size=300).tolist()]  # some missing
    lines = [f"r{i},{value!r},{b[i]}" for i, value in enumerate(a.tolist())]
    for data in ("id,a,b\n" + "\n".join(lines) + "\n", "id,a,b\r\n" + "\r\n".join(lines),
                 "id,a,b\n" + "\n".join(lines[:100] + ['"q",1,2', "r,1e30,1", "bad,x,1"] + lines[100:]) + "\n"):
        fast, careful = _outputs(monkeypatch, data.encode(), False), _outputs(monkeypatch, data.encode(), True)
        assert fast == careful and fast["report"]["captured"] > 100

