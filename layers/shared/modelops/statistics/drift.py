"""Drift of a window against the baseline, computed from profiles alone (numpy only: Lambda layer).

Both sides are `ColumnProfile`s with the same edges, so every test here reads integer count
vectors: no raw reference data is loaded. Every float returned is finite or None (JSON-safe).
"""
import math
from typing import Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from modelops.statistics.profile import ColumnProfile, DatasetProfile, profile_column

Verdict = Literal["ok", "drift", "insufficient_data", "no_reference"]

# Terms of the Kolmogorov series; at the smallest lambda summed (0.2) term 100 is exp(-800) = 0.
_TERMS = np.arange(1, 101, dtype=np.float64)
_SIGNS = np.where(_TERMS % 2 == 1, 1.0, -1.0)


def _proportions(reference_counts: ArrayLike, current_counts: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    reference = np.asarray(reference_counts, dtype=np.float64)
    current = np.asarray(current_counts, dtype=np.float64)
    if reference.ndim != 1 or reference.shape != current.shape:
        raise ValueError("histograms must be 1-D and the same length (same edges)")
    if (reference < 0).any() or (current < 0).any() or reference.sum() == 0 or current.sum() == 0:
        raise ValueError("histograms must be non-negative and not empty")
    return reference / reference.sum(), current / current.sum()


def psi(reference_counts: ArrayLike, current_counts: ArrayLike, epsilon: float = 1e-4) -> float:
    """Population stability index sum((q - p) * ln(q / p)) over all bins given (missing included).

    An empty bin would make ln(q / p) infinite, so its proportion becomes epsilon; both sides are
    then renormalised so they stay distributions, which keeps PSI (a symmetrised KL divergence,
    every term >= 0) finite and non-negative.
    """
    if not epsilon > 0:
        raise ValueError("epsilon must be > 0")
    p, q = _proportions(reference_counts, current_counts)
    p = np.where(p > 0, p, epsilon)
    q = np.where(q > 0, q, epsilon)
    p, q = p / p.sum(), q / q.sum()
    return max(0.0, float(np.sum((q - p) * np.log(q / p))))


def jensen_shannon_distance(reference_counts: ArrayLike, current_counts: ArrayLike) -> float:
    """sqrt of the base-2 Jensen-Shannon divergence: symmetric, bounded in [0, 1], 0 iff equal."""
    p, q = _proportions(reference_counts, current_counts)
    middle = (p + q) / 2

    def divergence_from_middle(side: np.ndarray) -> float:
        # 0 * log(0) = 0: sum over the bins this side occupies only (middle > 0 there too).
        used = side > 0
        return float(np.sum(side[used] * np.log2(side[used] / middle[used])))

    divergence = (divergence_from_middle(p) + divergence_from_middle(q)) / 2
    return math.sqrt(min(1.0, max(0.0, divergence)))  # clamp rounding just outside [0, 1]


def _kolmogorov_sf(x: float) -> float:
    """Q(x) = P(K > x) = 2 * sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2), the Kolmogorov tail."""
    if x < 0.2:
        # The alternating series converges too slowly here, and Q(0.2) = 1 - 5e-13 anyway.
        return 1.0
    value = 2.0 * float(np.sum(_SIGNS * np.exp(-2.0 * _TERMS**2 * x * x)))
    return min(1.0, max(0.0, value))


def binned_ks(reference_counts: ArrayLike, current_counts: ArrayLike) -> tuple[float, float]:
    """Two-sample KS on binned data: (max |CDF_ref - CDF_cur| over the bins, asymptotic p-value).

    Pass the ordered value bins only (`ColumnProfile.value_counts`: underflow .. overflow, no
    missing bin); missing rates are compared separately. The CDFs are only seen at bin edges, so
    the statistic is at most the raw-data one: the test is conservative. The p-value uses the
    effective size n*m/(n+m) with Stephens' small-sample correction of lambda.
    """
    p, q = _proportions(reference_counts, current_counts)
    statistic = min(1.0, float(np.max(np.abs(np.cumsum(p) - np.cumsum(q)))))
    n, m = float(np.sum(reference_counts)), float(np.sum(current_counts))
    root = math.sqrt(n * m / (n + m))
    return statistic, _kolmogorov_sf((root + 0.12 + 0.11 / root) * statistic)


def _missing_rate_p_value(reference: ColumnProfile, current: ColumnProfile) -> float:
    """Two-sided two-proportion z-test of the missing rates (pooled variance)."""
    n1, n2 = reference.total, current.total
    pooled = (reference.missing + current.missing) / (n1 + n2)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return 1.0  # both rates 0 or both 1: nothing differs
    z = abs(reference.missing / n1 - current.missing / n2) / se
    return math.erfc(z / math.sqrt(2.0))


def benjamini_hochberg(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Rejections under the Benjamini-Hochberg step-up procedure (false discovery rate <= alpha)."""
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return []
    order = np.argsort(p, kind="stable")
    passes = p[order] <= alpha * np.arange(1, p.size + 1) / p.size
    # Step-up: reject the k smallest, k the largest rank that passes, even where smaller ranks fail.
    k = int(np.flatnonzero(passes)[-1]) + 1 if passes.any() else 0
    rejected = np.zeros(p.size, dtype=bool)
    rejected[order[:k]] = True
    return rejected.tolist()


class ColumnDrift(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # a NaN verdict would be unreadable JSON

    verdict: Verdict
    count: int  # current finite + missing values: what min_count is compared with
    psi: float | None = None
    js_distance: float | None = None
    ks_statistic: float | None = None
    ks_p_value: float | None = None
    missing_p_value: float | None = None
    p_value: float | None = None  # Bonferroni over the KS and missing-rate tests: one per column
    missing_rate_reference: float | None = None
    missing_rate_current: float | None = None
    non_finite_rate_current: float | None = None
    share_out_of_range: float | None = None  # (underflow + overflow) / current finite values


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _large_effect(result: ColumnDrift, psi_threshold: float, js_threshold: float) -> bool:
    return (result.psi is not None and result.psi >= psi_threshold) or (
        result.js_distance is not None and result.js_distance >= js_threshold
    )


def compare_column(
    reference: ColumnProfile,
    current: ColumnProfile,
    *,
    min_count: int,
    psi_threshold: float,
    js_threshold: float,
    alpha: float,
) -> ColumnDrift:
    """Compare one column's window with its baseline (same edges, else ValueError).

    Drift needs effect size AND significance together:
      effect        psi >= psi_threshold or js_distance >= js_threshold, over the whole histogram
                    (underflow, in-range bins, overflow, missing);
      significance  p_value <= alpha, p_value being the Bonferroni combination of the binned KS
                    test on finite values and the z-test on missing rates.
    A p-value alone flags nearly every feature on a large window (a 0.01-std shift is
    "significant" at a million rows); an effect size alone flags noise on a small one. Requiring
    both flags only shifts that are real and large enough to matter.

    Verdicts and edge cases:
    - "no_reference": the reference saw no rows; only current rates are reported.
    - "insufficient_data": fewer than max(min_count, 1) current finite + missing values; the
      metrics are still reported when computable, but no drift verdict is given.
    - reference all missing (no edges): the histogram reduces to present/missing, there is no KS,
      so only the missing rate is compared.
    - constant reference (edges [c]): bins <c, {c}, >c; any other value is out of range and
      the metrics stay finite.
    - +/-inf: reported as non_finite_rate_current, outside the histogram and the verdict (an
      integrity problem for another check, not a change of distribution).
    """
    if reference.edges != current.edges:
        raise ValueError("reference and current profiles must share bin edges")
    count = current.count + current.missing
    fields: dict[str, float | None] = {
        "missing_rate_current": _rate(current.missing, current.total),
        "non_finite_rate_current": _rate(current.non_finite, current.total),
        "share_out_of_range": _rate(current.underflow + current.overflow, current.count),
    }
    if reference.total == 0:
        return ColumnDrift(verdict="no_reference", count=count, **fields)
    fields["missing_rate_reference"] = reference.missing / reference.total
    if sum(current.counts):
        fields["psi"] = psi(reference.counts, current.counts)
        fields["js_distance"] = jensen_shannon_distance(reference.counts, current.counts)
    if reference.count and current.count:
        fields["ks_statistic"], fields["ks_p_value"] = binned_ks(reference.value_counts, current.value_counts)
    if current.total:
        fields["missing_p_value"] = _missing_rate_p_value(reference, current)
    tests = [p for p in (fields.get("ks_p_value"), fields.get("missing_p_value")) if p is not None]
    fields["p_value"] = min(1.0, len(tests) * min(tests)) if tests else None

    result = ColumnDrift(verdict="ok", count=count, **fields)
    if count < max(min_count, 1):
        return result.model_copy(update={"verdict": "insufficient_data"})
    significant = result.p_value is not None and result.p_value <= alpha
    if significant and _large_effect(result, psi_threshold, js_threshold):
        return result.model_copy(update={"verdict": "drift"})
    return result


class DatasetDrift(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    verdict: Literal["ok", "drift", "insufficient_data"]
    drifted_share: float | None  # drifted / columns with a verdict; None when there are none
    drifted_columns: list[str]
    columns: dict[str, ColumnDrift]


def compare_dataset(
    reference: DatasetProfile,
    current: DatasetProfile,
    *,
    min_count: int,
    psi_threshold: float,
    js_threshold: float,
    alpha: float,
    dataset_share: float = 0.3,
) -> DatasetDrift:
    """Every column through `compare_column`, then one verdict for the dataset.

    With many features, per-column tests at alpha raise false alarms in proportion to the number
    of features, so across the columns that have enough data the per-column significance is
    replaced by Benjamini-Hochberg at alpha over their p-values (false discovery rate <= alpha):
    a column drifts when BH rejects it and its effect is large (same thresholds as
    `compare_column`). The dataset drifts when drifted / eligible columns >= dataset_share, and is
    "insufficient_data" when no column is eligible. A column only in `current` is "no_reference";
    one only in `reference` is compared with an empty window ("insufficient_data").
    """
    # Reference order, then the columns only the window has (shared columns have equal edges,
    # or compare_column raises).
    edges_by_name = {name: column.edges for name, column in {**reference.columns, **current.columns}.items()}
    results: dict[str, ColumnDrift] = {}
    for name, edges in edges_by_name.items():
        empty = profile_column([], edges)
        results[name] = compare_column(
            reference.columns.get(name, empty),
            current.columns.get(name, empty),
            min_count=min_count,
            psi_threshold=psi_threshold,
            js_threshold=js_threshold,
            alpha=alpha,
        )
    eligible = {
        name: result.p_value
        for name, result in results.items()
        if result.verdict in ("ok", "drift") and result.p_value is not None
    }
    rejected = benjamini_hochberg(list(eligible.values()), alpha)
    drifted = [
        name
        for name, reject in zip(eligible, rejected)
        if reject and _large_effect(results[name], psi_threshold, js_threshold)
    ]
    for name in eligible:
        results[name] = results[name].model_copy(update={"verdict": "drift" if name in drifted else "ok"})
    share = len(drifted) / len(eligible) if eligible else None
    verdict: Literal["ok", "drift", "insufficient_data"] = (
        "insufficient_data" if share is None else "drift" if share >= dataset_share else "ok"
    )
    return DatasetDrift(verdict=verdict, drifted_share=share, drifted_columns=drifted, columns=results)
