"""`make batch ARGS='--input data.csv --output out/'`: score a local file (or a folder of .csv/.jsonl
files) the way the deployed BatchScoringStateMachine does, on a local moto server with a freshly
trained model: no AWS account, no Docker. Results land in --output: predictions/, errors/,
chunks/ and summary.json, laid out as in S3."""
import argparse
import json
import sys
from pathlib import Path

from devtools.batch.local_job import run_job
from devtools.local.aws import create_model_bucket, create_monitoring_bucket, moto_server
from devtools.local.serve import function_environment, train
from modelops.batch.errors import BatchJobRefused
from modelops.batch.settings import BatchSettings
from modelops.platform.aws_clients import client
from training.data import BUNDLED, BUNDLED_NAME

INPUT_BUCKET, OUTPUT_BUCKET = "batch-input", "batch-output"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make batch ARGS=...", description=__doc__)
    parser.add_argument("--input", required=True, type=Path, help="a .csv/.jsonl file, or a folder of them")
    parser.add_argument("--output", required=True, type=Path, help="a local folder for the results")
    parser.add_argument("--id-column", help="a column copied to every output and error row")
    parser.add_argument("--ignore-columns", default="", help="comma-separated columns that are not features")
    parser.add_argument("--runtime", choices=["onnx", "sklearn"], default="onnx")
    parser.add_argument("--chunk-mb", type=float, default=16.0, help="bytes per chunk (Map item), in MiB")
    parser.add_argument("--chunks-per-worker", type=int, default=1, help="chunks per Map item (BatchChunksPerWorker)")
    parser.add_argument("--concurrency", type=int, default=2, help="workers at once (the Map's MaxConcurrency)")
    parser.add_argument("--dataset", choices=sorted(BUNDLED), default=BUNDLED_NAME,
                        help=f"bundled data set the model is trained on (default {BUNDLED_NAME}); your file's "
                             "columns must be its features")
    parser.add_argument("--estimator", default="simplest", help="training's --estimator (default simplest)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    files = sorted(p for p in args.input.rglob("*") if p.is_file()) if args.input.is_dir() else [args.input]
    if not files or not all(path.exists() for path in files):
        print(f"make batch: no input at {args.input}", file=sys.stderr)
        return 2
    with moto_server():
        bucket = create_model_bucket()
        monitoring = create_monitoring_bucket()
        manifest = train(bucket, args.dataset, args.estimator)
        s3 = client("s3")
        for name in (INPUT_BUCKET, OUTPUT_BUCKET):
            s3.create_bucket(Bucket=name)
        root = args.input if args.input.is_dir() else args.input.parent
        for path in files:
            s3.put_object(Bucket=INPUT_BUCKET, Key=f"in/{path.relative_to(root).as_posix()}", Body=path.read_bytes())
        environment = function_environment(bucket, manifest, args.runtime)
        settings = BatchSettings.model_validate({**environment, "MONITORING_BUCKET": monitoring,
                                                 "BATCH_CHUNK_MIB": args.chunk_mb,
                                                 "BATCH_CHUNKS_PER_WORKER": args.chunks_per_worker,
                                                 "BATCH_MAX_CONCURRENCY": args.concurrency})
        request = {"input": f"s3://{INPUT_BUCKET}/in/" if args.input.is_dir() else
                   f"s3://{INPUT_BUCKET}/in/{args.input.name}", "output": f"s3://{OUTPUT_BUCKET}/out/"}
        if args.id_column:
            request["id_column"] = args.id_column
        if args.ignore_columns:
            request["ignore_columns"] = [name.strip() for name in args.ignore_columns.split(",") if name.strip()]
        try:
            summary = run_job(request, settings, s3, concurrency=args.concurrency)
        except BatchJobRefused as refused:
            print(f"make batch: {refused.message}", file=sys.stderr)
            return 2
        _download(s3, OUTPUT_BUCKET, "out/", args.output)
    print(json.dumps(summary, indent=2))
    print(f"\nResults in {args.output}/ (predictions/, errors/, chunks/, summary.json)")
    return 0


def _download(s3, bucket: str, prefix: str, target: Path) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            path = target / obj["Key"][len(prefix):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())


if __name__ == "__main__":
    sys.exit(main())
