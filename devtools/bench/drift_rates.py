"""How often the monitor's drift rule fires, by kind and size of change and by window size.

    python -m devtools.bench.drift_rates            # the table in docs/monitoring.md

Every repetition draws a fresh training sample (REFERENCE_ROWS, profiled with the baseline's
edges as training does) and a fresh window, and runs the rule the monitor runs
(statistics.drift.compare_column with the default thresholds of monitoring.settings). A cell is
the share of windows whose verdict is "drift"; the "no shift" row is the false-alarm rate per
window and feature. Beside it, scipy's two-sample KS test on the raw values at the same alpha: a
p-value alone, which flags everything at large n, effect or not. Seeded: the same table every run.
"""
import argparse
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import stats

from modelops.monitoring.settings import Thresholds
from modelops.statistics.drift import compare_column
from modelops.statistics.profile import fit_bin_edges, profile_column
from training.baseline import BINS

REFERENCE_ROWS = 10_000
SIZES = (1_000, 10_000, 100_000)
REPETITIONS = {1_000: 500, 10_000: 500, 100_000: 100}  # fewer at 100k: each window costs 100x more
SEED = 20261204

Draw = Callable[[np.random.Generator, int], np.ndarray]


def _normal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.normal(size=n)


def _near_constant(rng: np.random.Generator, n: int) -> np.ndarray:
    """95% of rows one value (0), the rest standard normal: sd = sqrt(0.05)."""
    return np.where(rng.random(n) < 0.95, 0.0, rng.normal(size=n))


def _with_missing(rng: np.random.Generator, n: int) -> np.ndarray:
    """Standard normal with 30% of the values missing (in training and in the window alike)."""
    values = rng.normal(size=n)
    values[rng.random(n) < 0.3] = np.nan
    return values


@dataclass(frozen=True)
class Scenario:
    name: str
    reference: Draw
    shift_sd: float = 0.0  # added to the window, in the reference distribution's sds
    scale: float = 1.0  # window values multiplied by this: variance x scale**2

    def window(self, rng: np.random.Generator, n: int, sd: float) -> np.ndarray:
        return self.reference(rng, n) * self.scale + self.shift_sd * sd


SCENARIOS = (
    Scenario("no shift (false alarms)", _normal),
    Scenario("mean +0.25 sd", _normal, shift_sd=0.25),
    Scenario("mean +0.5 sd", _normal, shift_sd=0.5),
    Scenario("mean +1 sd", _normal, shift_sd=1.0),
    Scenario("variance x1.5", _normal, scale=1.5**0.5),
    Scenario("variance x2", _normal, scale=2.0**0.5),
    Scenario("95% one value: no shift", _near_constant),
    Scenario("95% one value: mean +0.5 sd", _near_constant, shift_sd=0.5),
    Scenario("30% missing: no shift", _with_missing),
    Scenario("30% missing: mean +0.25 sd", _with_missing, shift_sd=0.25),
)


def rates(scenario: Scenario, size: int, repetitions: int, seed: int) -> tuple[float, float]:
    """(share of windows the monitor calls drift, share where scipy's KS p <= alpha)."""
    rule, rng = Thresholds().drift_rule(), np.random.default_rng(seed)
    monitor = scipy_ks = 0
    for _ in range(repetitions):
        training = scenario.reference(rng, REFERENCE_ROWS)
        edges = fit_bin_edges(training, BINS)
        window = scenario.window(rng, size, float(np.nanstd(training)))
        monitor += compare_column(profile_column(training, edges), profile_column(window, edges), rule).verdict == "drift"
        present = window[~np.isnan(window)], training[~np.isnan(training)]
        scipy_ks += stats.ks_2samp(*present, method="asymp").pvalue <= rule.alpha
    return monitor / repetitions, scipy_ks / repetitions


def table(sizes: tuple[int, ...] = SIZES, scale_repetitions: float = 1.0) -> Iterator[str]:
    """The Markdown table, a line at a time (a row takes a while)."""
    repetitions = {size: max(10, int(REPETITIONS[size] * scale_repetitions)) for size in sizes}
    yield "| change | " + " | ".join(f"n={size:,}" for size in sizes) + " |"
    yield "|---|" + "---|" * len(sizes)
    for number, scenario in enumerate(SCENARIOS):
        cells = []
        for size in sizes:
            monitor, scipy_ks = rates(scenario, size, repetitions[size], SEED + 1000 * number + size)
            cells.append(f"{monitor:.1%} (KS {scipy_ks:.0%})")
        yield f"| {scenario.name} | " + " | ".join(cells) + " |"
    counts = ", ".join(f"{count:,} at n={size:,}" for size, count in repetitions.items())
    yield f"\nWindows per cell: {counts}; training sample {REFERENCE_ROWS:,} rows, {BINS} deciles (+ tail cuts)."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the repetitions (a rough look)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print("Share of windows called drift by the monitor (scipy's raw-data KS p <= alpha in brackets):\n")
    for line in table(scale_repetitions=0.1 if args.quick else 1.0):
        print(line, flush=True)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
