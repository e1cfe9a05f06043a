"""`--estimator auto`: choose the estimator and its settings by evidence.

Each candidate gets seeded random parameter draws from its search space, each scored by k-fold
cross-validation (stratified for classification). `select` is only ever given the training
split, so the held-out rows stay untouched for the final evaluation and the quality gate.

The budget is a number of random draws per candidate, not seconds: a time budget would make the
choice depend on how fast and how busy the machine is, and the same data and seed must always
give the same table and the same choice (the manifest records everything needed to redo it).
Above SEARCH_ROWS training rows the search runs on a seeded (stratified) sample of SEARCH_ROWS
of them: scores on folds of 1,000 held-back rows already rank the candidates (a fold's ROC AUC
varies by about 0.01 at that size), while the cost of every fit keeps growing with rows. So the
search's cost grows with rows up to SEARCH_ROWS and then stays flat; the chosen candidate is then
fitted once on all training rows.

The fits are scikit-learn's, spread over all cores (threads: each fit is native code with one
thread of its own), and each one reports as it ends, so a long search says which candidate, draw
and fold it is at, how long it has run and about how long the candidate has left.
"""
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring, f1_score, make_scorer
from sklearn.model_selection import KFold, ParameterSampler, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from modelops.artifacts.manifest import Task
from training.pipeline import CANDIDATES, Columns, build_pipeline, simplicity

AUTO = "auto"
SIMPLEST = "simplest"  # --estimator simplest: the task's first candidate (pipeline.simplicity), its linear model
SELECTION_METRICS: dict[Task, tuple[str, ...]] = {"classification": ("roc_auc", "log_loss", "f1"),
                                                  "regression": ("r2", "mae", "rmse")}
DEFAULT_METRIC: dict[Task, str] = {"classification": "roc_auc", "regression": "r2"}
LOWER_IS_BETTER = {"log_loss", "mae", "rmse"}
SEARCH_ROWS = 5_000
PROGRESS_EVERY = 2.0  # seconds between progress lines while a candidate is searched

Progress = Callable[[str], None]


class SelectionImpossible(ValueError):
    """The training split cannot be cross-validated as asked."""


@dataclass(frozen=True)
class SelectionSettings:
    metric: str = "roc_auc"
    folds: int = 5
    iterations: int = 10  # random draws per candidate
    seed: int = 42
    task: Task = "classification"
    jobs: int = -1  # parallel fits (joblib: -1 all cores); the result does not depend on it
    search_rows: int = SEARCH_ROWS


@dataclass(frozen=True)
class CandidateResult:
    estimator: str
    best_params: dict[str, Any]  # the model step's parameters (no "model__" prefix), JSON values
    mean: float  # the metric across folds, for best_params; log loss as a loss (lower is better)
    std: float
    fit_seconds: float  # mean time to fit one fold, for best_params
    search_seconds: float  # the whole search: draws x folds fits and scores
    draws: int  # parameter settings tried (fewer than asked only when the space is smaller)
    verdict: str = ""  # chosen or not, and why: filled in by `choose`


@dataclass(frozen=True)
class Choice:
    best: str  # the highest mean
    chosen: str
    reason: str
    verdicts: dict[str, str]
    band: list[str]  # candidates within one std of the best, simplest first: all "as good"


@dataclass(frozen=True)
class Selection:
    metric: str
    scoring: str  # what the folds computed, e.g. roc_auc_ovr when there are more than two classes
    folds: int
    iterations: int
    seed: int
    train_rows: int
    candidates: list[CandidateResult]
    best: str
    chosen: str
    reason: str
    band: list[str] = field(default_factory=list)  # within one std of the best, simplest first
    task: Task = "classification"
    search_rows: int = 0  # rows the search ran on: train_rows, or a seeded sample of them
    columns: Columns | None = None  # to rebuild pipelines (the manifest's features say the same)

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "columns"}

    def chosen_params(self) -> dict[str, Any]:
        return next(c.best_params for c in self.candidates if c.estimator == self.chosen)

    def build(self, estimator: str) -> Pipeline:
        """A candidate's pipeline with its best parameters, not yet fitted."""
        params = next(c.best_params for c in self.candidates if c.estimator == estimator)
        pipeline = build_pipeline(estimator, self.seed, self.task, self.columns)
        return pipeline.set_params(**{f"model__{key}": value for key, value in params.items()})

    def build_chosen(self) -> Pipeline:
        return self.build(self.chosen)

    def preferring(self, estimator: str, why: str) -> "Selection":
        """The same comparison with another candidate of the band chosen, for `why`."""
        if estimator not in self.band:
            raise ValueError(f"{estimator} is not within one standard deviation of the best")
        candidates = [replace(c, verdict=f"chosen: as good (within 1 std) and {why}") if c.estimator == estimator else
                      replace(c, verdict=f"{c.verdict}; not chosen: {why.split(';')[0]}") if c.estimator == self.chosen else c
                      for c in self.candidates]
        return replace(self, chosen=estimator, candidates=candidates,
                       reason=f"{self.reason} Then {estimator} was preferred: {why}.")


