"""Training time against rows: `python -m devtools.bench.training_scaling [--rows 10000 100000 ...]`.

The default `--estimator auto` run, end to end (CSV read, cleaning, selection, final fit, held-out
evaluation, baseline, importance, ONNX check, publishing to a moto S3), on a synthetic table of
30 columns: 27 numeric (8 informative, the rest noise and redundant mixtures, as
make_classification draws them) and 3 categorical (banded informative values, so the encoder
has work that matters), seeded. Prints the wall time per size, each candidate's search time
(the selection table's `search s`) and the rows the search ran on.
"""
import argparse
import contextlib
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_ROWS = (10_000, 100_000)
COLUMNS = 30
CATEGORICAL = 3


def write_table(path: Path, rows: int, seed: int = 0) -> None:
    from sklearn.datasets import make_classification

    features, labels = make_classification(n_samples=rows, n_features=COLUMNS - CATEGORICAL, n_informative=8,
                                           n_redundant=4, flip_y=0.05, random_state=seed)
    bands = np.digitize(features[:, :CATEGORICAL], [-1.0, 0.0, 1.0])
    names = [f"x{index}" for index in range(COLUMNS - CATEGORICAL)] + [f"group{index}" for index in range(CATEGORICAL)]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, "label"])
        for row, band, label in zip(features.round(5).tolist(), bands.tolist(), labels.tolist()):
            writer.writerow([*row, *("abcd"[b] for b in band), label])


def measure(rows: int, bucket: str, folder: Path) -> dict:
    from training.registry import ModelRegistry
    from modelops.platform.aws_clients import client
    from training.train import main

    path = folder / f"scaling-{rows}.csv"
    write_table(path, rows)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--bucket", bucket, "--data", str(path), "--target", "label", "--name", f"scaling-{rows}"])
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"training on {rows} rows exited with {code}")
    store = ModelRegistry(client("s3"), bucket)
    manifest = store.read_manifest(f"scaling-{rows}", store.latest_version(f"scaling-{rows}"))
    selection = manifest.training["selection"]
    return {"rows": rows, "seconds": seconds, "search_rows": selection["search_rows"],
            "candidates": {c["estimator"]: c["search_seconds"] for c in selection["candidates"]},
            "chosen": selection["chosen"], "fit_seconds": manifest.training["fit_seconds"],
            "onnx": manifest.onnx_verification["passed"]}


HEADER = (f"{'rows':>9}  {'wall s':>7}  {'search rows':>11}  {'chosen':<22}  {'final fit s':>11}  onnx  "
          "search s per candidate")


def print_rows(rows: list[int]) -> None:
    """Train on each size in turn and print its line as it finishes (S3: the running moto server)."""
    import os

    from devtools.local.aws import create_model_bucket

    print(f"\nTraining scaling: default auto selection, {COLUMNS} columns ({CATEGORICAL} categorical), "
          f"{os.cpu_count()} CPUs")
    print(HEADER)
    bucket = create_model_bucket("scaling-bench")
    with tempfile.TemporaryDirectory() as folder:
        for size in rows:
            result = measure(size, bucket, Path(folder))
            searches = ", ".join(f"{name} {seconds:.0f}" for name, seconds in result["candidates"].items())
            print(f"{result['rows']:>9}  {result['seconds']:>7.0f}  {result['search_rows']:>11}  {result['chosen']:<22}  "
                  f"{result['fit_seconds']:>11.1f}  {'yes' if result['onnx'] else 'no':<4}  {searches}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench.training_scaling", description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS))
    args = parser.parse_args(argv)
    from devtools.local.aws import moto_server
    from modelops.platform.aws_clients import client

    with moto_server():
        client.cache_clear()
        print_rows(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
