"""Train, evaluate, gate and publish a model version.

    python -m training.train --bucket BUCKET                      # bundled breast-cancer data
    python -m training.train --bucket BUCKET --dataset penguins   # bundled: penguins, diabetes
    python -m training.train --bucket BUCKET --data f.csv --target label --name my-model
"""
import argparse
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from modelops.platform.aws_clients import client
from modelops.statistics.feature_summary import summarize_features
from modelops.artifacts.manifest import Manifest, Task
from modelops.artifacts.loader import ModelUnavailable, load_verified_model
from training.registry import ModelRegistry
from training import quality_gate
from training.cleaning import Dataset, clean
from training.data import BUNDLED, BUNDLED_NAME, load_bundled, load_csv
from modelops.statistics.regression import REGRESSION_METRICS
from training.evaluation import evaluate, evaluate_regression
from training.feature_types import Overrides
from training.model_card import MODEL_CARD_FILE, render as render_model_card
from training.model_selection import (AUTO, DEFAULT_METRIC, SELECTION_METRICS, SIMPLEST, Selection, SelectionImpossible,
                                      SelectionSettings, describe, scoring_for, select)
from training.pipeline import (CANDIDATES, ESTIMATOR_NAMES, Columns, all_cores, build_pipeline, fit_timed,
                               json_safe_params, simplicity)
from modelops.artifacts.baseline import BASELINE_FILE
from training.baseline import build_baseline, build_regression_baseline
from training.explainer import build_explainer
from training.importance import global_importance
from training.onnx_export import ONNX_FILE
from training.refusal import TrainingRefused
from training.servable_choice import prefer_onnx_servable
from training.onnx_export import export as export_onnx, target_scale
from training.publish import build_manifest, deploy_command, file_record, publish, serialize
from training.task import TASKS

__all__ = ["TrainingRefused", "main", "parse_args", "run"]
CLASSIFICATION_REPORT = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bucket", default=os.environ.get("MODEL_BUCKET"),
                        help="model bucket (the stack's ModelBucketName output); default $MODEL_BUCKET")
    parser.add_argument("--name", help="model name (default: the bundled data set's name, or the CSV file's stem)")
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=sorted(BUNDLED), default=BUNDLED_NAME,
                      help=f"bundled data set when no --data is given (default {BUNDLED_NAME}; penguins: mixed "
                           "types, three classes; diabetes: regression)")
    data.add_argument("--data", type=Path, help="CSV file with a header row (default: the bundled data set)")
    data.add_argument("--target", help="target column of the CSV")
    data.add_argument("--separator", help="field separator of the CSV: one character, or tab, comma, semicolon, "
                                          "pipe (default: sniffed among , ; tab |)")
    data.add_argument("--encoding", help="text encoding of the CSV, e.g. latin-1 (default utf-8; a byte-order mark "
                                         "is skipped)")
    data.add_argument("--categorical", type=_names, default=[], metavar="A,B",
                      help="columns to treat as categorical, whatever their values look like")
    data.add_argument("--numeric", type=_names, default=[], metavar="A,B",
                      help="columns to treat as numeric (values that are not numbers become missing)")
    data.add_argument("--drop", type=_names, default=[], metavar="A,B", help="columns to leave out")
    data.add_argument("--drop-duplicates", action="store_true",
                      help="drop exact duplicate rows (default: count them and keep them)")
    data.add_argument("--task", choices=TASKS, help="default: detected from the target's values")
    model = parser.add_argument_group("model")
    model.add_argument("--estimator", choices=[AUTO, SIMPLEST, *ESTIMATOR_NAMES], default=AUTO,
                       help="auto (default): choose by cross-validation on the training split; simplest: the task's "
                            "linear model, fastest to train; logistic_regression classifies, ridge regresses, the "
                            "others do either")
    model.add_argument("--selection-metric", help="what auto optimizes: roc_auc (default), log_loss or f1 for "
                                                  "classification; r2 (default), mae or rmse for regression")
    model.add_argument("--cv-folds", type=int, default=5, help="auto: folds, stratified for classification (default 5)")
    model.add_argument("--search-iterations", type=int, default=10,
                       help="auto: random parameter draws per candidate, each fitted once per fold (default 10)")
    model.add_argument("--jobs", type=int, default=-1, help="parallel fits during auto (default -1: all cores)")
    model.add_argument("--test-size", type=float, default=0.25, help="held-out share (default 0.25)")
    model.add_argument("--seed", type=int, default=42)
    gate = parser.add_argument_group("quality gate")
    gate.add_argument("--gate-metric", help="classification: roc_auc (default), accuracy, f1, precision, recall, "
                                            "log_loss; regression: r2 (default), mae, rmse")
    gate.add_argument("--min-score", type=float,
                      help="gate threshold on --gate-metric (a maximum for log_loss, mae, rmse; default 0.8 for "
                           "roc_auc, 0.3 for r2)")
    gate.add_argument("--max-regression", type=float, default=0.0,
                      help="how much worse than the published version is tolerated (default 0)")
    gate.add_argument("--force", action="store_true", help="publish even if the quality gate refuses")
    args = parser.parse_args(argv)
    if args.data and not args.target:
        parser.error("--data needs --target")
    if not args.bucket:
        parser.error("--bucket (or MODEL_BUCKET) is required")
    if args.cv_folds < 2 or args.search_iterations < 1:
        parser.error("--cv-folds must be at least 2 and --search-iterations at least 1")
    if args.separator is not None:
        args.separator = SEPARATOR_NAMES.get(args.separator.lower(), args.separator)
        if len(args.separator) != 1:
            parser.error("--separator must be one character, or tab, comma, semicolon, pipe")
    all_metrics = {*SELECTION_METRICS["classification"], *SELECTION_METRICS["regression"]}
    if args.selection_metric is not None and args.selection_metric not in all_metrics:
        parser.error(f"--selection-metric must be one of {', '.join(sorted(all_metrics))}")
    gates = {*quality_gate.GATE_METRICS["classification"], *quality_gate.GATE_METRICS["regression"]}
    if args.gate_metric is not None and args.gate_metric not in gates:
        parser.error(f"--gate-metric must be one of {', '.join(sorted(gates))}")
    args.name = args.name or (args.data.stem if args.data else args.dataset)
    return args