def select(features: np.ndarray, labels: np.ndarray, settings: SelectionSettings,
           candidates: Sequence[str] | None = None, columns: Columns | None = None,
           progress: Progress | None = None) -> Selection:
    """Search every candidate on (features, labels), the training split, and choose one."""
    names = tuple(candidates or simplicity(settings.task))
    if settings.task == "classification":
        targets = np.asarray(list(labels))  # object labels -> int or str array, as scikit-learn sorts them
    else:
        targets = np.asarray(labels, dtype=np.float64)
    classes = np.unique(targets) if settings.task == "classification" else np.array([])
    _check(targets, classes, settings)
    rows, targets = _sample(features, targets, settings)
    scorer, scoring = scoring_for(settings.metric, classes)
    # An int random_state gives the same shuffled folds on every split() call: all candidates
    # are scored on the very same rows, so their means and standard deviations are comparable.
    splitter = (StratifiedKFold if settings.task == "classification" else KFold)(
        settings.folds, shuffle=True, random_state=settings.seed)
    folds = list(splitter.split(rows, targets))
    # One native thread per fit, many fits at once. Selection fits many small models, where
    # thread start-up and synchronization inside one fit cost more than they save, and far more
    # on a busy machine: on the bundled data, on 2 CPUs at a load average of about 2,
    # hist_gradient_boosting's search took 82 s with OpenMP's default threads and 3.7 s with one.
    with threadpool_limits(limits=1):
        results = [_search(name, position, len(names), rows, targets, scorer, folds, settings, columns, progress)
                   for position, name in enumerate(names)]
    choice = choose(results, settings.metric, names)
    return Selection(
        metric=settings.metric, scoring=scoring, folds=settings.folds, iterations=settings.iterations,
        seed=settings.seed, train_rows=len(labels),
        candidates=[replace(result, verdict=choice.verdicts[result.estimator]) for result in results],
        best=choice.best, chosen=choice.chosen, reason=choice.reason, band=choice.band,
        task=settings.task, search_rows=len(targets), columns=columns,
    )


def _sample(features: np.ndarray, targets: np.ndarray, settings: SelectionSettings) -> tuple[np.ndarray, np.ndarray]:
    if len(targets) <= settings.search_rows:
        return features, targets
    stratify = targets if settings.task == "classification" else None
    rows, _, sampled, _ = train_test_split(features, targets, train_size=settings.search_rows,
                                           random_state=settings.seed, stratify=stratify)
    return rows, sampled


def _check(targets: np.ndarray, classes: np.ndarray, settings: SelectionSettings) -> None:
    allowed = SELECTION_METRICS[settings.task]
    if settings.metric not in allowed:
        raise SelectionImpossible(
            f"Unknown {settings.task} selection metric {settings.metric!r}; choose one of {', '.join(allowed)}."
        )
    if settings.folds < 2 or settings.iterations < 1:
        raise SelectionImpossible("Model selection needs at least 2 folds and 1 draw per candidate.")
    if settings.task == "regression":
        if len(targets) < 2 * settings.folds:
            raise SelectionImpossible(f"{len(targets)} training rows are too few for {settings.folds} folds: use "
                                      "fewer --cv-folds, or name an --estimator.")
        return
    smallest = min(int(np.sum(targets == label)) for label in classes)
    if smallest < settings.folds:
        # Stratified folds need every class in every fold, or a fold's metric is undefined.
        raise SelectionImpossible(
            f"The smallest class has {smallest} rows in the training split, fewer than the "
            f"{settings.folds} folds: use --cv-folds {max(smallest, 2)} or less, or name an --estimator."
        )


