"""Mergeable per-column profiles: bins fixed on the reference, integer counts and moments.

Training profiles the reference once and ships it with the model; each monitoring run profiles
its window with the same edges. Merging is adding counts and combining moments (Chan et al.),
so a day or a week is the merge of its windows: raw data is read once and memory does not grow
with volume. numpy only, because this runs in the Lambda layer.

Histogram layout, for k = len(edges) (strictly increasing; edges[0] is the reference minimum,
edges[-1] the reference maximum, see `fit_bin_edges`):

    counts[0]      underflow   x < edges[0]
    counts[i]      in range    edges[i-1] <= x < edges[i]        for i = 1 .. k-1
    counts[k]      in range    x == edges[-1]                    (the reference maximum)
    counts[k + 1]  overflow    x > edges[-1]
    counts[k + 2]  missing     NaN or None

so len(counts) == k + 3. The top in-range bin is the single point edges[-1] so that the
reference maximum is in range and a discrete column keeps its top value apart; a constant
column gets edges [c] and the one bin {c}. With no edges (the reference had no finite value) the
layout is [underflow, overflow, missing] and every finite value counts as underflow: there is no
range to be inside.

Value atoms: a value that holds a large share of the reference (a dominant 0, the levels of a
discrete feature) also gets the edge just above it (`np.nextafter`), so it has a bin of its own,
the single point [a, nextafter(a)) = {a}. Quantile edges alone put such a value in one wide bin with
its neighbours, and a shift of it that stays inside that bin changed no count at all (a 0.5 sd
shift of a 95%-constant feature gave PSI 0 and KS p 1). A 0/1 column gets edges
[0, nextafter(0), 1] and bins {0}, (0, 1) and {1}: a 0.5 that was never seen lands in a bin of
its own too.

+inf/-inf are neither values nor missing: they are counted in `non_finite`, outside the
histogram and the moments. A finite value, however large, is a value: it lands in the histogram
(in the underflow or overflow bin, so 1e150 is "out of range", which it is), in `count`, `min` and
`max`. Only its contribution to the mean and m2 is clipped to +/-MAX_MAGNITUDE: the square or a sum
of a few values near 1e308 overflows float64, and a mean or m2 of inf cannot be stored. Clipping
is per value, so merged windows still equal the profile of their union.
"""
import math
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, model_validator

# Far beyond any measurement, and small enough that m2 of a billion values stays finite (< 1e210).
MAX_MAGNITUDE = 1e100
# A value holding at least this share of the reference's finite values (and ATOM_MIN_COUNT of
# them, so one repeat in a small sample is not an atom) gets a bin of its own; at most MAX_ATOMS,
# the most frequent, so a discrete feature with many levels cannot make the profile large.
# Extra cuts in each tail, beyond the 1/bins quantiles: the outer deciles of a normal column span
# 2.6 sd each, and a change of spread moves mass mostly there. Finer tail edges let the CDF-based
# measures (KS, Wasserstein) see it: the binned Wasserstein distance is within ~3% of scipy's on
# the raw values with them, ~30% over without (tests/unit/modelops/statistics/test_drift.py).
TAIL_QUANTILES = (0.001, 0.01, 0.05)
ATOM_SHARE = 0.02
ATOM_MIN_COUNT = 5
MAX_ATOMS = 20


class ColumnProfile(BaseModel):
    # NaN and inf are not JSON: refuse them when a profile is built instead of emitting them.
    model_config = ConfigDict(allow_inf_nan=False)

    edges: list[float]
    counts: list[int]  # layout in the module docstring
    non_finite: int = 0  # +/-inf: neither a value nor missing
    # Moments of the finite values (mean and m2 of values clipped to +/-MAX_MAGNITUDE, see the
    # module docstring); mean, m2 (sum of squared deviations), min, max are None when count == 0.
    count: int = 0
    mean: float | None = None
    m2: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ColumnProfile":
        if len(self.counts) != len(self.edges) + 3:
            raise ValueError("counts must have len(edges) + 3 entries")
        if any(upper <= lower for lower, upper in zip(self.edges, self.edges[1:])):
            raise ValueError("edges must be strictly increasing")
        if min(self.counts) < 0 or self.non_finite < 0:
            raise ValueError("counts must be non-negative")
        if sum(self.value_counts) != self.count:
            raise ValueError("count must equal the finite values in the histogram")
        if any((moment is None) != (self.count == 0) for moment in (self.mean, self.m2, self.min, self.max)):
            raise ValueError("mean, m2, min and max are None exactly when count == 0")
        return self

    @property
    def value_counts(self) -> list[int]:
        """The ordered bins underflow .. overflow, without the missing bin."""
        return self.counts[:-1]

    @property
    def underflow(self) -> int:
        return self.counts[0]

    @property
    def overflow(self) -> int:
        return self.counts[-2]

    @property
    def missing(self) -> int:
        return self.counts[-1]

    @property
    def total(self) -> int:
        """Every row seen: finite, missing and non-finite."""
        return sum(self.counts) + self.non_finite


