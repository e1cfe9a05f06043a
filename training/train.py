"""Train, evaluate, gate and publish a model version.

    python -m training.train --bucket BUCKET                      # bundled breast-cancer data
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
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.loader import ModelUnavailable, load_verified_model
from training.registry import ModelRegistry
from training import quality_gate
from training.cleaning import Dataset, clean
from training.data import BUNDLED_NAME, load_bundled, load_csv
from training.evaluation import evaluate
from training.model_card import MODEL_CARD_FILE, render as render_model_card
from training.model_selection import (AUTO, SELECTION_METRICS, Selection, SelectionImpossible, SelectionSettings,
                                      describe, scoring_for, select)
from training.pipeline import ESTIMATORS, build_pipeline, json_safe_params
from modelops.artifacts.baseline import BASELINE_FILE
from training.baseline import build_baseline
from training.explainer import build_explainer
from training.importance import global_importance
from training.onnx_export import ONNX_FILE
from training.servable_choice import prefer_onnx_servable
from training.onnx_export import export as export_onnx
from training.publish import build_manifest, deploy_command, file_record, publish, serialize


class TrainingRefused(Exception):
    """Training ran, but the result must not be published (exit code 2)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bucket", default=os.environ.get("MODEL_BUCKET"),
                        help="model bucket (the stack's ModelBucketName output); default $MODEL_BUCKET")
    parser.add_argument("--name", help=f"model name (default: {BUNDLED_NAME}, or the CSV file's stem)")
    parser.add_argument("--data", type=Path, help="CSV file with a header row (default: bundled data set)")
    parser.add_argument("--target", help="target column of the CSV")
    parser.add_argument("--estimator", choices=[AUTO, *sorted(ESTIMATORS)], default=AUTO,
                        help="auto (default): choose by cross-validation on the training split")
    parser.add_argument("--selection-metric", choices=SELECTION_METRICS, default="roc_auc",
                        help="what auto maximizes (log_loss: minimizes); more than two classes: "
                             "one-vs-rest ROC AUC, macro F1 (default roc_auc)")
    parser.add_argument("--cv-folds", type=int, default=5, help="auto: stratified folds (default 5)")
    parser.add_argument("--search-iterations", type=int, default=10,
                        help="auto: random parameter draws per candidate, each fitted once per fold (default 10)")
    parser.add_argument("--test-size", type=float, default=0.25, help="held-out share (default 0.25)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gate-metric", choices=quality_gate.GATE_METRICS, default="roc_auc")
    parser.add_argument("--min-score", type=float, default=0.8,
                        help="gate threshold on --gate-metric (a maximum for log_loss; default 0.8)")
    parser.add_argument("--max-regression", type=float, default=0.0,
                        help="how much worse than the published version is tolerated (default 0)")
    parser.add_argument("--force", action="store_true", help="publish even if the quality gate refuses")
    args = parser.parse_args(argv)
    if args.data and not args.target:
        parser.error("--data needs --target")
    if not args.bucket:
        parser.error("--bucket (or MODEL_BUCKET) is required")
    if args.cv_folds < 2 or args.search_iterations < 1:
        parser.error("--cv-folds must be at least 2 and --search-iterations at least 1")
    args.name = args.name or (args.data.stem if args.data else BUNDLED_NAME)
    return args


def load(args: argparse.Namespace) -> tuple[Dataset, dict[str, Any], str]:
    table = load_csv(args.data, args.target) if args.data else load_bundled()
    dataset, report = clean(table)
    print(f"Data: {table.source}")
    for line in report.lines():
        print(f"  {line}")
    return dataset, asdict(report), table.source


def incumbent_on_split(store: ModelRegistry, name: str, dataset: Dataset, features: np.ndarray,
                       labels: np.ndarray, train_labels: np.ndarray) -> quality_gate.Incumbent | None:
    """Score the latest published version on *this* held-out split, so the comparison is fair."""
    version = store.latest_version(name)
    if version is None:
        return None
    manifest = store.read_manifest(name, version)
    if manifest.feature_names != dataset.feature_names:
        return quality_gate.Incumbent(version, None, "it was trained on different features.")
    try:
        loaded = load_verified_model(store, name, version, manifest.artifact.sha256)
    except ModelUnavailable as failure:
        return quality_gate.Incumbent(version, None, failure.message)
    if sorted(map(repr, loaded.manifest.classes)) != sorted(map(repr, np.unique(labels).tolist())):
        return quality_gate.Incumbent(version, None, "its classes differ from this data's.")
    return quality_gate.Incumbent(version, evaluate(loaded.pipeline, features, labels, manifest.classes, train_labels)["model"])


