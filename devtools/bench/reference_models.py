"""Our training against plain scikit-learn on the same held-out rows:
`python -m devtools.bench.reference_models [--estimator auto]`.

For each table (the bundled sets, penguins as a regressor of body mass, and a seeded 10,000-row,
30-column table with 3 categorical columns), `training.train` runs as a user runs it and the
published pipeline is scored on its own held-out split. On the same split, the references are
what a scikit-learn user writes in fifteen lines: a ColumnTransformer (median imputer and scaler
for numbers; the missing category kept and one-hot encoded, unknown categories ignored) in front
of logistic regression or ridge, and in front of HistGradientBoosting. Every metric is computed by
sklearn.metrics here, for ours too, so the columns compare like with like; the manifest's own
held-out figure is shown beside ours as a check of training's arithmetic.
"""
import argparse
import contextlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

MIXED_ROWS = 10_000


@dataclass(frozen=True)
class Table:
    label: str
    arguments: tuple[str, ...]  # training's data arguments


@dataclass
class Comparison:
    table: str
    task: str
    metric: str  # roc_auc (classification) or r2 (regression): higher is better
    rows: int  # held out
    ours: float
    ours_in_manifest: float
    estimator: str
    onnx: str  # "verified" or why not
    references: dict[str, float]
    second: dict[str, float]  # accuracy, or MAE: ours and each reference

    @property
    def best_reference(self) -> float:
        return max(self.references.values())


def tables(folder: Path) -> list[Table]:
    from devtools.bench.training_scaling import write_table

    mixed = folder / "mixed-10k.csv"
    write_table(mixed, MIXED_ROWS, seed=7)
    return [Table("breast-cancer", ("--dataset", "breast-cancer")),
            Table("penguins (species)", ("--dataset", "penguins")),
            Table("penguins (body mass, regression)", ("--data", str(_penguins()), "--target", "body_mass_g",
                                                        "--name", "penguins-mass")),
            Table("diabetes (regression)", ("--dataset", "diabetes")),
            Table(f"synthetic mixed, {MIXED_ROWS:,} x 30 (3 categorical)",
                  ("--data", str(mixed), "--target", "label", "--name", "mixed-10k"))]


def _penguins() -> Path:
    from training.data import DATASETS_DIR

    return DATASETS_DIR / "penguins.csv"


def compare(table: Table, bucket: str, estimator: str = "auto") -> Comparison:
    from modelops.artifacts.loader import load_verified_model
    from modelops.artifacts.store import ModelStore
    from modelops.platform.aws_clients import client
    from training.train import load, parse_args, run, split

    args = parse_args(["--bucket", bucket, *table.arguments, "--estimator", estimator])
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        manifest = run(args)
        dataset = load(parse_args(["--bucket", bucket, *table.arguments]))[0]
    x_train, x_test, y_train, y_test = split(args, dataset)  # the split training made (same seed, same rows)
    ours = load_verified_model(ModelStore(client("s3"), bucket), manifest.name, manifest.version,
                               manifest.artifact.sha256).pipeline
    regression = dataset.task == "regression"
    kinds = dataset.kinds or ["numeric"] * len(dataset.feature_names)
    score = _r2 if regression else _roc_auc
    second = _mae if regression else _accuracy
    targets = np.asarray(y_train.tolist())  # labels as numpy types them (training keeps an object array)
    references = {name: build(kinds).fit(x_train, targets) for name, build in _references(regression).items()}
    metric = "r2" if regression else "roc_auc"
    verification = manifest.onnx_verification or {}
    return Comparison(
        table=table.label, task=dataset.task, metric=metric, rows=len(y_test),
        ours=score(ours, x_test, y_test), ours_in_manifest=float(manifest.metrics["model"][metric]),
        estimator=manifest.training["estimator"],
        onnx="verified" if verification.get("passed") else f"not verified: {verification.get('reason')}",
        references={name: score(model, x_test, y_test) for name, model in references.items()},
        second={"ours": second(ours, x_test, y_test),
                **{name: second(model, x_test, y_test) for name, model in references.items()}})


def _references(regression: bool) -> dict[str, Callable[[list[str]], Any]]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge

    linear = (lambda: Ridge()) if regression else (lambda: LogisticRegression(max_iter=5000))
    boosting = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    return {"one-hot + " + ("ridge" if regression else "logistic"): lambda kinds: _plain(kinds, linear()),
            "one-hot + HistGradientBoosting": lambda kinds: _plain(kinds, boosting(random_state=0))}


def _plain(kinds: list[str], model: Any) -> Any:
    """The fifteen lines: numbers imputed and scaled, categories one-hot encoded."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = [index for index, kind in enumerate(kinds) if kind != "categorical"]
    categorical = [index for index, kind in enumerate(kinds) if kind == "categorical"]
    as_float = FunctionTransformer(lambda columns: np.asarray(columns, dtype=np.float64))
    return make_pipeline(ColumnTransformer([
        ("numbers", make_pipeline(as_float, SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
    ]), model)


def _roc_auc(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    probabilities = model.predict_proba(features)
    truth = labels.astype(str)
    classes = [str(c) for c in model.classes_]
    if len(classes) == 2:
        return float(roc_auc_score(truth == classes[1], probabilities[:, 1]))
    return float(roc_auc_score(truth, probabilities, multi_class="ovr", labels=classes))


def _accuracy(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(model.predict(features).astype(str) == labels.astype(str)))


def _r2(model: Any, features: np.ndarray, targets: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(np.asarray(targets, dtype=np.float64), model.predict(features)))


def _mae(model: Any, features: np.ndarray, targets: np.ndarray) -> float:
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(np.asarray(targets, dtype=np.float64), model.predict(features)))


def print_comparisons(estimator: str = "auto") -> list[Comparison]:
    """Each table's line as it finishes (S3: the running moto server)."""
    from devtools.local.aws import create_model_bucket

    bucket = create_model_bucket("reference-bench")
    print(f"\nOur training (--estimator {estimator}) against plain scikit-learn on the same held-out rows "
          "(ROC AUC, one-vs-rest for three classes; R² for regression; higher is better)")
    print(f"{'table':<44} {'held out':>8}  {'ours':>6} {'(card)':>7}  {'one-hot+linear':>14} {'one-hot+HGB':>11}  "
          f"{'accuracy / MAE: ours, linear, HGB':<34}  chosen, ONNX")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for table in tables(Path(folder)):
            result = compare(table, bucket, estimator)
            linear, boosting = result.references.values()
            second = ", ".join(f"{value:.3f}" if result.task == "classification" else f"{value:.1f}"
                               for value in result.second.values())
            print(f"{result.table:<44} {result.rows:>8}  {result.ours:>6.3f} {result.ours_in_manifest:>7.3f}  "
                  f"{linear:>14.3f} {boosting:>11.3f}  {second:<34}  {result.estimator}, {result.onnx}", flush=True)
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench.reference_models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--estimator", default="auto", help="training's --estimator (default auto)")
    args = parser.parse_args(argv)
    from devtools.local.aws import moto_server
    from modelops.platform.aws_clients import client

    with moto_server():
        client.cache_clear()
        print_comparisons(args.estimator)
    client.cache_clear()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