def load(args: argparse.Namespace) -> tuple[Dataset, dict[str, Any], str]:
    started = time.perf_counter()
    table = (load_csv(args.data, args.target, args.separator, args.encoding) if args.data
             else load_bundled(args.dataset))
    overrides = Overrides(categorical=args.categorical, numeric=args.numeric, drop=args.drop)
    dataset, report = clean(table, overrides, args.drop_duplicates, args.task)
    stage(f"Read and cleaned {report.rows_read} rows in {time.perf_counter() - started:.0f} s")
    print(f"Data: {table.source}")
    for line in report.lines():
        print(f"  {line}")
    return dataset, asdict(report), table.source


def settle_metrics(args: argparse.Namespace, task: Task, target: str) -> None:
    """Fill the task's defaults in, and refuse a metric or estimator of the other task."""
    if args.estimator == SIMPLEST:
        args.estimator = simplicity(task)[0]
    if args.estimator != AUTO and args.estimator not in CANDIDATES[task]:
        raise TrainingRefused(f"--estimator {args.estimator} cannot do {task} (target {target!r}); choose one of "
                              f"{', '.join(CANDIDATES[task])}, or auto.")
    args.selection_metric = args.selection_metric or DEFAULT_METRIC[task]
    if args.selection_metric not in SELECTION_METRICS[task]:
        raise TrainingRefused(f"--selection-metric {args.selection_metric} is not a {task} metric (target "
                              f"{target!r}); use one of {', '.join(SELECTION_METRICS[task])}.")
    metric, threshold = quality_gate.DEFAULT_GATE[task]
    args.gate_metric = args.gate_metric or metric
    if args.gate_metric not in quality_gate.GATE_METRICS[task]:
        raise TrainingRefused(f"--gate-metric {args.gate_metric} is not a {task} metric (target {target!r}); use one "
                              f"of {', '.join(quality_gate.GATE_METRICS[task])}.")
    if args.min_score is None:
        if args.gate_metric != metric:
            raise TrainingRefused(f"--gate-metric {args.gate_metric} has no default threshold: give --min-score "
                                  f"(in the target's units for mae and rmse).")
        args.min_score = threshold


def split(args: argparse.Namespace, dataset: Dataset) -> list[np.ndarray]:
    """train_test_split, stratified for classification; a split that cannot be made is refused in one line."""
    stratify = None
    if dataset.task == "classification":
        values, counts = np.unique(dataset.labels.astype(str), return_counts=True)
        if counts.min() < 2:
            raise TrainingRefused(
                f"Class {str(values[counts.argmin()])!r} of {dataset.target!r} has only {counts.min()} row: a stratified "
                "split needs at least 2 rows per class (and cross-validation --cv-folds per class in the training "
                "split); add rows, merge or remove the class.")
        stratify = dataset.labels.astype(str)
    try:
        return train_test_split(dataset.features, dataset.labels, test_size=args.test_size, random_state=args.seed,
                                stratify=stratify)
    except ValueError as error:
        raise TrainingRefused(f"Cannot split the {len(dataset.labels)} rows with --test-size {args.test_size}: "
                              f"{error} Change --test-size or add rows.") from None


