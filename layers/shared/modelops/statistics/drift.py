"""Drift of a window against the baseline, computed from profiles alone (numpy only: Lambda layer).

Both sides are `ColumnProfile`s with the same edges (numeric columns) or `CategoryProfile`s with
the same categories (categorical columns), so every test here reads integer count vectors: no raw
reference data is loaded. Every float returned is finite or None (JSON-safe).
"""
import math
from typing import Literal, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from modelops.statistics.categories import CategoryProfile
from modelops.statistics.chi_squared import chi_squared_sf
from modelops.statistics.profile import ColumnProfile, DatasetProfile, profile_column, std

Verdict = Literal["ok", "drift", "insufficient_data", "no_reference"]
Change = Literal["distribution", "missing_rate"]
# The test behind a column's distribution p-value: the binned KS test (numeric columns) or
# Pearson's chi-squared test of homogeneity (categorical columns: categories have no order, so
# there is no CDF for KS to compare).
DistributionTest = Literal["binned_ks", "chi_squared"]

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


def normalised_wasserstein(reference: ColumnProfile, current: ColumnProfile) -> float | None:
    """Wasserstein-1 distance between the two binned distributions of present values, over the
    reference range, in reference standard deviations: how far, on average, values moved.

    A mean shift of d sd gives d; scaling the spread by s gives about 0.8 * |s - 1| (for a normal
    distribution, W1 = |sd1 - sd2| * sqrt(2 / pi)), so it sees location and scale alike, unlike
    PSI or Jensen-Shannon on quantile bins, which barely move when the spread changes. Computed
    from the histograms alone: the CDFs are known at the edges and taken as linear inside a bin
    (values spread evenly in it), and |F_ref - F_cur| is integrated exactly between edges. Mass
    beyond the reference range adds nothing here (it has no width to measure); the out-of-range
    share reports it. None without a spread to measure by: fewer than two edges, or a constant
    reference (then PSI and JS decide).
    """
    scale = std(reference)
    if len(reference.edges) < 2 or not scale or reference.count == 0 or current.count == 0:
        return None
    edges = np.asarray(reference.edges, dtype=np.float64)
    k = edges.size
    p, q = _proportions(reference.value_counts, current.value_counts)
    # cumsum[i] = share below edges[i] (underflow + bins 1..i) for i < k.
    gap = (np.cumsum(p) - np.cumsum(q))[:k]
    left, right, width = gap[:-1], gap[1:], np.diff(edges)
    same_sign = left * right >= 0
    magnitude = np.abs(left) + np.abs(right)
    # Integral of |linear| over a bin: a trapezoid, or two triangles when the sign changes.
    crossing = np.divide(left**2 + right**2, 2 * magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
    area = np.where(same_sign, magnitude / 2, crossing) * width
    return float(area.sum() / scale)


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


def chi_squared_homogeneity(reference_counts: ArrayLike, current_counts: ArrayLike) -> tuple[float, int, float | None]:
    """Pearson's chi-squared test that both count vectors come from one distribution: the 2 x k
    contingency table (reference, current) x categories, categories empty on both sides dropped
    (they carry no information and their expected count would be 0). Returns (statistic, degrees
    of freedom k - 1, p-value); as scipy.stats.chi2_contingency(table, correction=False). With
    one category left there is nothing to compare: (0.0, 0, None), no p-value of 1 diluting
    Benjamini-Hochberg. The p-value is asymptotic, like KS's here: close when few expected counts
    are tiny, optimistic with many rare categories in a small window (docs/monitoring.md gives a
    measured rate), where the effect threshold and min_count bound the false alarms.
    """
    _proportions(reference_counts, current_counts)  # the same shape and emptiness checks as PSI and JS
    table = np.vstack([np.asarray(reference_counts, dtype=np.float64), np.asarray(current_counts, dtype=np.float64)])
    table = table[:, table.sum(axis=0) > 0]
    df = table.shape[1] - 1
    if df == 0:
        return 0.0, 0, None
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    return statistic, df, chi_squared_sf(statistic, df)


def unseen_share(reference: CategoryProfile, current: CategoryProfile) -> float | None:
    """How much more of the window's present values fall outside the tracked categories than
    training's did: current `other` share minus the reference's (training's own `other` holds
    only the categories beyond the tracked ones, so the difference is what is new). None when
    either side has no present value."""
    if not reference.present or not current.present:
        return None
    return current.other / current.present - reference.other / reference.present


def _missing_rate_p_value(reference: ColumnProfile | CategoryProfile,
                          current: ColumnProfile | CategoryProfile) -> float | None:
    """Two-sided two-proportion z-test of the missing rates (pooled variance); None when no row
    on either side is missing, or every row is (nothing to compare, and a p-value of 1 would
    only cost the other tests power in Benjamini-Hochberg)."""
    n1, n2 = reference.total, current.total
    pooled = (reference.missing + current.missing) / (n1 + n2)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return None
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


class DriftThresholds(BaseModel):
    """The rule's numbers (their defaults and meaning live in modelops.monitoring.settings)."""
    model_config = ConfigDict(frozen=True)

    min_count: int
    wasserstein: float
    psi: float
    js_distance: float
    alpha: float
    dataset_share: float = 0.3


class ColumnDrift(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # a NaN verdict would be unreadable JSON

    verdict: Verdict
    count: int  # current finite + missing values: what min_count is compared with
    changes: list[Change] = []  # what drifted: the present values' distribution, the missing rate
    # Distribution of present (finite) values, missing rows left out so they cannot dilute it.
    wasserstein: float | None = None  # normalised_wasserstein: reference sds
    psi: float | None = None
    js_distance: float | None = None
    ks_statistic: float | None = None
    ks_p_value: float | None = None
    # Missing rate, tested on its own: PSI of (present, missing) shares and a z-test.
    missing_rate_reference: float | None = None
    missing_rate_current: float | None = None
    missing_psi: float | None = None
    missing_p_value: float | None = None
    non_finite_rate_current: float | None = None
    share_out_of_range: float | None = None  # (underflow + overflow) / current finite values
    # Which test the distribution's p-value is from; the numeric fields above (wasserstein, KS,
    # out of range) stay None for a categorical column, the chi-squared ones for a numeric one.
    distribution_test: DistributionTest = "binned_ks"
    chi_squared_statistic: float | None = None
    chi_squared_df: int | None = None
    chi_squared_p_value: float | None = None
    # Categorical: share of present values in no tracked category (`CategoryProfile.other`).
    other_share_reference: float | None = None
    other_share_current: float | None = None

    @property
    def distribution_p_value(self) -> float | None:
        """The p-value of the distribution test named by `distribution_test`."""
        return self.chi_squared_p_value if self.distribution_test == "chi_squared" else self.ks_p_value


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _large_distribution_change(result: ColumnDrift, rule: DriftThresholds) -> bool:
    if result.distribution_test == "chi_squared":
        # Categorical: the JS distance alone. It is bounded and needs no epsilon for a category
        # one side never had, where PSI's value depends on the epsilon chosen (PSI is reported).
        return result.js_distance is not None and result.js_distance >= rule.js_distance
    return ((result.wasserstein is not None and result.wasserstein >= rule.wasserstein)
            or (result.psi is not None and result.psi >= rule.psi)
            or (result.js_distance is not None and result.js_distance >= rule.js_distance))


def _large_missing_change(result: ColumnDrift, rule: DriftThresholds) -> bool:
    return result.missing_psi is not None and result.missing_psi >= rule.psi


def _measure_column(reference: ColumnProfile, current: ColumnProfile) -> ColumnDrift:
    """Every figure of `compare_column`, verdict "ok" until the rule is applied."""
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
    if reference.count and current.count:
        fields["psi"] = psi(reference.value_counts, current.value_counts)
        fields["js_distance"] = jensen_shannon_distance(reference.value_counts, current.value_counts)
        fields["ks_statistic"], fields["ks_p_value"] = binned_ks(reference.value_counts, current.value_counts)
        fields["wasserstein"] = normalised_wasserstein(reference, current)
    if count and reference.count + reference.missing:
        shares = ([reference.count, reference.missing], [current.count, current.missing])
        fields["missing_psi"] = psi(*shares)
        fields["missing_p_value"] = _missing_rate_p_value(reference, current)
    verdict: Verdict = "ok" if count else "insufficient_data"
    return ColumnDrift(verdict=verdict, count=count, **fields)


def _decide(results: dict[str, ColumnDrift], rule: DriftThresholds) -> dict[str, ColumnDrift]:
    """Apply the rule to measured columns: Benjamini-Hochberg over every test of every column with
    enough data (one per column for the distribution, one for the missing rate), and a change
    counts when its test is rejected and its effect is large."""
    eligible = {name for name, result in results.items()
                if result.verdict == "ok" and result.count >= max(rule.min_count, 1)}
    tests = [(name, change, p) for name in eligible for change, p in
             (("distribution", results[name].distribution_p_value), ("missing_rate", results[name].missing_p_value))
             if p is not None]
    rejected = benjamini_hochberg([p for _, _, p in tests], rule.alpha)
    large = {"distribution": _large_distribution_change, "missing_rate": _large_missing_change}
    changes: dict[str, list[Change]] = {name: [] for name in eligible}
    for (name, change, _), reject in zip(tests, rejected):
        if reject and large[change](results[name], rule):
            changes[name].append(change)  # type: ignore[arg-type]
    decided = {}
    for name, result in results.items():
        if name in eligible:
            found = sorted(changes[name])
            decided[name] = result.model_copy(update={"verdict": "drift" if found else "ok", "changes": found})
        elif result.verdict == "ok":  # measured, but too few values to call anything a change
            decided[name] = result.model_copy(update={"verdict": "insufficient_data"})
        else:
            decided[name] = result
    return decided


def compare_column(reference: ColumnProfile, current: ColumnProfile, rule: DriftThresholds) -> ColumnDrift:
    """Compare one column's window with its baseline (same edges, else ValueError).

    Two changes are tested apart, so neither can hide the other (30% missing values used to
    dilute a shift of the rest into PSI noise):
      distribution  of present values: drift when the binned KS test rejects (p <= alpha, after
                    Benjamini-Hochberg) AND the effect is large: normalised Wasserstein distance
                    >= rule.wasserstein (location and scale) or PSI >= rule.psi or JS distance
                    >= rule.js_distance (any reshuffling of mass between bins);
      missing_rate  drift when the z-test of the missing rates rejects AND PSI of the
                    (present, missing) shares >= rule.psi.
    A p-value alone flags nearly every feature on a large window (a 0.01-std shift is
    "significant" at a million rows); an effect size alone flags noise on a small one. Requiring
    both flags only shifts that are real and large enough to matter.

    Verdicts and edge cases:
    - "no_reference": the reference saw no rows; only current rates are reported.
    - "insufficient_data": fewer than max(min_count, 1) current finite + missing values; the
      metrics are still reported when computable, but no drift verdict is given.
    - reference all missing (no edges): no distribution to compare, only the missing rate.
    - constant reference (edges [c]): bins <c, {c}, >c; any other value is out of range, PSI and
      JS see it (no Wasserstein: no spread to measure by) and the metrics stay finite.
    - +/-inf: reported as non_finite_rate_current, outside the histogram and the verdict (the
      report's data-quality check owns it).
    """
    return _decide({"column": _measure_column(reference, current)}, rule)["column"]


def _measure_categories(reference: CategoryProfile, current: CategoryProfile) -> ColumnDrift:
    """Every figure of `compare_categories`, verdict "ok" until the rule is applied."""
    if reference.categories != current.categories:
        raise ValueError("reference and current profiles must track the same categories")
    count = current.total
    fields: dict[str, float | int | None] = {
        "missing_rate_current": _rate(current.missing, current.total),
        "other_share_current": _rate(current.other, current.present),
    }
    if reference.total == 0:
        return ColumnDrift(verdict="no_reference", count=count, distribution_test="chi_squared", **fields)
    fields["missing_rate_reference"] = reference.missing / reference.total
    fields["other_share_reference"] = _rate(reference.other, reference.present)
    if reference.present and current.present:
        fields["psi"] = psi(reference.value_counts, current.value_counts)
        fields["js_distance"] = jensen_shannon_distance(reference.value_counts, current.value_counts)
        (fields["chi_squared_statistic"], fields["chi_squared_df"],
         fields["chi_squared_p_value"]) = chi_squared_homogeneity(reference.value_counts, current.value_counts)
    if count:
        shares = ([reference.present, reference.missing], [current.present, current.missing])
        fields["missing_psi"] = psi(*shares)
        fields["missing_p_value"] = _missing_rate_p_value(reference, current)
    verdict: Verdict = "ok" if count else "insufficient_data"
    return ColumnDrift(verdict=verdict, count=count, distribution_test="chi_squared", **fields)


def compare_categories(reference: CategoryProfile, current: CategoryProfile, rule: DriftThresholds) -> ColumnDrift:
    """Compare one categorical column's window with its baseline (same categories, else
    ValueError), by the same rule as `compare_column`, with the tests categories allow:
      distribution  of present values over the tracked categories and `other` (a category training
                    never saw lands there, so it shifts this distribution too): drift when
                    Pearson's chi-squared test of homogeneity rejects (p <= alpha, after
                    Benjamini-Hochberg) AND the JS distance >= rule.js_distance; PSI is reported;
      missing_rate  as for a numeric column: the z-test AND PSI of the (present, missing) shares.
    `other_share_*` are reported for an unseen-category check (`unseen_share`). Verdicts as in
    `compare_column`: "no_reference" when the reference saw no rows, "insufficient_data" below
    max(min_count, 1) current rows (present + missing).
    """
    return _decide({"column": _measure_categories(reference, current)}, rule)["column"]


def _empty_like(profile: CategoryProfile) -> CategoryProfile:
    return CategoryProfile(categories=profile.categories, counts=[0] * len(profile.categories))


def _measure_all_categories(reference: Mapping[str, CategoryProfile],
                            current: Mapping[str, CategoryProfile]) -> dict[str, ColumnDrift]:
    """As compare_dataset does for numeric columns: a column only in `current` has no reference,
    one only in `reference` is compared with an empty window."""
    measured = {}
    for name in {**reference, **current}:
        reference_profile = reference[name] if name in reference else _empty_like(current[name])
        current_profile = current[name] if name in current else _empty_like(reference_profile)
        measured[name] = _measure_categories(reference_profile, current_profile)
    return measured


class DatasetDrift(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    verdict: Literal["ok", "drift", "insufficient_data"]
    drifted_share: float | None  # drifted / columns with a verdict; None when there are none
    drifted_columns: list[str]
    columns: dict[str, ColumnDrift]


def compare_dataset(reference: DatasetProfile, current: DatasetProfile, rule: DriftThresholds, *,
                    reference_categories: Mapping[str, CategoryProfile] | None = None,
                    current_categories: Mapping[str, CategoryProfile] | None = None) -> DatasetDrift:
    """Every column measured as in `compare_column`, then one verdict for the dataset.

    With many features, tests at alpha each raise false alarms in proportion to the number of
    tests, so Benjamini-Hochberg runs at alpha over all of them together (false discovery rate <=
    alpha). The dataset drifts when drifted / eligible columns >= rule.dataset_share, and is
    "insufficient_data" when no column is eligible. A column only in `current` is "no_reference";
    one only in `reference` is compared with an empty window ("insufficient_data").

    Categorical columns (`Baseline.categories` and the window's profiles of them), when given,
    are measured as in `compare_categories` and join the numeric ones in the same
    Benjamini-Hochberg procedure and the same drifted share, after them in the result.
    """
    # Reference order, then the columns only the window has (shared columns have equal edges,
    # or _measure_column raises).
    edges_by_name = {name: column.edges for name, column in {**reference.columns, **current.columns}.items()}
    measured = {}
    for name, edges in edges_by_name.items():
        empty = profile_column([], edges)
        measured[name] = _measure_column(reference.columns.get(name, empty), current.columns.get(name, empty))
    categorical = _measure_all_categories(reference_categories or {}, current_categories or {})
    if categorical.keys() & measured.keys():
        raise ValueError(f"columns both numeric and categorical: {sorted(categorical.keys() & measured.keys())}")
    measured.update(categorical)
    results = _decide(measured, rule)
    eligible = [name for name, result in results.items() if result.verdict in ("ok", "drift")]
    drifted = [name for name in eligible if results[name].verdict == "drift"]
    share = len(drifted) / len(eligible) if eligible else None
    verdict: Literal["ok", "drift", "insufficient_data"] = (
        "insufficient_data" if share is None else "drift" if share >= rule.dataset_share else "ok"
    )
    return DatasetDrift(verdict=verdict, drifted_share=share, drifted_columns=drifted, columns=results)
