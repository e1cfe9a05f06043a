"""The model card: a Markdown page published with each version, for a reader who wants to know
what the model is, why it was chosen and where it stops being trustworthy. Everything in it is
read from the manifest, so the card never says more than the version's own record; its known
limits are figures from that record, not general warnings."""
from typing import Any

from modelops.artifacts.library_versions import MODEL_LIBRARIES
from modelops.artifacts.manifest import Manifest
from modelops.statistics.regression import REGRESSION_METRICS
from training.model_selection import cv_description, format_params, table_header, table_rows
from training.pipeline import MIN_CATEGORY_ROWS
from training.quality_gate import LOWER_IS_BETTER

MODEL_CARD_FILE = "model_card.md"
REPORTED_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
TREE_MODELS = {"random_forest", "hist_gradient_boosting"}


def render(manifest: Manifest) -> str:
    sections = [
        _header(manifest),
        _data(manifest),
        _choice(manifest),
        _evaluation(manifest),
        _gate(manifest),
        _libraries(manifest),
        _limits(manifest),
    ]
    return "\n\n".join(sections) + "\n"


def _header(manifest: Manifest) -> str:
    return "\n".join([
        f"# Model card: {manifest.name} {manifest.version}",
        "",
        f"- created: {manifest.created_at}",
        f"- predicts: `{manifest.target}`, " + (f"classes {_labels(manifest.classes)}" if manifest.task == "classification"
                                                else "a number (regression)"),
        f"- artifact: `{manifest.artifact.file}`, sha256 `{manifest.artifact.sha256}`",
    ])


def _data(manifest: Manifest) -> str:
    cleaning, training = manifest.cleaning, manifest.training
    # Versions cleaned before duplicates were kept by default dropped them (no duplicates_dropped key).
    duplicates = "dropped" if cleaning.get("duplicates_dropped", True) else "kept"
    kinds = {kind: [f.name for f in manifest.features if f.kind == kind] for kind in ("numeric", "boolean", "categorical")}
    split = "stratified, " if manifest.task == "classification" else ""
    lines = [
        "## Data and cleaning",
        "",
        f"- source: `{training['source']}` (fingerprint of the cleaned data `{manifest.data_fingerprint[:16]}…`)",
        f"- rows read: {cleaning['rows_read']}; dropped without a target: {cleaning['rows_without_target']}; "
        f"exact duplicates ({duplicates}): {cleaning['duplicate_rows']}; kept: {cleaning['rows_kept']}",
        "- features: " + "; ".join(f"{kind} {len(names)}" + (f" ({', '.join(names)})" if names and kind != "numeric"
                                                               else "") for kind, names in kinds.items()),
        "- left out: " + ("; ".join(f"`{name}`: {why}" for name, why in cleaning.get("left_out", {}).items())
                          or "none"),
        f"- values in numeric columns that were not numbers, made missing: {sum(cleaning['non_numeric_values'].values())}"
        + _counts(cleaning["non_numeric_values"]),
        f"- missing values after cleaning: {sum(cleaning['missing_values'].values())}"
        + _counts(cleaning["missing_values"]),
        f"- constant columns (kept): {', '.join(cleaning['constant_columns']) or 'none'}",
        f"- split: {training['train_rows']} training rows, {training['test_rows']} held-out rows "
        f"({split}test size {training['test_size']}, seed {training['seed']})",
    ]
    return "\n".join(lines)