def incumbent_on_split(store: ModelRegistry, name: str, dataset: Dataset, features: np.ndarray,
                       labels: np.ndarray, train_labels: np.ndarray) -> quality_gate.Incumbent | None:
    """Score the latest published version on *this* held-out split, so the comparison is fair."""
    version = store.latest_version(name)
    if version is None:
        return None
    manifest = store.read_manifest(name, version)
    if manifest.feature_names != dataset.feature_names or [f.kind for f in manifest.features] != dataset.kinds:
        return quality_gate.Incumbent(version, None, "it was trained on different features.")
    if manifest.task != dataset.task:
        return quality_gate.Incumbent(version, None, f"it is a {manifest.task} model, this is {dataset.task}.")
    try:
        loaded = load_verified_model(store, name, version, manifest.artifact.sha256)
    except ModelUnavailable as failure:
        return quality_gate.Incumbent(version, None, failure.message)
    if dataset.task == "regression":
        return quality_gate.Incumbent(version, evaluate_regression(loaded.pipeline, features, labels, train_labels)["model"])
    if sorted(map(repr, loaded.manifest.classes)) != sorted(map(repr, np.unique(labels).tolist())):
        return quality_gate.Incumbent(version, None, "its classes differ from this data's.")
    return quality_gate.Incumbent(version, evaluate(loaded.pipeline, features, labels, manifest.classes, train_labels)["model"])


def stage(message: str) -> None:
    """A progress line on stderr: stdout stays the report."""
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> Manifest:
    started_run = time.perf_counter()
    dataset, cleaning, source = load(args)
    task = dataset.task
    settle_metrics(args, task, dataset.target)
    x_train, x_test, y_train, y_test = split(args, dataset)
    columns = Columns.of(x_train, dataset.kinds) if dataset.mixed else None  # categories of the training split
    selection = select_estimator(args, x_train, y_train, task, columns)  # the training split only
    pipeline = selection.build_chosen() if selection else build_pipeline(args.estimator, args.seed, task, columns)
    stage(f"Fitting {selection.chosen if selection else args.estimator} on {len(y_train)} rows "
          f"({time.perf_counter() - started_run:.0f} s elapsed)")
    fit_seconds = fit_timed(pipeline, x_train, y_train)
    if selection:
        chosen = selection.chosen
        stage(f"Checking that {chosen}'s ONNX conversion verifies ({time.perf_counter() - started_run:.0f} s elapsed)")
        selection, pipeline, fit_seconds = prefer_onnx_servable(selection, pipeline, fit_seconds, x_train, y_train,
                                                                args.seed)
        if selection.chosen != chosen:
            print(f"Preferred {selection.chosen} over {chosen}: as good, and it can serve on ONNX Runtime.")
    if task == "classification":
        classes = [c.item() if hasattr(c, "item") else c for c in pipeline.classes_]
        evaluation = evaluate(pipeline, x_test, y_test, classes, y_train)
        shown = CLASSIFICATION_REPORT
    else:
        classes, evaluation, shown = [], evaluate_regression(pipeline, x_test, y_test, y_train), REGRESSION_METRICS
    print(f"\nHeld-out evaluation ({len(y_test)} rows), model vs best constant:")
    for metric in shown:
        model, constant = evaluation["model"][metric], evaluation["best_constant"][metric]
        print(f"  {metric:<10} {_fmt(model):>8}   {_fmt(constant):>8}")
    if task == "classification":
        print(f"  confusion matrix (rows: true {classes}): {evaluation['model']['confusion_matrix']}")

    store = ModelRegistry(client("s3"), args.bucket)
    incumbent = incumbent_on_split(store, args.name, dataset, x_test, y_test, y_train)
    decision = quality_gate.check(evaluation, args.gate_metric, args.min_score, incumbent, args.max_regression)
    if incumbent and incumbent.metrics:
        print(f"  published {incumbent.version}: {args.gate_metric} {_fmt(incumbent.metrics[args.gate_metric])} on the same rows")
    if not decision.passed:
        message = "Quality gate refused the model: " + " ".join(decision.reasons)
        if not args.force:
            raise TrainingRefused(message + " Nothing was published; --force publishes anyway.")
        print(message + " --force given: publishing anyway.")

    artifact = serialize(pipeline)
    files: dict[str, bytes] = {}
    records = {}
    stage(f"Building the monitoring baseline ({time.perf_counter() - started_run:.0f} s elapsed)")
    # Numeric (and boolean) features get binned profiles; categorical ones, every column
    # numeric_columns() leaves out, get category counts.
    numeric = dataset.numeric_columns()
    numeric_names = [dataset.feature_names[i] for i in numeric]
    train_numeric = np.asarray(x_train[:, numeric], dtype=np.float64)
    categorical = {name: x_train[:, index].tolist() for index, name in enumerate(dataset.feature_names)
                   if index not in numeric}
    if task == "classification":
        with all_cores(pipeline):  # the baseline refits it on folds of the training split
            baseline = build_baseline(pipeline, classes, numeric_names, train_numeric, x_test, y_test,
                                      training_split=(x_train, y_train), categorical=categorical)
    else:
        baseline = build_regression_baseline(pipeline, numeric_names, train_numeric, x_test, categorical=categorical)
    files[BASELINE_FILE] = baseline.to_json()
    records["baseline"] = file_record(BASELINE_FILE, files[BASELINE_FILE], "json")
    estimator = selection.chosen if selection else args.estimator
    manifest = build_manifest(
        name=args.name,
        artifact=artifact,
        target=dataset.target,
        task=task,
        classes=classes,
        features=summarize_features(x_train, dataset.feature_names, dataset.kinds),
        metrics={**evaluation, "gate": {"metric": args.gate_metric, "threshold": args.min_score,
                                        "passed": decision.passed, "reasons": decision.reasons,
                                        "compared_with": incumbent.version if incumbent else None}},
        cleaning=cleaning,
        data_fingerprint=dataset.fingerprint(),
        training={"source": source, "estimator": estimator, "params": json_safe_params(pipeline),
                  "selection": selection.to_json() if selection else None,
                  "test_size": args.test_size, "seed": args.seed, "train_rows": len(y_train),
                  "test_rows": len(y_test), "fit_seconds": round(fit_seconds, 3)},
        files=records,
    )
    stage(f"Explanations and permutation importance ({time.perf_counter() - started_run:.0f} s elapsed)")
    explain_model(args, manifest, pipeline, x_test, y_test, dataset)
    stage(f"Converting to ONNX and verifying ({time.perf_counter() - started_run:.0f} s elapsed)")
    onnx_bytes, verification = export_onnx(pipeline, x_test, args.seed, columns, task, target_scale(task, y_train))
    manifest.onnx_verification = verification.as_dict()
    if onnx_bytes:
        files[ONNX_FILE] = onnx_bytes
        manifest.files["onnx"] = file_record(ONNX_FILE, onnx_bytes, "onnx")
    print(f"\nONNX: {verification.reason}" + (f" (max |difference| {verification.max_abs_difference:.1e} on "
                                              f"{sum(verification.rows.values())} rows)" if verification.passed else
                                              "; published joblib-only, serve it with ModelRuntime=sklearn"))
    # The card is rendered from the finished manifest, then recorded in it like the other files.
    files[MODEL_CARD_FILE] = render_model_card(manifest).encode()
    manifest.files["model_card"] = file_record(MODEL_CARD_FILE, files[MODEL_CARD_FILE], "markdown")
    keys = publish(store, manifest, artifact, files)
    print(f"\nPublished {manifest.name} version {manifest.version}:")
    for key in keys:
        print(f"  s3://{args.bucket}/{key}")
    print(f"Deploy it with:\n  {deploy_command(manifest)}")
    stage(f"Done in {time.perf_counter() - started_run:.0f} s")
    return manifest