def fit_bin_edges(values: ArrayLike, bins: int = 10) -> list[float]:
    """Edges at the 0, 1/bins, ..., 1 quantiles of the finite values and at TAIL_QUANTILES from
    either end, plus a point bin for each value atom (module docstring), duplicates removed.

    The outer edges are the reference min and max, so underflow/overflow mean "outside the
    reference range". A constant column gets one edge; no finite value gives []. method="lower"
    keeps edges on observed values, so a discrete column is cut between its values rather than
    inside them.
    """
    if bins < 1:
        raise ValueError("bins must be >= 1")
    data = np.asarray(values, dtype=np.float64).ravel()
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return []
    tails = np.asarray(TAIL_QUANTILES)
    levels = np.unique(np.concatenate([np.linspace(0.0, 1.0, bins + 1), tails, 1.0 - tails]))
    cuts = np.quantile(finite, levels, method="lower")
    distinct, counts = np.unique(finite, return_counts=True)
    heavy = np.flatnonzero((counts >= ATOM_SHARE * finite.size) & (counts >= ATOM_MIN_COUNT))
    atoms = distinct[heavy[np.argsort(-counts[heavy], kind="stable")][:MAX_ATOMS]]
    # The maximum already has the point bin {edges[-1]}; an edge above it would move the top of
    # the reference range.
    above = np.nextafter(atoms[atoms < finite.max()], np.inf)
    return [float(edge) for edge in np.unique(np.concatenate([cuts, atoms, above]))]


def profile_column(values: ArrayLike, edges: Sequence[float]) -> ColumnProfile:
    """Histogram (layout in the module docstring) and moments of one column; None counts as NaN."""
    data = np.asarray(values, dtype=np.float64).ravel()  # None -> NaN
    cuts = np.asarray(edges, dtype=np.float64)
    finite = data[np.isfinite(data)]
    # side="right": a value equal to an edge belongs to the bin that starts at that edge.
    slots = np.searchsorted(cuts, finite, side="right")
    if cuts.size:
        slots[finite > cuts[-1]] += 1  # past the point bin {max}: overflow
    histogram = np.bincount(slots, minlength=cuts.size + 2).tolist()
    moments: dict[str, float | None] = {}
    if finite.size:
        clipped = np.clip(finite, -MAX_MAGNITUDE, MAX_MAGNITUDE)  # why: module docstring
        mean = float(clipped.mean())
        # Two passes (mean, then deviations) instead of sum of squares: no cancellation.
        moments = {"mean": mean, "m2": float(np.square(clipped - mean).sum()),
                   "min": float(finite.min()), "max": float(finite.max())}
    return ColumnProfile(
        edges=[float(edge) for edge in cuts],
        counts=histogram + [int(np.isnan(data).sum())],
        non_finite=int(np.isinf(data).sum()),
        count=int(finite.size),
        **moments,
    )


def _moments(profile: ColumnProfile) -> tuple[float, float, float, float]:
    # Called only when count > 0, where the validator guarantees all four are floats.
    if profile.mean is None or profile.m2 is None or profile.min is None or profile.max is None:
        raise ValueError("profile has no finite values")
    return profile.mean, profile.m2, profile.min, profile.max


def merge(a: ColumnProfile, b: ColumnProfile) -> ColumnProfile:
    """The profile of both windows together; same edges required (else counts mean different things)."""
    if a.edges != b.edges:
        raise ValueError("profiles with different bin edges cannot be merged")
    count = a.count + b.count
    if a.count == 0 or b.count == 0:
        only = b if a.count == 0 else a
        moments: dict[str, float | None] = {"mean": only.mean, "m2": only.m2, "min": only.min, "max": only.max}
    else:
        a_mean, a_m2, a_min, a_max = _moments(a)
        b_mean, b_m2, b_min, b_max = _moments(b)
        # Chan et al.'s parallel update: exact in exact arithmetic, and stable because it adds
        # non-negative terms (no difference of large sums).
        delta = b_mean - a_mean
        moments = {
            "mean": a_mean + delta * (b.count / count),
            "m2": a_m2 + b_m2 + delta * delta * (a.count * b.count / count),
            "min": min(a_min, b_min),
            "max": max(a_max, b_max),
        }
    return ColumnProfile(
        edges=a.edges,
        counts=[x + y for x, y in zip(a.counts, b.counts)],
        non_finite=a.non_finite + b.non_finite,
        count=count,
        **moments,
    )


def variance(profile: ColumnProfile) -> float | None:
    """Sample variance (ddof=1) of the finite values; None below two values."""
    if profile.count < 2 or profile.m2 is None:
        return None
    return profile.m2 / (profile.count - 1)


def std(profile: ColumnProfile) -> float | None:
    value = variance(profile)
    return None if value is None else math.sqrt(value)


class DatasetProfile(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    columns: dict[str, ColumnProfile]
    rows: int = 0

    @model_validator(mode="after")
    def _same_rows(self) -> "DatasetProfile":
        # Every column sees every row (as a value, missing or non-finite).
        if any(column.total != self.rows for column in self.columns.values()):
            raise ValueError("every column must account for every row")
        return self

    def profile_like(self, matrix: ArrayLike) -> "DatasetProfile":
        """Profile of a rows x columns matrix with this profile's columns and bin edges: what a
        window is compared and merged with."""
        return profile_matrix(matrix, list(self.columns), {name: column.edges for name, column in self.columns.items()})

    def merge(self, other: "DatasetProfile") -> "DatasetProfile":
        if self.columns.keys() != other.columns.keys():
            raise ValueError("dataset profiles with different columns cannot be merged")
        return DatasetProfile(
            columns={name: merge(column, other.columns[name]) for name, column in self.columns.items()},
            rows=self.rows + other.rows,
        )


def profile_matrix(matrix: ArrayLike, names: Sequence[str], edges_by_name: dict[str, list[float]]) -> DatasetProfile:
    """Profile each column of a rows x features matrix with its own edges."""
    data = np.asarray(matrix, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != len(names) or len(set(names)) != len(names):
        raise ValueError("matrix must be 2-D with one column per (distinct) name")
    return DatasetProfile(
        columns={name: profile_column(data[:, index], edges_by_name[name]) for index, name in enumerate(names)},
        rows=data.shape[0],
    )