def _choice(manifest: Manifest) -> str:
    training = manifest.training
    selection = training.get("selection")
    lines = ["## Chosen model and why", "", f"Estimator: `{training['estimator']}`.", ""]
    if not selection:
        lines.append(f"Estimator given by the user (`--estimator {training['estimator']}`), with the project's "
                     "default settings for it; no model selection was run. All its parameters are in the "
                     "manifest (`training.params`).")
        return "\n".join(lines)
    chosen = _chosen_candidate(selection)
    lines += [
        f"Tuned parameters: {format_params(chosen['best_params'])}; the others are the project's defaults "
        "(all in the manifest's `training.params`).",
        "",
        f"Chosen by `--estimator auto`: {selection['reason']}",
        "",
        f"Each candidate had a randomized search of {selection['iterations']} draws (seed {selection['seed']}), "
        f"scored by {selection['scoring']} in {cv_description(selection).replace('CV', 'cross-validation')} only; "
        "the held-out rows were not used.",
        "",
        _table(table_header(selection), table_rows(selection)),
    ]
    return "\n".join(lines)


def _evaluation(manifest: Manifest) -> str:
    model, constant = manifest.metrics["model"], manifest.metrics["best_constant"]
    if manifest.task == "regression":
        return "\n".join([
            "## Held-out evaluation",
            "",
            f"On the {manifest.training['test_rows']} held-out rows, in the target's units, against the best constant "
            f"predictor fitted on the training split (the median {constant['median']:.4g} for MAE, the mean "
            f"{constant['mean']:.4g} for RMSE and R²; lower MAE and RMSE are better, R² 1 is perfect):",
            "",
            _table(("metric", "model", "best constant"),
                   [(metric, _number(model[metric]), _number(constant[metric])) for metric in REGRESSION_METRICS]),
            "",
            f"Mean error (prediction − truth) of the model: {model['bias']:.4g}.",
        ])
    classes = manifest.classes
    averaging = (f"precision, recall and F1 of the positive class {classes[1]!r}" if len(classes) == 2
                 else "precision, recall, F1 and ROC AUC are macro averages over the classes (ROC AUC one-vs-rest)")
    rows = [(metric, _number(model[metric]), _number(constant[metric])) for metric in REPORTED_METRICS]
    matrix_rows = [(_label(label), *map(str, counts)) for label, counts in zip(classes, model["confusion_matrix"])]
    return "\n".join([
        "## Held-out evaluation",
        "",
        f"On the {manifest.training['test_rows']} held-out rows, against the best constant classifier "
        f"(always the training class shares; {averaging}; lower log loss is better):",
        "",
        _table(("metric", "model", "best constant"), rows),
        "",
        "Confusion matrix (rows: true class, columns: predicted class):",
        "",
        _table(("true \\ predicted", *map(_label, classes)), matrix_rows),
    ])


def _gate(manifest: Manifest) -> str:
    gate = manifest.metrics["gate"]
    bound = "at most" if gate["metric"] in LOWER_IS_BETTER else "at least"
    compared = (f"compared with published version {gate['compared_with']}" if gate["compared_with"]
                else "no earlier version to compare with")
    lines = ["## Quality gate", "",
             f"Rule: {gate['metric']} {bound} {gate['threshold']}, better than the best constant, and no worse "
             f"than the latest published version on the same held-out rows, up to the tolerance training was "
             f"given ({compared})."]
    if gate["passed"]:
        lines.append("\nResult: **passed**.")
    else:
        # run() raises instead of publishing a refused model unless --force was given.
        lines.append("\nResult: **refused**, published anyway with `--force`:")
        lines += [f"- {reason}" for reason in gate["reasons"]]
    return "\n".join(lines)


def _libraries(manifest: Manifest) -> str:
    versions = manifest.libraries.model_dump()
    pinned = ", ".join(MODEL_LIBRARIES.values())
    return "## Library versions\n\n" + "\n".join(f"- {name}: {version}" for name, version in versions.items()) + (
        f"\n\nThe inference function refuses to load this artifact under other versions of {pinned}."
    )


def _limits(manifest: Manifest) -> str:
    return "## Known limits\n\n" + "\n".join(f"- {limit}" for limit in known_limits(manifest))