def explain_model(args: argparse.Namespace, manifest: Manifest, pipeline: Any, features: np.ndarray,
                  labels: np.ndarray, dataset: Dataset) -> None:
    """How predictions will be explained, and global importance on the held-out split (the
    selection metric's scorer, so importance is a drop in the score the model was chosen by)."""
    manifest.explainer = build_explainer(pipeline, features, args.seed, manifest.features, manifest.classes)
    note = manifest.explainer.method
    scorer, scoring = scoring_for(args.selection_metric, np.asarray(manifest.classes))
    manifest.importance = global_importance(pipeline, features, labels, dataset.feature_names, scorer, scoring, args.seed)
    top = ", ".join(f"{item.feature} {item.importance:.4f}" for item in manifest.importance.permutation.features[:3])
    print(f"\nExplanations: {note}. Permutation importance ({scoring}, held-out): {top}, ...")


def select_estimator(args: argparse.Namespace, features: np.ndarray, labels: np.ndarray, task: Task,
                     columns: Columns | None) -> Selection | None:
    """`--estimator auto`: cross-validated selection on the rows given (None: the user named one)."""
    if args.estimator != AUTO:
        return None
    settings = SelectionSettings(args.selection_metric, args.cv_folds, args.search_iterations, args.seed, task,
                                 args.jobs)
    try:
        selection = select(features, labels, settings, columns=columns, progress=stage)
    except SelectionImpossible as impossible:
        raise TrainingRefused(str(impossible)) from impossible
    print("\n" + "\n".join(describe(selection.to_json())))
    return selection


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def main(argv: list[str] | None = None) -> int:
    try:
        run(parse_args(argv))
    except TrainingRefused as refused:
        print(f"\n{refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