def scoring_for(metric: str, classes: np.ndarray) -> tuple[str | Callable[..., float], str]:
    """scikit-learn's scorer for `metric`, and its name for the table. More than two classes:
    macro one-vs-rest AUC and macro F1, the variants the held-out evaluation reports. Losses are
    scikit-learn's negated scorers; the table shows them as losses."""
    regression = {"r2": "r2", "mae": "neg_mean_absolute_error", "rmse": "neg_root_mean_squared_error"}
    if metric in regression:
        return regression[metric], metric
    binary = len(classes) == 2
    if metric == "roc_auc":
        name = "roc_auc" if binary else "roc_auc_ovr"
        return name, name
    if metric == "log_loss":
        return "neg_log_loss", "log_loss"
    if binary:
        # The positive class is the second of the sorted classes, as in the held-out report;
        # scikit-learn's "f1" string assumes the label 1 and fails on other labels.
        positive = classes[1].item()
        return make_scorer(f1_score, pos_label=positive), f"f1 (positive class {positive!r})"
    return "f1_macro", "f1_macro"


def _fit_and_score(pipeline: Pipeline, params: dict[str, Any], features: np.ndarray, targets: np.ndarray,
                   train: np.ndarray, test: np.ndarray, scorer: str | Callable[..., float]) -> tuple[float, float]:
    estimator = clone(pipeline).set_params(**params)
    started = time.perf_counter()
    estimator.fit(features[train], targets[train])
    seconds = time.perf_counter() - started
    return float(check_scoring(estimator, scoring=scorer)(estimator, features[test], targets[test])), seconds


