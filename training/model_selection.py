"""`--estimator auto`: choose the estimator and its settings by evidence.

Each candidate gets a seeded randomized search over its `SEARCH_SPACES` entry, scored by
stratified k-fold cross-validation. `select` is only ever given the training split, so the
held-out rows stay untouched for the final evaluation and the quality gate.

The budget is a number of random draws per candidate, not seconds: a time budget would make the
choice depend on how fast and how busy the machine is, and the same data and seed must always
give the same table and the same choice (the manifest records everything needed to redo it).
"""
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from training.pipeline import SEARCH_SPACES, SIMPLICITY, build_pipeline

AUTO = "auto"
SELECTION_METRICS = ("roc_auc", "log_loss", "f1")
LOWER_IS_BETTER = {"log_loss"}


class SelectionImpossible(ValueError):
    """The training split cannot be cross-validated as asked."""


@dataclass(frozen=True)
class SelectionSettings:
    metric: str = "roc_auc"
    folds: int = 5
    iterations: int = 10  # random draws per candidate
    seed: int = 42


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def chosen_params(self) -> dict[str, Any]:
        return next(c.best_params for c in self.candidates if c.estimator == self.chosen)

    def build(self, estimator: str) -> Pipeline:
        """A candidate's pipeline with its best parameters, not yet fitted."""
        params = next(c.best_params for c in self.candidates if c.estimator == estimator)
        return build_pipeline(estimator, self.seed).set_params(**{f"model__{key}": value for key, value in params.items()})

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
           candidates: Sequence[str] = SIMPLICITY) -> Selection:
    """Search every candidate on (features, labels), the training split, and choose one."""
    targets = np.asarray(list(labels))  # object labels -> int or str array, as scikit-learn sorts them
    classes = np.unique(targets)
    _check(targets, classes, settings)
    scorer, scoring = scoring_for(settings.metric, classes)
    # An int random_state gives the same shuffled folds on every split() call: all candidates
    # are scored on the very same rows, so their means and standard deviations are comparable.
    folds = StratifiedKFold(settings.folds, shuffle=True, random_state=settings.seed)
    # One native thread per fit. Selection fits many small models, where thread start-up and
    # synchronization cost more than they save, and far more on a busy machine: on the bundled
    # data, on 2 CPUs at a load average of about 2, hist_gradient_boosting's search took 82 s
    # with OpenMP's default threads and 3.7 s with one (same scores).
    with threadpool_limits(limits=1):
        results = [_search(name, features, targets, scorer, folds, settings) for name in candidates]
    choice = choose(results, settings.metric)
    return Selection(
        metric=settings.metric, scoring=scoring, folds=settings.folds, iterations=settings.iterations,
        seed=settings.seed, train_rows=len(targets),
        candidates=[replace(result, verdict=choice.verdicts[result.estimator]) for result in results],
        best=choice.best, chosen=choice.chosen, reason=choice.reason, band=choice.band,
    )


def _check(targets: np.ndarray, classes: np.ndarray, settings: SelectionSettings) -> None:
    if settings.metric not in SELECTION_METRICS:
        raise SelectionImpossible(
            f"Unknown selection metric {settings.metric!r}; choose one of {', '.join(SELECTION_METRICS)}."
        )
    if settings.folds < 2 or settings.iterations < 1:
        raise SelectionImpossible("Model selection needs at least 2 folds and 1 draw per candidate.")
    smallest = min(int(np.sum(targets == label)) for label in classes)
    if smallest < settings.folds:
        # Stratified folds need every class in every fold, or a fold's metric is undefined.
        raise SelectionImpossible(
            f"The smallest class has {smallest} rows in the training split, fewer than the "
            f"{settings.folds} folds: use --cv-folds {max(smallest, 2)} or less, or name an --estimator."
        )


def scoring_for(metric: str, classes: np.ndarray) -> tuple[str | Callable[..., float], str]:
    """scikit-learn's scorer for `metric`, and its name for the table. More than two classes:
    macro one-vs-rest AUC and macro F1, the variants the held-out evaluation reports."""
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


def _search(estimator: str, features: np.ndarray, targets: np.ndarray, scorer: str | Callable[..., float],
            folds: StratifiedKFold, settings: SelectionSettings) -> CandidateResult:
    search = RandomizedSearchCV(
        build_pipeline(estimator, settings.seed), SEARCH_SPACES[estimator], n_iter=settings.iterations,
        scoring=scorer, cv=folds, random_state=settings.seed,
        refit=False,  # training refits only the chosen candidate, on the whole training split
        error_score="raise",  # a failing fit is a data problem to report, not a score to hide
    )
    started = time.perf_counter()
    search.fit(features, targets)
    seconds = time.perf_counter() - started
    table, best = search.cv_results_, search.best_index_
    sign = -1.0 if settings.metric in LOWER_IS_BETTER else 1.0  # neg_log_loss back to a loss
    return CandidateResult(
        estimator=estimator,
        best_params={key.removeprefix("model__"): _json_value(value) for key, value in table["params"][best].items()},
        mean=float(sign * table["mean_test_score"][best]),
        std=float(table["std_test_score"][best]),
        fit_seconds=round(float(table["mean_fit_time"][best]), 4),
        search_seconds=round(seconds, 3),
        draws=len(table["params"]),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)


def choose(results: Sequence[CandidateResult], metric: str) -> Choice:
    """The best mean wins, unless a simpler candidate is within one standard deviation (the
    best's, across folds) of it: a difference smaller than the fold-to-fold spread is noise,
    and then the simplest candidate in that band is chosen."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    rank = {name: position for position, name in enumerate(SIMPLICITY)}
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
    order = " < ".join(name for name in SIMPLICITY if name in {r.estimator for r in results})
    summary = f"{best.estimator} has the best mean {metric} ({best.mean:.4f} ± {best.std:.4f})"
    if chosen is best:
        reason = summary + (
            "; no simpler candidate is within one standard deviation of it." if rank[chosen.estimator] else
            " and is the simplest candidate."
        )
    else:
        reason = (
            f"{summary}, but {chosen.estimator} ({chosen.mean:.4f}) is within one standard deviation of it, "
            f"so the simpler model was chosen (simplicity order: {order})."
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


def describe(selection: dict[str, Any]) -> list[str]:
    """What training prints. Parameters go on their own line so the table fits a terminal."""
    lines = [
        f"Model selection: {selection['scoring']}, {selection['folds']}-fold stratified CV on the "
        f"{selection['train_rows']} training rows, {selection['iterations']} draws per candidate "
        f"(seed {selection['seed']})"
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
