"""The chi-squared distribution's upper tail, for the categorical drift test (statistics/drift.py).

scipy.stats.chi2.sf is what this computes; the monitor's Lambda layer has numpy and no scipy, so
it is here, in a few lines of the standard algorithm, and tested against scipy
(tests/unit/modelops/statistics/test_chi_squared.py).
"""
import math

# The incomplete gamma's series and continued fraction stop when a term changes the sum by less
# than a double's rounding; both need O(sqrt(a)) terms near x = a, far fewer than this cap.
_GAMMA_EPSILON = 1e-16
_GAMMA_MAX_TERMS = 100_000
_TINY = 1e-300  # Lentz's guard against a zero denominator in the continued fraction


def _regularized_upper_gamma(a: float, x: float) -> float:
    """Q(a, x) = Gamma(a, x) / Gamma(a) for a > 0, x >= 0 (Numerical Recipes' gammq).

    Below x = a + 1 the power series of P = 1 - Q converges fast and Q >= 0.08 there (a >= 0.5),
    so 1 - P keeps Q's relative precision; above it Q can be tiny, and the continued fraction
    (modified Lentz) gives it directly, without the cancellation of 1 - P. The common factor
    x^a e^-x / Gamma(a) is taken through logarithms (math.lgamma) so large a and x cannot
    overflow; a Q below the smallest double underflows to 0.0.
    """
    if not a > 0 or not x >= 0:
        raise ValueError("the incomplete gamma needs a > 0 and x >= 0")
    if x == 0:
        return 1.0
    log_factor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a  # P = factor * sum_{n>=0} x^n / (a (a+1) ... (a+n))
        denominator = a
        for _ in range(_GAMMA_MAX_TERMS):
            denominator += 1.0
            term *= x / denominator
            total += term
            if term < total * _GAMMA_EPSILON:
                return min(1.0, max(0.0, 1.0 - total * math.exp(log_factor)))
    else:
        b = x + 1.0 - a  # Q = factor / (x + 1 - a - 1(1 - a) / (x + 3 - a - 2(2 - a) / (x + 5 - a - ...)))
        c, d = 1.0 / _TINY, 1.0 / b
        fraction = d
        for i in range(1, _GAMMA_MAX_TERMS):
            numerator = -i * (i - a)
            b += 2.0
            d = numerator * d + b
            d = 1.0 / (d if abs(d) >= _TINY else _TINY)
            c = b + numerator / c
            c = c if abs(c) >= _TINY else _TINY
            fraction *= d * c
            if abs(d * c - 1.0) < _GAMMA_EPSILON:
                return min(1.0, max(0.0, fraction * math.exp(log_factor)))
    raise ArithmeticError(f"incomplete gamma Q({a}, {x}) did not converge")


def chi_squared_sf(statistic: float, df: int) -> float:
    """P(X >= statistic) for X chi-squared with df degrees of freedom: Q(df / 2, statistic / 2).
    scipy.stats.chi2.sf, which the Lambda layer does not have (tested against it)."""
    if df < 1 or not statistic >= 0 or not math.isfinite(statistic):
        raise ValueError("the chi-squared tail needs df >= 1 and a finite statistic >= 0")
    return _regularized_upper_gamma(df / 2.0, statistic / 2.0)