def _task_limits(manifest: Manifest) -> list[str]:
    model, constant = manifest.metrics["model"], manifest.metrics["best_constant"]
    test_rows = manifest.training["test_rows"]
    if manifest.task == "regression":
        return [
            f"The held-out figures rest on {test_rows} rows.",
            f"Held-out MAE {model['mae']:.4g} in the target's units; always answering the training median already "
            f"scores {constant['mae']:.4g}: that, not 0, is the floor to judge the error by.",
        ]
    per_class = [sum(counts) for counts in model["confusion_matrix"]]
    smallest = min(range(len(per_class)), key=per_class.__getitem__)
    return [
        f"The held-out figures rest on {test_rows} rows: one row classified differently moves accuracy by "
        f"{1 / test_rows:.2%}.",
        "Held-out class counts: " + ", ".join(f"{_label(label)}: {count} ({count / test_rows:.0%})"
                                              for label, count in zip(manifest.classes, per_class))
        + f". The smallest class, {_label(manifest.classes[smallest])}, has {per_class[smallest]} held-out rows, so "
        f"its recall is measured on those alone. Always answering the majority class already scores accuracy "
        f"{_number(constant['accuracy'])} on these rows: that, not 0 or 0.5, is the floor to judge accuracy by.",
    ]


def known_limits(manifest: Manifest) -> list[str]:
    """Limits that follow from this version's own figures."""
    training, cleaning = manifest.training, manifest.cleaning
    limits = _task_limits(manifest)
    selection = training.get("selection")
    if selection:
        chosen = _chosen_candidate(selection)
        limits.append(
            f"Across the {selection['folds']} cross-validation folds the chosen model's {selection['metric']} "
            f"varied with a standard deviation of {chosen['std']:.4f}: differences of that size between "
            "versions are within the fold-to-fold spread."
        )
    limits.append(_missing_limit(manifest))
    limits.append(_range_limit(manifest))
    categorical = [f for f in manifest.features if f.kind == "categorical"]
    if categorical:
        limits.append(f"Categorical features ({', '.join(f.name for f in categorical)}): a category seen in fewer "
                      f"than {MIN_CATEGORY_ROWS} training rows, or never seen, is encoded as no known category; "
                      "the model answers such rows from their other features.")
    if cleaning["constant_columns"]:
        limits.append(f"Constant in the data, so the model learned nothing from them: "
                      f"{', '.join(cleaning['constant_columns'])}.")
    limits.append(f"All rows come from one source (`{training['source']}`); none of these figures describe data "
                  "collected another way.")
    return limits


def _missing_limit(manifest: Manifest) -> str:
    missing = [f for f in manifest.features if f.missing_rate > 0]
    categorical = (" (a categorical feature's missing value is a category of its own)"
                   if any(f.kind == "categorical" for f in manifest.features) else "")
    if not missing:
        return ("No feature had a missing value in the training split; a missing value in a request is filled "
                f"with the feature's training median{categorical}, which this training data never needed.")
    worst = max(missing, key=lambda f: f.missing_rate)
    return (f"{len(missing)} of {len(manifest.features)} features had missing values in the training split "
            f"(most: {worst.name}, {worst.missing_rate:.0%}); missing values are filled with the feature's "
            f"training median{categorical}, so a row with many of them is answered mostly from medians.")


def _range_limit(manifest: Manifest) -> str:
    behaviour = ("its trees answer as at the nearest value they saw" if manifest.training["estimator"] in TREE_MODELS
                 else "the linear model extends the trend it learned")
    numeric = [f for f in manifest.features if f.kind != "categorical"]
    return (f"The model saw each of the {len(numeric)} numeric features only within its training range "
            f"(`features[].min`/`max` in the manifest); outside it, {behaviour}.")


def _chosen_candidate(selection: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in selection["candidates"] if c["estimator"] == selection["chosen"])


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _counts(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{name}: {count}' for name, count in counts.items())})" if counts else ""


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _label(label: Any) -> str:
    return repr(label) if isinstance(label, str) else str(label)


def _labels(labels: list[Any]) -> str:
    return ", ".join(map(_label, labels))