def run(args: argparse.Namespace) -> Manifest:
    dataset, cleaning, source = load(args)
    classes = sorted(np.unique(dataset.labels).tolist(), key=repr) if dataset.labels.size else []
    if len(classes) < 2:
        raise TrainingRefused(f"The target {dataset.target!r} needs at least two classes; found {classes}.")
    x_train, x_test, y_train, y_test = train_test_split(
        dataset.features, dataset.labels, test_size=args.test_size, random_state=args.seed, stratify=dataset.labels
    )
    selection = select_estimator(args, x_train, y_train)  # the training split only
    pipeline = selection.build_chosen() if selection else build_pipeline(args.estimator, args.seed)
    started = time.perf_counter()
    pipeline.fit(x_train, y_train.tolist())
    fit_seconds = time.perf_counter() - started
    if selection:
        chosen = selection.chosen
        selection, pipeline, fit_seconds = prefer_onnx_servable(selection, pipeline, fit_seconds, x_train, y_train,
                                                                args.seed)
        if selection.chosen != chosen:
            print(f"Preferred {selection.chosen} over {chosen}: as good, and it can serve on ONNX Runtime.")
    classes = [c.item() if hasattr(c, "item") else c for c in pipeline.classes_]
    evaluation = evaluate(pipeline, x_test, y_test, classes, y_train)
    print(f"\nHeld-out evaluation ({len(y_test)} rows), model vs best constant:")
    for metric in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"):
        model, constant = evaluation["model"][metric], evaluation["best_constant"][metric]
        print(f"  {metric:<10} {_fmt(model):>8}   {_fmt(constant):>8}")
    print(f"  confusion matrix (rows: true {classes}): {evaluation['model']['confusion_matrix']}")

    store = ModelRegistry(client("s3"), args.bucket)
    incumbent = incumbent_on_split(store, args.name, dataset, x_test, y_test, y_train)
    decision = quality_gate.check(evaluation, args.gate_metric, args.min_score, incumbent, args.max_regression)
    if incumbent and incumbent.metrics:
        print(f"  published {incumbent.version}: {args.gate_metric} {_fmt(incumbent.metrics[args.gate_metric])} on the same rows")
    if not decision.passed:
        message = "Quality gate refused the model:\n  - " + "\n  - ".join(decision.reasons)
        if not args.force:
            raise TrainingRefused(message + "\nNothing was published. Use --force to publish anyway.")
        print(message + "\n--force given: publishing anyway.")

    artifact = serialize(pipeline)
    baseline = build_baseline(pipeline, classes, dataset.feature_names, x_train, x_test, y_test).to_json()
    files = {BASELINE_FILE: baseline}
    estimator = selection.chosen if selection else args.estimator
    manifest = build_manifest(
        name=args.name,
        artifact=artifact,
        target=dataset.target,
        classes=classes,
        features=summarize_features(x_train, dataset.feature_names),
        metrics={**evaluation, "gate": {"metric": args.gate_metric, "threshold": args.min_score,
                                        "passed": decision.passed, "reasons": decision.reasons,
                                        "compared_with": incumbent.version if incumbent else None}},
        cleaning=cleaning,
        data_fingerprint=dataset.fingerprint(),
        training={"source": source, "estimator": estimator, "params": json_safe_params(pipeline),
                  "selection": selection.to_json() if selection else None,
                  "test_size": args.test_size, "seed": args.seed, "train_rows": len(y_train),
                  "test_rows": len(y_test), "fit_seconds": round(fit_seconds, 3)},
        files={"baseline": file_record(BASELINE_FILE, baseline, "json")},
    )
    explain_model(args, manifest, pipeline, x_test, y_test, dataset.feature_names)
    onnx_bytes, verification = export_onnx(pipeline, x_test, args.seed)
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
    return manifest


def explain_model(args: argparse.Namespace, manifest: Manifest, pipeline: Any, features: np.ndarray,
                  labels: np.ndarray, names: list[str]) -> None:
    """How predictions will be explained, and global importance on the held-out split (the
    selection metric's scorer, so importance is a drop in the score the model was chosen by)."""
    manifest.explainer = build_explainer(pipeline, features, args.seed)
    scorer, scoring = scoring_for(args.selection_metric, np.asarray(manifest.classes))
    manifest.importance = global_importance(pipeline, features, labels, names, scorer, scoring, args.seed)
    top = ", ".join(f"{item.feature} {item.importance:.4f}" for item in manifest.importance.permutation.features[:3])
    print(f"\nExplanations: {manifest.explainer.method}. Permutation importance ({scoring}, held-out): {top}, ...")


def select_estimator(args: argparse.Namespace, features: np.ndarray, labels: np.ndarray) -> Selection | None:
    """`--estimator auto`: cross-validated selection on the rows given (None: the user named one)."""
    if args.estimator != AUTO:
        return None
    settings = SelectionSettings(args.selection_metric, args.cv_folds, args.search_iterations, args.seed)
    try:
        selection = select(features, labels, settings)
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