def _search(estimator: str, position: int, count: int, features: np.ndarray, targets: np.ndarray,
            scorer: str | Callable[..., float], folds: list[tuple[np.ndarray, np.ndarray]],
            settings: SelectionSettings, columns: Columns | None, progress: Progress | None) -> CandidateResult:
    pipeline = build_pipeline(estimator, settings.seed, settings.task, columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "grid smaller than n_iter": fewer draws, reported
        draws = list(ParameterSampler(CANDIDATES[settings.task][estimator].space, n_iter=settings.iterations,
                                      random_state=settings.seed))
    jobs = [(draw, fold) for draw in range(len(draws)) for fold in range(len(folds))]
    scores = np.empty((len(draws), len(folds)))
    fit_times = np.empty((len(draws), len(folds)))
    started = last = time.perf_counter()
    work = (delayed(lambda d, f: (d, f, *_fit_and_score(pipeline, draws[d], features, targets, *folds[f], scorer)))(
        draw, fold) for draw, fold in jobs)
    # Unordered: each fit reports when it ends; its result goes to its own slot, so the table
    # does not depend on the order or the number of parallel fits.
    for done, (draw, fold, score, seconds) in enumerate(
            Parallel(n_jobs=settings.jobs, prefer="threads", return_as="generator_unordered")(work), start=1):
        scores[draw, fold], fit_times[draw, fold] = score, seconds
        now = time.perf_counter()
        if progress and (now - last >= PROGRESS_EVERY or done == len(jobs)):
            last = now
            elapsed = now - started
            left = elapsed / done * (len(jobs) - done)
            progress(f"selection {position + 1}/{count} {estimator}: draw {draw + 1}/{len(draws)} fold {fold + 1}/"
                     f"{len(folds)} done, {done}/{len(jobs)} fits, {elapsed:.0f} s elapsed"
                     + (f", about {left:.0f} s left for this candidate" if done < len(jobs) else ""))
    seconds = time.perf_counter() - started
    means, stds = scores.mean(axis=1), scores.std(axis=1)
    best = int(np.argmax(means))  # the first of equal means, as scikit-learn's searches rank them
    sign = -1.0 if settings.metric in LOWER_IS_BETTER else 1.0  # negated losses back to losses
    return CandidateResult(
        estimator=estimator,
        best_params={key.removeprefix("model__"): _json_value(value) for key, value in draws[best].items()},
        mean=float(sign * means[best]),
        std=float(stds[best]),
        fit_seconds=round(float(fit_times[best].mean()), 4),
        search_seconds=round(seconds, 3),
        draws=len(draws),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)


def choose(results: Sequence[CandidateResult], metric: str, order: Sequence[str] | None = None) -> Choice:
    """The best mean wins, unless a simpler candidate is within one standard deviation (the
    best's, across folds) of it: a difference smaller than the fold-to-fold spread is noise,
    and then the simplest candidate in that band is chosen. `order`: simplest first (default:
    the task's simplicity order the candidates come from)."""
    if order is None:
        names = {r.estimator for r in results}
        order = next(simplicity(task) for task in CANDIDATES if names <= set(CANDIDATES[task]))
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    rank = {name: position for position, name in enumerate(order)}
    best = max(results, key=lambda r: (sign * r.mean, -rank[r.estimator]))  # exact tie: simpler
    bound = best.mean - sign * best.std  # the worst mean still within one std of the best
    band = [r for r in results if sign * r.mean >= sign * bound]
    chosen = min(band, key=lambda r: rank[r.estimator])
    direction = "above" if sign < 0 else "below"
    verdicts = {}
    for r in results:
        if r is chosen and r is best:
            verdicts[r.estimator] = f"chosen: best mean {metric}"
        elif r is chosen:
            verdicts[r.estimator] = f"chosen by the simplicity rule: within 1 std of {best.estimator}, simpler"
        elif r is best:
            verdicts[r.estimator] = f"best mean, but {chosen.estimator} is within 1 std and simpler"
        elif r in band:
            verdicts[r.estimator] = f"within 1 std of the best, but {chosen.estimator} is simpler"
        else:
            verdicts[r.estimator] = f"{abs(r.mean - best.mean):.4f} {direction} the best, more than its std"
    ordered = " < ".join(name for name in order if name in {r.estimator for r in results})
    summary = f"{best.estimator} has the best mean {metric} ({best.mean:.4f} ± {best.std:.4f})"
    if chosen is best:
        reason = summary + (
            "; no simpler candidate is within one standard deviation of it." if rank[chosen.estimator] else
            " and is the simplest candidate."
        )
    else:
        reason = (
            f"{summary}, but {chosen.estimator} ({chosen.mean:.4f}) is within one standard deviation of it, "
            f"so the simpler model was chosen (simplicity order: {ordered})."
        )
    return Choice(best=best.estimator, chosen=chosen.estimator, reason=reason, verdicts=verdicts,
                  band=[r.estimator for r in sorted(band, key=lambda r: rank[r.estimator])])


def table_header(selection: dict[str, Any]) -> tuple[str, ...]:
    metric = f"{selection['metric']} mean ± std"
    return ("candidate", "best parameters", metric, "fit s/fold", "search s", "chosen / why")


def format_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{key}={_short(value)}" for key, value in params.items())


def table_rows(selection: dict[str, Any]) -> list[tuple[str, ...]]:
    """The comparison as text cells, from the JSON form (so the printed table, the manifest and
    the model card always show the same figures)."""
    return [
        (
            c["estimator"],
            format_params(c["best_params"]),
            f"{c['mean']:.4f} ± {c['std']:.4f}",
            f"{c['fit_seconds']:.3f}",
            f"{c['search_seconds']:.1f}",
            c["verdict"],
        )
        for c in selection["candidates"]
    ]


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def cv_description(selection: dict[str, Any]) -> str:
    """e.g. "5-fold stratified CV on the 426 training rows" (manifests from before regression
    and sampling have no task or search_rows: classification on every row)."""
    kind = "stratified " if selection.get("task", "classification") == "classification" else ""
    train, searched = selection["train_rows"], selection.get("search_rows") or selection["train_rows"]
    rows = (f"the {train} training rows" if searched == train
            else f"a seeded sample of {searched} of the {train} training rows")
    return f"{selection['folds']}-fold {kind}CV on {rows}"


def describe(selection: dict[str, Any]) -> list[str]:
    """What training prints. Parameters go on their own line so the table fits a terminal."""
    lines = [
        f"Model selection: {selection['scoring']}, {cv_description(selection)}, {selection['iterations']} draws "
        f"per candidate (seed {selection['seed']})"
    ]
    rows = table_rows(selection)
    columns = [0, 2, 3, 4, 5]
    header = table_header(selection)
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in columns]
    lines.append("  " + "  ".join(header[i].ljust(w) for i, w in zip(columns, widths)).rstrip())
    for row in rows:
        lines.append("  " + "  ".join(row[i].ljust(w) for i, w in zip(columns, widths)).rstrip())
        lines.append("  " + " " * (widths[0] + 2) + row[1])
    lines.append(f"  Chosen: {selection['chosen']}. {selection['reason']}")
    return lines
